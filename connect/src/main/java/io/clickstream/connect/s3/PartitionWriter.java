package io.clickstream.connect.s3;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.Map;
import java.util.Optional;
import java.util.zip.GZIPInputStream;
import org.apache.kafka.common.TopicPartition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Builds the objects of one topic partition and writes them in offset order.
 *
 * <p>Exactly once in the bucket rests on three rules:
 *
 * <ol>
 *   <li>An object's name follows from (topic, partition, offset of its first record, date of that
 *       record's timestamp); one object is open per partition and objects are written strictly in
 *       offset order, so the objects of a partition form a chain without gaps or overlaps.
 *   <li>{@link #committable()} (what {@code preCommit} hands back to Connect) only moves past records
 *       whose object has been written.
 *   <li>After a restart, or a rebalance, the task resumes at the committed offset; objects written
 *       after the last commit may already be in the bucket. Before opening an object the writer looks
 *       for an object of the same name (HEAD); when there is one, the new object is closed exactly
 *       where the old one ended (its {@code end-offset} metadata), so it overwrites it with the same
 *       records, and the next object again starts where the old next one did. The chain of old
 *       objects is followed until a name is free; from then on the normal rotation applies.
 * </ol>
 *
 * Wall-clock rotation alone could otherwise close a re-read object at a different offset and leave
 * records in two objects.
 */
final class PartitionWriter {
  private static final Logger log = LoggerFactory.getLogger(PartitionWriter.class);
  static final String META_START = "start-offset";
  static final String META_END = "end-offset";
  static final String META_RECORDS = "record-count";

  /** Rotation and format settings. */
  record Settings(int maxRecords, long maxBytes, long maxAgeMs, boolean gzip, int level) {
    static Settings of(S3SinkConfig c) {
      return new Settings(c.rotateRecords(), c.rotateBytes(), c.rotateIntervalMs(), c.gzip(),
          c.compressionLevel());
    }
  }

  /** A closed object waiting to be written (body null: only skipped records, nothing to write). */
  private record Closed(String key, byte[] body, long startOffset, long endOffset, int lines) {}

  private final TopicPartition tp;
  private final Settings settings;
  private final ObjectNaming naming;
  private final ObjectStore store;
  private final Deque<Closed> pending = new ArrayDeque<>();
  private ObjectBuffer current;
  private long nextExpected = -1;
  private long committable = -1;
  private boolean recovering = true;
  private long forcedEnd = -1;
  private int forcedLines = -1;
  private long objectsWritten;
  private long recordsWritten;

  PartitionWriter(TopicPartition tp, Settings settings, ObjectNaming naming, ObjectStore store) {
    this.tp = tp;
    this.settings = settings;
    this.naming = naming;
    this.store = store;
  }

  /**
   * Adds one record: {@code line} is its JSON line, or null for a record that has no line (reported
   * to the dead-letter queue). Records at offsets already added are ignored (Connect redelivers a
   * batch after a retriable error).
   *
   * @throws IOException when the store cannot be asked whether an object exists; nothing has changed
   *     then and the same record may be added again
   */
  void add(long offset, Long timestampMs, byte[] line, long nowMs) throws IOException {
    if (nextExpected >= 0 && offset < nextExpected) {
      return;
    }
    String datePath = naming.datePath(timestampMs);
    if (current != null) {
      if (forcing()) {
        if (offset >= forcedEnd) {
          closeCurrent();
        }
      } else if (!datePath.equals(current.datePath)) {
        closeCurrent();
      }
    }
    if (current == null) {
      open(offset, datePath, nowMs);
    }
    if (line != null) {
      current.append(line, offset);
    } else {
      current.skip(offset);
    }
    nextExpected = offset + 1;
    if (forcing()) {
      if ((forcedEnd >= 0 && offset >= forcedEnd - 1)
          || (forcedLines >= 0 && current.lines >= forcedLines)) {
        closeCurrent();
      }
    } else if (current.lines >= settings.maxRecords() || current.rawBytes >= settings.maxBytes()) {
      closeCurrent();
    }
  }

  private boolean forcing() {
    return forcedEnd >= 0 || forcedLines >= 0;
  }

  private void open(long offset, String datePath, long nowMs) throws IOException {
    String key = naming.key(tp.topic(), tp.partition(), offset, datePath);
    long end = -1;
    int lines = -1;
    if (recovering) {
      Optional<Map<String, String>> meta = store.head(key);
      if (meta.isPresent()) {
        end = parseLong(meta.get().get(META_END));
        if (end <= offset) {
          end = -1;
          lines = countLines(key);
        }
        log.info("{}: {} already exists (written before the last offset commit); rewriting it with"
            + " the same records ({})", tp, key,
            end >= 0 ? "offsets " + offset + " to " + (end - 1) : lines + " lines");
      } else {
        recovering = false;
      }
    }
    forcedEnd = end;
    forcedLines = lines;
    current = new ObjectBuffer(key, datePath, offset, nowMs, settings.gzip(), settings.level());
  }

  private int countLines(String key) throws IOException {
    Optional<byte[]> body = store.get(key);
    if (body.isEmpty()) {
      return -1;
    }
    byte[] b = body.get();
    int n = 0;
    try (InputStream in = key.endsWith(".gz")
        ? new GZIPInputStream(new ByteArrayInputStream(b)) : new ByteArrayInputStream(b)) {
      byte[] chunk = new byte[65536];
      int r;
      while ((r = in.read(chunk)) > 0) {
        for (int i = 0; i < r; i++) {
          if (chunk[i] == '\n') {
            n++;
          }
        }
      }
    }
    return n;
  }

  private static long parseLong(String s) {
    if (s == null) {
      return -1;
    }
    try {
      return Long.parseLong(s.trim());
    } catch (NumberFormatException e) {
      return -1;
    }
  }

  private void closeCurrent() {
    ObjectBuffer b = current;
    current = null;
    forcedEnd = -1;
    forcedLines = -1;
    byte[] body = b.lines > 0 ? b.finish() : null;
    if (body == null) {
      b.discard();
    }
    pending.add(new Closed(b.key, body, b.startOffset, b.endOffset(), b.lines));
  }

  /** Closes the open object if its first record waited {@code maxAgeMs} (not while recovering). */
  void rotateIfDue(long nowMs) {
    if (current != null && !forcing() && nowMs - current.openedAtMs >= settings.maxAgeMs()) {
      closeCurrent();
    }
  }

  /** Writes the closed objects in order; on failure the rest stays queued for the next call. */
  void flush() throws IOException {
    while (!pending.isEmpty()) {
      Closed c = pending.peekFirst();
      if (c.body() != null) {
        store.put(c.key(), c.body(), naming.contentType(),
            Map.of(META_START, Long.toString(c.startOffset()),
                META_END, Long.toString(c.endOffset()),
                META_RECORDS, Integer.toString(c.lines())));
        objectsWritten++;
        recordsWritten += c.lines();
        log.debug("{}: wrote {} ({} records)", tp, c.key(), c.lines());
      }
      committable = c.endOffset();
      pending.removeFirst();
    }
  }

  /** The offset Connect may commit (every record before it is in the bucket), or -1. */
  long committable() {
    return committable;
  }

  boolean hasPending() {
    return !pending.isEmpty();
  }

  long objectsWritten() {
    return objectsWritten;
  }

  long recordsWritten() {
    return recordsWritten;
  }

  /** Drops what is not written; Connect redelivers those records from the committed offset. */
  void discard() {
    if (current != null) {
      current.discard();
      current = null;
    }
    pending.clear();
  }
}
