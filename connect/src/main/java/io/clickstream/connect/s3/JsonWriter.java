package io.clickstream.connect.s3;

import java.math.BigDecimal;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Arrays;
import java.util.Base64;
import java.util.Collection;
import java.util.Date;
import java.util.Map;
import org.apache.kafka.connect.data.Field;
import org.apache.kafka.connect.data.Struct;

/**
 * A small append-only JSON writer over a byte buffer. Strings are escaped so that the output never
 * holds a raw line break: it is always safe as one JSON line.
 */
public final class JsonWriter {
  private static final char[] HEX = "0123456789abcdef".toCharArray();
  private byte[] buf;
  private int len;

  public JsonWriter(int capacity) {
    buf = new byte[Math.max(16, capacity)];
  }

  private void ensure(int extra) {
    if (len + extra > buf.length) {
      buf = Arrays.copyOf(buf, Math.max(buf.length * 2, len + extra));
    }
  }

  public JsonWriter raw(char c) {
    ensure(1);
    buf[len++] = (byte) c;
    return this;
  }

  public JsonWriter raw(byte[] bytes) {
    ensure(bytes.length);
    System.arraycopy(bytes, 0, buf, len, bytes.length);
    len += bytes.length;
    return this;
  }

  public JsonWriter raw(String ascii) {
    return raw(ascii.getBytes(StandardCharsets.UTF_8));
  }

  public JsonWriter number(long n) {
    return raw(Long.toString(n));
  }

  public JsonWriter string(String s) {
    ensure(s.length() + 2);
    buf[len++] = '"';
    int runStart = 0;
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      String esc = null;
      if (c == '"') {
        esc = "\\\"";
      } else if (c == '\\') {
        esc = "\\\\";
      } else if (c < 0x20 || c == 0x2028 || c == 0x2029) {
        esc =
            switch (c) {
              case '\n' -> "\\n";
              case '\r' -> "\\r";
              case '\t' -> "\\t";
              case '\b' -> "\\b";
              case '\f' -> "\\f";
              default -> "\\u" + HEX[(c >> 12) & 0xf] + HEX[(c >> 8) & 0xf] + HEX[(c >> 4) & 0xf]
                  + HEX[c & 0xf];
            };
      }
      if (esc != null) {
        if (i > runStart) {
          raw(s.substring(runStart, i));
        }
        raw(esc);
        runStart = i + 1;
      }
    }
    if (runStart < s.length()) {
      raw(runStart == 0 ? s : s.substring(runStart));
    }
    ensure(1);
    buf[len++] = '"';
    return this;
  }

  /**
   * Writes a value of Kafka Connect's data model (Struct, Map, List, primitives, bytes as base64,
   * logical types as their natural JSON form).
   */
  public JsonWriter value(Object v) {
    if (v == null) {
      return raw("null");
    }
    if (v instanceof String s) {
      return string(s);
    }
    if (v instanceof Boolean b) {
      return raw(b ? "true" : "false");
    }
    if (v instanceof Float f) {
      return finite(f.doubleValue(), f.toString());
    }
    if (v instanceof Double d) {
      return finite(d, d.toString());
    }
    if (v instanceof BigDecimal bd) {
      return raw(bd.toString());
    }
    if (v instanceof Number n) {
      return raw(n.toString());
    }
    if (v instanceof byte[] b) {
      return string(Base64.getEncoder().encodeToString(b));
    }
    if (v instanceof ByteBuffer bb) {
      byte[] b = new byte[bb.remaining()];
      bb.duplicate().get(b);
      return string(Base64.getEncoder().encodeToString(b));
    }
    if (v instanceof Date d) {
      return string(Instant.ofEpochMilli(d.getTime()).toString());
    }
    if (v instanceof Struct st) {
      raw('{');
      boolean first = true;
      for (Field f : st.schema().fields()) {
        if (!first) {
          raw(',');
        }
        first = false;
        string(f.name()).raw(':').value(st.get(f));
      }
      return raw('}');
    }
    if (v instanceof Map<?, ?> m) {
      raw('{');
      boolean first = true;
      for (Map.Entry<?, ?> e : m.entrySet()) {
        if (!first) {
          raw(',');
        }
        first = false;
        string(String.valueOf(e.getKey())).raw(':').value(e.getValue());
      }
      return raw('}');
    }
    if (v instanceof Collection<?> c) {
      raw('[');
      boolean first = true;
      for (Object o : c) {
        if (!first) {
          raw(',');
        }
        first = false;
        value(o);
      }
      return raw(']');
    }
    return string(v.toString());
  }

  private JsonWriter finite(double d, String text) {
    // JSON has no NaN or Infinity: keep them as strings rather than writing invalid JSON.
    return Double.isFinite(d) ? raw(text) : string(text);
  }

  public int size() {
    return len;
  }

  public byte[] toByteArray() {
    return Arrays.copyOf(buf, len);
  }
}
