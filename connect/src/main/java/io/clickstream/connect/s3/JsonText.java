package io.clickstream.connect.s3;

import java.io.ByteArrayOutputStream;

/**
 * Validates JSON text (RFC 8259) and rewrites it on one line.
 *
 * <p>Whitespace between tokens (including line breaks) is removed; every token is kept byte for byte
 * (numbers, escapes and non-ASCII characters are not re-encoded), so the compact line parses as the
 * very same value. Raw control characters inside strings are not JSON and are rejected, which is what
 * makes the output safe for JSON lines: a compact valid JSON text never holds a byte 0x0A or 0x0D.
 */
public final class JsonText {
  /** Deepest nesting accepted; deeper input is rejected instead of risking a stack overflow. */
  public static final int MAX_DEPTH = 512;

  private JsonText() {}

  /** Thrown for text that is not valid JSON; the message says where and why. */
  public static final class InvalidJsonException extends Exception {
    private static final long serialVersionUID = 1L;

    InvalidJsonException(String message) {
      super(message, null, false, false);
    }
  }

  /** Compacts the whole array. */
  public static byte[] compact(byte[] in) throws InvalidJsonException {
    return compact(in, 0, in.length);
  }

  /**
   * Compacts {@code in[from, from+length)}: validates it as one JSON value and returns it without
   * insignificant whitespace. Returns the input array itself when it was already compact and whole.
   */
  public static byte[] compact(byte[] in, int from, int length) throws InvalidJsonException {
    Parser p = new Parser(in, from, from + length);
    p.skipWs();
    if (p.pos >= p.end) {
      throw new InvalidJsonException("empty value");
    }
    p.value(0);
    p.skipWs();
    if (p.pos < p.end) {
      throw p.error("trailing characters after the JSON value");
    }
    if (!p.sawWhitespace) {
      if (from == 0 && length == in.length) {
        return in;
      }
      byte[] copy = new byte[length];
      System.arraycopy(in, from, copy, 0, length);
      return copy;
    }
    // Second pass: copy everything except whitespace outside strings.
    ByteArrayOutputStream out = new ByteArrayOutputStream(length);
    boolean inString = false;
    for (int i = from; i < from + length; i++) {
      byte b = in[i];
      if (inString) {
        out.write(b);
        if (b == '\\') {
          out.write(in[++i]);
        } else if (b == '"') {
          inString = false;
        }
      } else if (b == '"') {
        inString = true;
        out.write(b);
      } else if (!isWs(b)) {
        out.write(b);
      }
    }
    return out.toByteArray();
  }

