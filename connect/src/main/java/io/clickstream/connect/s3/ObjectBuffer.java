package io.clickstream.connect.s3;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.util.zip.GZIPOutputStream;

/** One object being built in memory: JSON lines, gzip-compressed as they come (or plain). */
final class ObjectBuffer {
  final String key;
  final String datePath;
  final long startOffset;
  final long openedAtMs;
  long lastOffset;
  int lines;
  long rawBytes;
  private final ByteArrayOutputStream bytes;
  private final OutputStream out;

  ObjectBuffer(String key, String datePath, long startOffset, long openedAtMs, boolean gzip,
      int level) {
    this.key = key;
    this.datePath = datePath;
    this.startOffset = startOffset;
    this.lastOffset = startOffset - 1;
    this.openedAtMs = openedAtMs;
    this.bytes = new ByteArrayOutputStream(8192);
    try {
      this.out = gzip ? new LeveledGzip(bytes, level) : bytes;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Appends one line; {@code line} must be one-line JSON (no line break). */
  void append(byte[] line, long offset) {
    try {
      out.write(line);
      out.write('\n');
    } catch (IOException e) {
      throw new UncheckedIOException(e); // in-memory streams do not fail
    }
    lines++;
    rawBytes += line.length + 1;
    lastOffset = offset;
  }

  /** Accounts for a record that has no line (sent to the dead-letter queue). */
  void skip(long offset) {
    lastOffset = offset;
  }

  /** The next offset after this object's records: what may be committed once it is written. */
  long endOffset() {
    return lastOffset + 1;
  }

  byte[] finish() {
    try {
      out.close();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return bytes.toByteArray();
  }

  void discard() {
    try {
      out.close(); // releases the native deflater
    } catch (IOException ignored) {
      // nothing to release then
    }
  }

  private static final class LeveledGzip extends GZIPOutputStream {
    LeveledGzip(OutputStream out, int level) throws IOException {
      super(out, 64 * 1024);
      def.setLevel(level);
    }
  }
}
