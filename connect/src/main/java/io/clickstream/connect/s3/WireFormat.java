package io.clickstream.connect.s3;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import org.apache.kafka.connect.errors.DataException;

/**
 * Turns a record value's bytes into one line of JSON.
 *
 * <ul>
 *   <li>Confluent wire format (byte 0x00, 4-byte big-endian schema id, JSON): the frame is removed and
 *       the JSON kept, compacted onto one line; the schema id is returned beside it.
 *   <li>Plain JSON: compacted onto one line.
 *   <li>Anything else (not UTF-8, not JSON): wrapped as {@code {"<marker>": {"reason": ..., "text":
 *       ...}}} ({@code "base64"} instead of {@code "text"} when the bytes are not UTF-8), so it is kept
 *       and can be found, never dropped.
 *   <li>A value that starts with the magic byte but is too short to hold a schema id, or whose framed
 *       payload is not JSON, is a corrupt record: with {@code failOnInvalidFramed} it raises a {@link
 *       DataException} (Connect's error handling sends it to the dead-letter queue), otherwise it gets
 *       the marker too.
 * </ul>
 */
public final class WireFormat {
  public static final byte MAGIC = 0x00;
  public static final int HEADER_SIZE = 5;
  public static final String DEFAULT_MARKER = "__non_json__";
  private static final byte[] NULL = "null".getBytes(StandardCharsets.US_ASCII);

  private WireFormat() {}

  /** A JSON line (no trailing newline) and the schema id of its frame, if it had one. */
  public record Decoded(byte[] json, Integer schemaId) {}

  public static Decoded decode(byte[] raw, boolean failOnInvalidFramed, String marker) {
    if (raw == null) {
      return new Decoded(NULL, null);
    }
    if (raw.length > 0 && raw[0] == MAGIC) {
      if (raw.length < HEADER_SIZE) {
        String reason =
            "value starts with the Confluent magic byte 0x00 but has only "
                + raw.length
                + " bytes, fewer than the 5 of a frame header";
        if (failOnInvalidFramed) {
          throw new DataException(reason);
        }
        return new Decoded(marker(raw, 0, raw.length, reason, marker), null);
      }
      int id =
          ((raw[1] & 0xff) << 24) | ((raw[2] & 0xff) << 16) | ((raw[3] & 0xff) << 8) | (raw[4] & 0xff);
      int len = raw.length - HEADER_SIZE;
      String problem = null;
      if (!JsonText.isUtf8(raw, HEADER_SIZE, len)) {
        problem = "framed payload (schema id " + id + ") is not UTF-8";
      } else {
        try {
          return new Decoded(JsonText.compact(raw, HEADER_SIZE, len), id);
        } catch (JsonText.InvalidJsonException e) {
          problem = "framed payload (schema id " + id + ") is not JSON: " + e.getMessage();
        }
      }
      if (failOnInvalidFramed) {
        throw new DataException(problem);
      }
      return new Decoded(marker(raw, HEADER_SIZE, len, problem, marker), id);
    }
    if (!JsonText.isUtf8(raw, 0, raw.length)) {
      return new Decoded(marker(raw, 0, raw.length, "value is not UTF-8", marker), null);
    }
    try {
      return new Decoded(JsonText.compact(raw), null);
    } catch (JsonText.InvalidJsonException e) {
      return new Decoded(
          marker(raw, 0, raw.length, "value is not JSON: " + e.getMessage(), marker), null);
    }
  }

  /** The marker object for bytes that are not JSON. */
  static byte[] marker(byte[] raw, int from, int len, String reason, String marker) {
    JsonWriter w = new JsonWriter(len + 64 + reason.length());
    w.raw('{').string(marker).raw(':').raw('{').string("reason").raw(':').string(reason).raw(',');
    if (JsonText.isUtf8(raw, from, len)) {
      w.string("text").raw(':').string(new String(raw, from, len, StandardCharsets.UTF_8));
    } else {
      byte[] slice = new byte[len];
      System.arraycopy(raw, from, slice, 0, len);
      w.string("base64").raw(':').string(Base64.getEncoder().encodeToString(slice));
    }
    w.raw('}').raw('}');
    return w.toByteArray();
  }

  /** Frames JSON bytes in the Confluent wire format. */
  public static byte[] frame(int schemaId, byte[] json) {
    byte[] out = new byte[HEADER_SIZE + json.length];
    out[0] = MAGIC;
    out[1] = (byte) (schemaId >>> 24);
    out[2] = (byte) (schemaId >>> 16);
    out[3] = (byte) (schemaId >>> 8);
    out[4] = (byte) schemaId;
    System.arraycopy(json, 0, out, HEADER_SIZE, json.length);
    return out;
  }
}
