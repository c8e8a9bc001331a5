package io.clickstream.connect.s3;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.Map;
import org.apache.kafka.connect.data.SchemaAndValue;
import org.apache.kafka.connect.errors.DataException;
import org.junit.jupiter.api.Test;

class WireFormatJsonConverterTest {
  final WireFormatJsonConverter converter = new WireFormatJsonConverter();

  @Test
  void framedValueBecomesJsonTextWithSchemaId() {
    converter.configure(Map.of(), false);
    byte[] framed = WireFormat.frame(42, "{\"a\": [1,\n 2]}".getBytes(StandardCharsets.UTF_8));
    SchemaAndValue sv = converter.toConnectData("t", framed);
    assertEquals("{\"a\":[1,2]}", sv.value());
    assertEquals(WireFormatJsonConverter.SCHEMA_NAME, sv.schema().name());
    assertEquals("42", sv.schema().parameters().get(WireFormatJsonConverter.SCHEMA_ID_PARAM));
    assertSame(sv.schema(), converter.toConnectData("t", framed).schema(), "schemas are cached per id");
  }

  @Test
  void plainJsonHasNoSchemaId() {
    converter.configure(Map.of(), false);
    SchemaAndValue sv = converter.toConnectData("t", "{\"date\":\"2022-04-28\"}".getBytes(StandardCharsets.UTF_8));
    assertEquals("{\"date\":\"2022-04-28\"}", sv.value());
    assertNull(sv.schema().parameters());
  }

  @Test
  void tombstoneIsNull() {
    converter.configure(Map.of(), false);
    assertNull(converter.toConnectData("t", null).value());
  }

  @Test
  void corruptFrameRaisesDataExceptionForTheDeadLetterQueue() {
    converter.configure(Map.of(), false);
    DataException e = assertThrows(DataException.class,
        () -> converter.toConnectData("acme.t", new byte[] {0, 1}));
    assertTrue(e.getMessage().startsWith("topic acme.t: "), e.getMessage());
  }

  @Test
  void markerModeKeepsCorruptFrames() {
    converter.configure(Map.of("framed.invalid.behavior", "marker", "non.json.field", "_bad"), false);
    SchemaAndValue sv = converter.toConnectData("t", new byte[] {0, 1});
    assertTrue(((String) sv.value()).startsWith("{\"_bad\":{"), (String) sv.value());
  }

  @Test
  void roundTripReframes() {
    converter.configure(Map.of(), false);
    byte[] framed = WireFormat.frame(7, "{\"x\":1}".getBytes(StandardCharsets.UTF_8));
    SchemaAndValue sv = converter.toConnectData("t", framed);
    assertArrayEquals(framed, converter.fromConnectData("t", sv.schema(), sv.value()));
    byte[] plain = "[1,2]".getBytes(StandardCharsets.UTF_8);
    SchemaAndValue pv = converter.toConnectData("t", plain);
    assertArrayEquals(plain, converter.fromConnectData("t", pv.schema(), pv.value()));
    assertThrows(DataException.class, () -> converter.fromConnectData("t", null, "not json"));
  }
}