  /** True when the bytes are valid UTF-8 (no overlongs, no surrogates, at most U+10FFFF). */
  public static boolean isUtf8(byte[] in, int from, int length) {
    int i = from;
    int end = from + length;
    while (i < end) {
      int b = in[i];
      if (b >= 0) { // ASCII: the common case, skipped quickly
        i++;
        continue;
      }
      b &= 0xff;
      int need;
      int min;
      if (b >= 0xc2 && b <= 0xdf) {
        need = 1;
        min = 0x80;
      } else if (b >= 0xe0 && b <= 0xef) {
        need = 2;
        min = 0x800;
      } else if (b >= 0xf0 && b <= 0xf4) {
        need = 3;
        min = 0x10000;
      } else {
        return false;
      }
      if (end - i <= need) {
        return false;
      }
      int cp = b & (0x3f >> need);
      for (int k = 1; k <= need; k++) {
        int c = in[i + k] & 0xff;
        if ((c & 0xc0) != 0x80) {
          return false;
        }
        cp = (cp << 6) | (c & 0x3f);
      }
      if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) {
        return false;
      }
      i += need + 1;
    }
    return true;
  }

  private static boolean isWs(byte b) {
    return b == ' ' || b == '\n' || b == '\r' || b == '\t';
  }

  private static final class Parser {
    final byte[] in;
    final int start;
    final int end;
    int pos;
    boolean sawWhitespace;

    Parser(byte[] in, int start, int end) {
      this.in = in;
      this.start = start;
      this.end = end;
      this.pos = start;
    }

    InvalidJsonException error(String what) {
      return new InvalidJsonException(what + " at byte " + (pos - start));
    }

    void skipWs() {
      while (pos < end && isWs(in[pos])) {
        pos++;
        sawWhitespace = true;
      }
    }

    int peek() throws InvalidJsonException {
      if (pos >= end) {
        throw error("unexpected end of input");
      }
      return in[pos] & 0xff;
    }

    void value(int depth) throws InvalidJsonException {
      if (depth > MAX_DEPTH) {
        throw error("nesting deeper than " + MAX_DEPTH);
      }
      int c = peek();
      switch (c) {
        case '{' -> object(depth + 1);
        case '[' -> array(depth + 1);
        case '"' -> string();
        case 't' -> literal("true");
        case 'f' -> literal("false");
        case 'n' -> literal("null");
        default -> {
          if (c == '-' || (c >= '0' && c <= '9')) {
            number();
          } else {
            throw error(describe(c));
          }
        }
      }
    }

    String describe(int c) {
      if (c >= 0x21 && c < 0x7f) {
        return "unexpected character '" + (char) c + "'";
      }
      return String.format("unexpected byte 0x%02x", c);
    }

    void object(int depth) throws InvalidJsonException {
      pos++; // '{'
      skipWs();
      if (peek() == '}') {
        pos++;
        return;
      }
      while (true) {
        skipWs();
        if (peek() != '"') {
          throw error("expected a member name");
        }
        string();
        skipWs();
        if (peek() != ':') {
          throw error("expected ':'");
        }
        pos++;
        skipWs();
        value(depth);
        skipWs();
        int c = peek();
        pos++;
        if (c == '}') {
          return;
        }
        if (c != ',') {
          pos--;
          throw error("expected ',' or '}'");
        }
      }
    }

    void array(int depth) throws InvalidJsonException {
      pos++; // '['
      skipWs();
      if (peek() == ']') {
        pos++;
        return;
      }
      while (true) {
        skipWs();
        value(depth);
        skipWs();
        int c = peek();
        pos++;
        if (c == ']') {
          return;
        }
        if (c != ',') {
          pos--;
          throw error("expected ',' or ']'");
        }
      }
    }

    void string() throws InvalidJsonException {
      pos++; // opening quote
      while (true) {
        int c = peek();
        if (c == '"') {
          pos++;
          return;
        }
        if (c < 0x20) {
          throw error(String.format("unescaped control character 0x%02x in a string", c));
        }
        if (c == '\\') {
          pos++;
          int e = peek();
          switch (e) {
            case '"', '\\', '/', 'b', 'f', 'n', 'r', 't' -> pos++;
            case 'u' -> {
              pos++;
              for (int i = 0; i < 4; i++) {
                int h = peek();
                boolean hex =
                    (h >= '0' && h <= '9') || (h >= 'a' && h <= 'f') || (h >= 'A' && h <= 'F');
                if (!hex) {
                  throw error("bad \\u escape");
                }
                pos++;
              }
            }
            default -> throw error("bad escape");
          }
        } else {
          pos++;
        }
      }
    }

    void literal(String word) throws InvalidJsonException {
      int n = word.length();
      if (end - pos < n) {
        throw error("unexpected end of input");
      }
      for (int i = 0; i < n; i++) {
        if (in[pos + i] != word.charAt(i)) {
          throw error(describe(in[pos] & 0xff));
        }
      }
      pos += n;
    }

    void number() throws InvalidJsonException {
      if (in[pos] == '-') {
        pos++;
      }
      int c = peek();
      if (c == '0') {
        pos++;
      } else if (c >= '1' && c <= '9') {
        digits();
      } else {
        throw error("bad number");
      }
      if (pos < end && in[pos] == '.') {
        pos++;
        if (pos >= end || !isDigit(in[pos])) {
          throw error("bad number: digit expected after '.'");
        }
        digits();
      }
      if (pos < end && (in[pos] == 'e' || in[pos] == 'E')) {
        pos++;
        if (pos < end && (in[pos] == '+' || in[pos] == '-')) {
          pos++;
        }
        if (pos >= end || !isDigit(in[pos])) {
          throw error("bad number: digit expected in the exponent");
        }
        digits();
      }
    }

    void digits() {
      while (pos < end && isDigit(in[pos])) {
        pos++;
      }
    }

    static boolean isDigit(byte b) {
      return b >= '0' && b <= '9';
    }
  }
}
