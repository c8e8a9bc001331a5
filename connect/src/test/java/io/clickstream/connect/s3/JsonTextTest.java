package io.clickstream.connect.s3;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class JsonTextTest {
  static final ObjectMapper JSON = new ObjectMapper();

  static String compact(String s) throws JsonText.InvalidJsonException {
    return new String(JsonText.compact(s.getBytes(StandardCharsets.UTF_8)), StandardCharsets.UTF_8);
  }

  @Test
  void lineBreaksBetweenTokensAreRemoved() throws Exception {
    String pretty = "{\n  \"id\": 1,\r\n\t\"type\" : \"search\",\n  \"event\": {\n    \"q\": [1, 2 ,3]\n  }\n}\n";
    assertEquals("{\"id\":1,\"type\":\"search\",\"event\":{\"q\":[1,2,3]}}", compact(pretty));
  }

  @Test
  void tokensAreKeptByteForByte() throws Exception {
    String s = "{\"n\":-0.50e+10,\"big\":123456789012345678901234567890,\"esc\":\"a\\nb\\u00e9\\\"\\/\","
        + "\"utf8\":\"caf\u00e9 \u6f22 \ud83d\ude00\",\"sp\":\"  keep  spaces  \",\"t\":true,\"f\":false,\"z\":null}";
    byte[] in = s.getBytes(StandardCharsets.UTF_8);
    assertSame(in, JsonText.compact(in), "already compact input is returned as is");
    assertEquals(s, compact(s.replace(",", " ,\n ")), "whitespace only outside strings is removed");
  }

  @Test
  void scalarsAreJsonToo() throws Exception {
    assertEquals("42", compact(" 42 "));
    assertEquals("\"x\"", compact("\n\"x\"\n"));
    assertEquals("null", compact("null"));
    assertEquals("[]", compact("[ ]"));
    assertEquals("{}", compact("{\n}"));
  }

  @Test
  void whitespaceInsideStringsIsKept() throws Exception {
    assertEquals("{\"a\":\"x y\\n z\"}", compact("{ \"a\" : \"x y\\n z\" }"));
  }

  @ParameterizedTest
  @ValueSource(strings = {
      "", "   ", "{", "}", "[1,]", "{\"a\":1,}", "{\"a\" 1}", "{a:1}", "[1 2]", "01", "1.", ".5",
      "1e", "-", "+1", "tru", "nul", "\"unterminated", "\"bad \\x escape\"", "\"\\u12G4\"",
      "{\"a\":1}}", "{\"a\":1} x", "NaN", "Infinity", "'single'", "\"raw\nnewline\"",
      "\"raw\ttab\"", "hello world", "<xml/>"
  })
  void invalidJsonIsRejected(String s) {
    assertThrows(JsonText.InvalidJsonException.class, () -> compact(s));
  }

  @Test
  void errorsSayWhere() {
    var e = assertThrows(JsonText.InvalidJsonException.class, () -> compact("{\"a\":1,}"));
    assertTrue(e.getMessage().contains("at byte 7"), e.getMessage());
  }

  @Test
  void deepNestingIsRejectedWithoutStackOverflow() {
    String deep = "[".repeat(100_000) + "]".repeat(100_000);
    var e = assertThrows(JsonText.InvalidJsonException.class, () -> compact(deep));
    assertTrue(e.getMessage().contains("nesting"), e.getMessage());
    String ok = "[".repeat(JsonText.MAX_DEPTH) + "]".repeat(JsonText.MAX_DEPTH);
    assertFalse(assertDoesNotThrowCompact(ok).isEmpty());
  }

  private static String assertDoesNotThrowCompact(String s) {
    try {
      return compact(s);
    } catch (JsonText.InvalidJsonException e) {
      throw new AssertionError(e);
    }
  }

  @Test
  void sliceIsCompacted() throws Exception {
    byte[] framed = WireFormat.frame(7, "{ \"a\" : 1 }".getBytes(StandardCharsets.UTF_8));
    assertArrayEquals("{\"a\":1}".getBytes(StandardCharsets.UTF_8),
        JsonText.compact(framed, 5, framed.length - 5));
  }

  @Test
  void utf8Check() {
    byte[] good = "caf\u00e9".getBytes(StandardCharsets.UTF_8);
    assertTrue(JsonText.isUtf8(good, 0, good.length));
    byte[] bad = {'"', (byte) 0xc3, (byte) 0x28, '"'};
    assertFalse(JsonText.isUtf8(bad, 0, bad.length));
  }

  @Test
  void utf8CheckAgreesWithTheJdkDecoder() {
    java.util.Random rnd = new java.util.Random(1);
    byte[][] cases = {
        {(byte) 0xc0, (byte) 0x80}, // overlong NUL
        {(byte) 0xe0, (byte) 0x80, (byte) 0x80}, // overlong
        {(byte) 0xed, (byte) 0xa0, (byte) 0x80}, // surrogate U+D800
        {(byte) 0xf4, (byte) 0x90, (byte) 0x80, (byte) 0x80}, // above U+10FFFF
        {(byte) 0xf0, (byte) 0x9f, (byte) 0x98, (byte) 0x80}, // U+1F600
        {(byte) 0xe2, (byte) 0x82}, // truncated
    };
    for (byte[] c : cases) {
      assertEquals(jdkUtf8(c), JsonText.isUtf8(c, 0, c.length), java.util.Arrays.toString(c));
    }
    for (int i = 0; i < 200_000; i++) {
      byte[] b = new byte[1 + rnd.nextInt(6)];
      for (int k = 0; k < b.length; k++) {
        // mostly bytes around the multi-byte ranges
        b[k] = (byte) (rnd.nextBoolean() ? 0x80 + rnd.nextInt(0x80) : rnd.nextInt(256));
      }
      assertEquals(jdkUtf8(b), JsonText.isUtf8(b, 0, b.length), java.util.Arrays.toString(b));
    }
  }

  private static boolean jdkUtf8(byte[] b) {
    try {
      StandardCharsets.UTF_8.newDecoder()
          .onMalformedInput(java.nio.charset.CodingErrorAction.REPORT)
          .onUnmappableCharacter(java.nio.charset.CodingErrorAction.REPORT)
          .decode(java.nio.ByteBuffer.wrap(b));
      return true;
    } catch (java.nio.charset.CharacterCodingException e) {
      return false;
    }
  }

  /** Every event of the real sample is valid, already one line, and kept exactly. */
  @Test
  void realSampleEventsAreKeptExactly() throws Exception {
    Path sample = SampleData.file("sample-events.jsonl");
    Assumptions.assumeTrue(sample != null, "real sample not found beside the repository");
    List<String> lines = Files.readAllLines(sample, StandardCharsets.UTF_8);
    assertTrue(lines.size() > 1000);
    for (String line : lines) {
      if (line.isBlank()) {
        continue;
      }
      String c = compact(line);
      assertFalse(c.contains("\n"));
      assertEquals(JSON.readTree(line), JSON.readTree(c), "the line parses as the original event");
      assertEquals(c, compact(c), "compacting is stable");
      // a pretty-printed copy (line breaks between tokens) comes back as the same line
      assertEquals(c, compact(JSON.readTree(line).toPrettyString()));
    }
  }
}
