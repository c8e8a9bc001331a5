package io.clickstream.connect.s3;

import java.time.Instant;
import java.time.format.DateTimeFormatter;

/**
 * Object keys: {@code [<prefix>/]<topic>/<path>/<topic>+<partition>+<start offset>.jsonl[.gz]}, where
 * {@code <path>} is the record timestamp formatted with {@code path.format} (default {@code
 * dt=YYYY-MM-DD}, UTC) and the start offset is zero-padded so names sort in offset order. A record
 * without a timestamp is filed under the epoch (1970-01-01): names must never depend on the wall
 * clock, or a restarted task could not rewrite the same names.
 */
public final class ObjectNaming {
  private final String prefix;
  private final DateTimeFormatter pathFormatter;
  private final int pad;
  private final String extension;

  public ObjectNaming(String prefix, DateTimeFormatter pathFormatter, int pad, boolean gzip) {
    this.prefix = prefix == null || prefix.isEmpty() ? "" : prefix + "/";
    this.pathFormatter = pathFormatter;
    this.pad = pad;
    this.extension = gzip ? ".jsonl.gz" : ".jsonl";
  }

  public static ObjectNaming of(S3SinkConfig c) {
    return new ObjectNaming(c.prefix(), c.pathFormatter(), c.offsetPad(), c.gzip());
  }

  public String datePath(Long timestampMs) {
    long ts = timestampMs == null || timestampMs < 0 ? 0L : timestampMs;
    return pathFormatter.format(Instant.ofEpochMilli(ts));
  }

  public String key(String topic, int partition, long startOffset, String datePath) {
    String offset = Long.toString(startOffset);
    StringBuilder sb = new StringBuilder(prefix.length() + 2 * topic.length() + datePath.length() + 48);
    sb.append(prefix).append(topic).append('/').append(datePath).append('/');
    sb.append(topic).append('+').append(partition).append('+');
    for (int i = offset.length(); i < pad; i++) {
      sb.append('0');
    }
    return sb.append(offset).append(extension).toString();
  }

  public String contentType() {
    return extension.endsWith(".gz") ? "application/gzip" : "application/x-ndjson";
  }
}
