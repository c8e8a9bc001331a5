package io.clickstream.connect.s3;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import org.apache.kafka.connect.errors.DataException;
import org.junit.jupiter.api.Test;

class WireFormatTest {
  static final String EVENT = "{\"id\":463469,\"type\":\"search\",\"event\":{\"user-agent\":\"Mozilla/5.0\","
      + "\"ip\":\"200.15.173.55\",\"customer-id\":null,\"timestamp\":\"2022-04-28T07:38:46.290271\","
      + "\"query\":\"Synchronized didactic task-force\"}}";

  static byte[] utf8(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  static String str(byte[] b) {
    return new String(b, StandardCharsets.UTF_8);
  }

  @Test
  void framedValueIsUnframed() {
    byte[] framed = WireFormat.frame(0x01020304, utf8(EVENT));
    assertEquals(0, framed[0]);
    WireFormat.Decoded d = WireFormat.decode(framed, true, WireFormat.DEFAULT_MARKER);
    assertEquals(EVENT, str(d.json()));
    assertEquals(0x01020304, d.schemaId());
  }

  @Test
  void framedIdIsUnsignedBigEndian() {
    byte[] framed = {0, 0, 0, 1, (byte) 0xff, '1'};
    assertEquals(511, WireFormat.decode(framed, true, "m").schemaId());
  }

  @Test
  void framedPrettyPayloadBecomesOneLine() {
    byte[] framed = WireFormat.frame(3, utf8("{\n \"id\": 1,\n \"type\": \"x\"\n}\n"));
    assertEquals("{\"id\":1,\"type\":\"x\"}", str(WireFormat.decode(framed, true, "m").json()));
  }

  @Test
  void plainJsonIsKept() {
    WireFormat.Decoded d = WireFormat.decode(utf8(EVENT), true, "m");
    assertEquals(EVENT, str(d.json()));
    assertNull(d.schemaId());
  }

  @Test
  void nullIsTheJsonNull() {
    assertEquals("null", str(WireFormat.decode(null, true, "m").json()));
  }

  @Test
  void nonJsonTextIsKeptWithMarker() {
    String text = "not json\nsecond line \"quoted\"";
    String line = str(WireFormat.decode(utf8(text), true, "__non_json__").json());
    assertFalse(line.contains("\n"));
    assertTrue(line.startsWith("{\"__non_json__\":{\"reason\":\"value is not JSON: "), line);
    assertTrue(line.endsWith(",\"text\":\"not json\\nsecond line \\\"quoted\\\"\"}}"), line);
  }

  @Test
  void nonUtf8IsKeptAsBase64WithMarker() {
    byte[] raw = {(byte) 0xff, (byte) 0xfe, 'a', '\n'};
    String line = str(WireFormat.decode(raw, true, "m").json());
    assertEquals("{\"m\":{\"reason\":\"value is not UTF-8\",\"base64\":\""
        + Base64.getEncoder().encodeToString(raw) + "\"}}", line);
  }

  @Test
  void truncatedFrameFailsOrIsMarked() {
    byte[] raw = {0, 0, 1};
    DataException e = assertThrows(DataException.class, () -> WireFormat.decode(raw, true, "m"));
    assertTrue(e.getMessage().contains("only 3 bytes"), e.getMessage());
    String line = str(WireFormat.decode(raw, false, "m").json());
    assertTrue(line.startsWith("{\"m\":{\"reason\":\"value starts with the Confluent magic byte"), line);
    assertTrue(line.endsWith(",\"text\":\"\\u0000\\u0000\\u0001\"}}"), line);
  }

  @Test
  void framedNonJsonFailsOrIsMarkedWithItsSchemaId() {
    byte[] raw = WireFormat.frame(9, utf8("oops"));
    DataException e = assertThrows(DataException.class, () -> WireFormat.decode(raw, true, "m"));
    assertTrue(e.getMessage().contains("schema id 9"), e.getMessage());
    WireFormat.Decoded d = WireFormat.decode(raw, false, "m");
    assertEquals(9, d.schemaId());
    assertTrue(str(d.json()).contains("\"text\":\"oops\""));
  }

  @Test
  void emptyFramedPayloadIsNotJson() {
    byte[] raw = WireFormat.frame(1, new byte[0]);
    assertThrows(DataException.class, () -> WireFormat.decode(raw, true, "m"));
  }
}
