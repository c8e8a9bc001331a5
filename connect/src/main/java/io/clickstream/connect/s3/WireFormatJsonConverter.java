package io.clickstream.connect.s3;

import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.common.config.ConfigDef.Importance;
import org.apache.kafka.common.config.ConfigDef.Type;
import org.apache.kafka.connect.components.Versioned;
import org.apache.kafka.connect.data.Schema;
import org.apache.kafka.connect.data.SchemaAndValue;
import org.apache.kafka.connect.data.SchemaBuilder;
import org.apache.kafka.connect.errors.DataException;
import org.apache.kafka.connect.storage.Converter;

/**
 * Converter for JSON values, framed in the Confluent wire format (0x00, 4-byte schema id, JSON) or
 * plain. Use it as {@code value.converter} of the sink.
 *
 * <p>{@link #toConnectData} yields the value as compact one-line JSON text (a {@code String}) with the
 * schema {@value #SCHEMA_NAME}; the frame's schema id, when there was one, is the schema parameter
 * {@value #SCHEMA_ID_PARAM}. Values that are not JSON get the marker of {@link WireFormat}; corrupt
 * frames raise a {@link DataException} (with {@code framed.invalid.behavior=fail}, the default), which
 * Connect's error handling routes to the dead-letter queue.
 *
 * <p>{@link #fromConnectData} does the reverse: JSON text is written plain, or framed again when the
 * schema carries a schema id.
 */
public class WireFormatJsonConverter implements Converter, Versioned {
  public static final String SCHEMA_NAME = "io.clickstream.connect.s3.Json";
  public static final String SCHEMA_ID_PARAM = "schema.id";
  public static final Schema PLAIN_SCHEMA =
      SchemaBuilder.string().optional().name(SCHEMA_NAME).build();

  public static final ConfigDef CONFIG_DEF =
      new ConfigDef()
          .define(S3SinkConfig.FRAMED_INVALID, Type.STRING, "fail",
              ConfigDef.ValidString.in("fail", "marker"), Importance.MEDIUM,
              "fail: a corrupt frame (magic byte but no room for a schema id, or a payload that"
                  + " is not JSON) raises a DataException (dead-letter queue); marker: keep it"
                  + " with the non-JSON marker.")
          .define(S3SinkConfig.NON_JSON_FIELD, Type.STRING, WireFormat.DEFAULT_MARKER,
              Importance.LOW, "Marker field of values that are not JSON.");

  private final Map<Integer, Schema> schemas = new ConcurrentHashMap<>();
  private boolean failOnInvalidFramed = true;
  private String marker = WireFormat.DEFAULT_MARKER;

  @Override
  public void configure(Map<String, ?> configs, boolean isKey) {
    var parsed = CONFIG_DEF.parse(configs);
    failOnInvalidFramed = "fail".equals(parsed.get(S3SinkConfig.FRAMED_INVALID));
    marker = (String) parsed.get(S3SinkConfig.NON_JSON_FIELD);
  }

  @Override
  public ConfigDef config() {
    return CONFIG_DEF;
  }

  @Override
  public String version() {
    return PluginVersion.get();
  }

  /** The schema for a frame's schema id (cached: one instance per id). */
  public Schema schemaFor(Integer schemaId) {
    if (schemaId == null) {
      return PLAIN_SCHEMA;
    }
    return schemas.computeIfAbsent(
        schemaId,
        id ->
            SchemaBuilder.string()
                .optional()
                .name(SCHEMA_NAME)
                .parameter(SCHEMA_ID_PARAM, Integer.toString(id))
                .build());
  }

  @Override
  public SchemaAndValue toConnectData(String topic, byte[] value) {
    if (value == null) {
      return new SchemaAndValue(PLAIN_SCHEMA, null);
    }
    WireFormat.Decoded d;
    try {
      d = WireFormat.decode(value, failOnInvalidFramed, marker);
    } catch (DataException e) {
      throw new DataException("topic " + topic + ": " + e.getMessage(), e);
    }
    return new SchemaAndValue(schemaFor(d.schemaId()), new String(d.json(), StandardCharsets.UTF_8));
  }

  @Override
  public byte[] fromConnectData(String topic, Schema schema, Object value) {
    if (value == null) {
      return null;
    }
    byte[] json;
    if (value instanceof String s) {
      json = s.getBytes(StandardCharsets.UTF_8);
      try {
        JsonText.compact(json);
      } catch (JsonText.InvalidJsonException e) {
        throw new DataException("topic " + topic + ": value is not JSON text: " + e.getMessage());
      }
    } else {
      json = new JsonWriter(256).value(value).toByteArray();
    }
    String id = schema == null || schema.parameters() == null
        ? null : schema.parameters().get(SCHEMA_ID_PARAM);
    if (id == null) {
      return json;
    }
    try {
      return WireFormat.frame(Integer.parseInt(id), json);
    } catch (NumberFormatException e) {
      throw new DataException("schema parameter " + SCHEMA_ID_PARAM + " is not an integer: " + id);
    }
  }

}
