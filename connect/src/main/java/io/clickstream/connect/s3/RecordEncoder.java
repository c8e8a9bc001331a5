package io.clickstream.connect.s3;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.connect.data.Schema;
import org.apache.kafka.connect.errors.DataException;
import org.apache.kafka.connect.header.Header;
import org.apache.kafka.connect.sink.SinkRecord;

/**
 * Turns a sink record into its JSON line (without the newline).
 *
 * <p>The value comes from {@link WireFormatJsonConverter} (JSON text, already checked and compact),
 * or from another converter: raw bytes (ByteArrayConverter) are unframed and checked here; a String
 * is checked as JSON text; structured data (JsonConverter, Avro...) is serialized.
 *
 * <p>With the envelope, the line is {@code {"topic","partition","offset","timestamp",
 * "timestamp_type","key","schema_id","headers","value"}}.
 */
public final class RecordEncoder {
  private final boolean envelope;
  private final boolean failOnInvalidFramed;
  private final String marker;

  public RecordEncoder(boolean envelope, boolean failOnInvalidFramed, String marker) {
    this.envelope = envelope;
    this.failOnInvalidFramed = failOnInvalidFramed;
    this.marker = marker;
  }

  public static RecordEncoder of(S3SinkConfig c) {
    return new RecordEncoder(c.envelope(), c.failOnInvalidFramed(), c.nonJsonField());
  }

  /** The record's line. @throws DataException when the value cannot be converted */
  public byte[] encode(SinkRecord r) {
    WireFormat.Decoded v = value(r.valueSchema(), r.value());
    if (!envelope) {
      return v.json();
    }
    JsonWriter w = new JsonWriter(v.json().length + 256);
    w.raw("{\"topic\":").string(r.topic());
    w.raw(",\"partition\":").value(r.kafkaPartition());
    w.raw(",\"offset\":").number(r.kafkaOffset());
    w.raw(",\"timestamp\":").value(r.timestamp());
    w.raw(",\"timestamp_type\":")
        .value(r.timestampType() == null ? null : r.timestampType().toString());
    w.raw(",\"key\":");
    key(w, r.key());
    w.raw(",\"schema_id\":").value(v.schemaId());
    w.raw(",\"headers\":");
    headers(w, r);
    w.raw(",\"value\":").raw(v.json()).raw('}');
    return w.toByteArray();
  }

  private WireFormat.Decoded value(Schema schema, Object value) {
    if (schema != null && WireFormatJsonConverter.SCHEMA_NAME.equals(schema.name())) {
      Integer id = null;
      if (schema.parameters() != null) {
        String p = schema.parameters().get(WireFormatJsonConverter.SCHEMA_ID_PARAM);
        id = p == null ? null : Integer.valueOf(p);
      }
      if (value == null) {
        return WireFormat.decode(null, failOnInvalidFramed, marker);
      }
      return new WireFormat.Decoded(((String) value).getBytes(StandardCharsets.UTF_8), id);
    }
    if (value == null || value instanceof byte[]) {
      return WireFormat.decode((byte[]) value, failOnInvalidFramed, marker);
    }
    if (value instanceof ByteBuffer bb) {
      byte[] b = new byte[bb.remaining()];
      bb.duplicate().get(b);
      return WireFormat.decode(b, failOnInvalidFramed, marker);
    }
    if (value instanceof String s) {
      return WireFormat.decode(s.getBytes(StandardCharsets.UTF_8), failOnInvalidFramed, marker);
    }
    return new WireFormat.Decoded(new JsonWriter(256).value(value).toByteArray(), null);
  }

  private static void key(JsonWriter w, Object key) {
    if (key instanceof byte[] b) {
      if (JsonText.isUtf8(b, 0, b.length)) {
        w.string(new String(b, StandardCharsets.UTF_8));
      } else {
        w.raw("{\"base64\":").value(b).raw('}');
      }
    } else {
      w.value(key);
    }
  }

  private static void headers(JsonWriter w, SinkRecord r) {
    Map<String, List<Object>> byName = new LinkedHashMap<>();
    for (Header h : r.headers()) {
      Object v = h.value();
      if (v instanceof byte[] b && JsonText.isUtf8(b, 0, b.length)) {
        v = new String(b, StandardCharsets.UTF_8);
      }
      byName.computeIfAbsent(h.key(), k -> new ArrayList<>(1)).add(v);
    }
    w.raw('{');
    boolean first = true;
    for (Map.Entry<String, List<Object>> e : byName.entrySet()) {
      if (!first) {
        w.raw(',');
      }
      first = false;
      w.string(e.getKey()).raw(':');
      // One header: its value; a repeated header: all its values, in order.
      w.value(e.getValue().size() == 1 ? e.getValue().get(0) : e.getValue());
    }
    w.raw('}');
  }
}
