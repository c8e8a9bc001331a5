package io.clickstream.connect.s3;

import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.Locale;
import java.util.Map;
import org.apache.kafka.common.config.AbstractConfig;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.common.config.ConfigDef.Importance;
import org.apache.kafka.common.config.ConfigDef.Type;
import org.apache.kafka.common.config.ConfigDef.Width;
import org.apache.kafka.common.config.ConfigException;
import org.apache.kafka.common.config.types.Password;

/** Configuration of the S3 sink connector and its tasks. Every key has a documented default. */
public final class S3SinkConfig extends AbstractConfig {
  public static final String S3_BUCKET = "s3.bucket.name";
  public static final String S3_REGION = "s3.region";
  public static final String S3_ENDPOINT = "s3.endpoint";
  public static final String S3_PATH_STYLE = "s3.path.style.access";
  public static final String S3_ACCESS_KEY = "aws.access.key.id";
  public static final String S3_SECRET_KEY = "aws.secret.access.key";
  public static final String S3_PREFIX = "s3.prefix";
  public static final String S3_RETRY_ATTEMPTS = "s3.retry.max.attempts";
  public static final String S3_RETRY_BACKOFF_MS = "s3.retry.backoff.ms";
  public static final String S3_RETRY_MAX_BACKOFF_MS = "s3.retry.max.backoff.ms";
  public static final String S3_API_TIMEOUT_MS = "s3.api.call.timeout.ms";
  public static final String S3_CHECKSUM = "s3.checksum.calculation";

  public static final String PATH_FORMAT = "path.format";
  public static final String TIMEZONE = "path.timezone";
  public static final String OFFSET_PAD = "filename.offset.zero.pad.width";
  public static final String COMPRESSION = "compression.type";
  public static final String COMPRESSION_LEVEL = "compression.level";
  public static final String ENVELOPE = "envelope.enabled";

  public static final String ROTATE_RECORDS = "rotate.max.records";
  public static final String ROTATE_BYTES = "rotate.max.bytes";
  public static final String ROTATE_INTERVAL_MS = "rotate.interval.ms";

  public static final String FRAMED_INVALID = "framed.invalid.behavior";
  public static final String NON_JSON_FIELD = "non.json.field";

  public static final String GROUP_S3 = "S3";
  public static final String GROUP_LAYOUT = "Layout";
  public static final String GROUP_ROTATION = "Rotation";
  public static final String GROUP_RECORDS = "Records";

  public static final ConfigDef CONFIG_DEF = configDef();

  private static ConfigDef configDef() {
    ConfigDef def = new ConfigDef();
    int order = 0;
    def.define(S3_BUCKET, Type.STRING, ConfigDef.NO_DEFAULT_VALUE, new ConfigDef.NonEmptyString(),
        Importance.HIGH, "Bucket the objects are written to.", GROUP_S3, ++order, Width.LONG,
        "Bucket");
    def.define(S3_REGION, Type.STRING, "us-east-1", Importance.HIGH,
        "Region used to sign requests.", GROUP_S3, ++order, Width.SHORT, "Region");
    def.define(S3_ENDPOINT, Type.STRING, "", Importance.HIGH,
        "Endpoint URL of an S3-compatible store (e.g. http://localhost:9000); empty means AWS S3.",
        GROUP_S3, ++order, Width.LONG, "Endpoint");
    def.define(S3_PATH_STYLE, Type.BOOLEAN, false, Importance.MEDIUM,
        "Path-style addressing (endpoint/bucket/key); needed by most self-hosted stores and by"
            + " bucket names with dots.",
        GROUP_S3, ++order, Width.SHORT, "Path-style access");
    def.define(S3_ACCESS_KEY, Type.STRING, "", Importance.HIGH,
        "Access key id; empty means the AWS default credentials chain (environment, profile,"
            + " instance role).",
        GROUP_S3, ++order, Width.MEDIUM, "Access key");
    def.define(S3_SECRET_KEY, Type.PASSWORD, "", Importance.HIGH, "Secret access key.", GROUP_S3,
        ++order, Width.MEDIUM, "Secret key");
    def.define(S3_PREFIX, Type.STRING, "", Importance.MEDIUM,
        "Key prefix before <topic>/ (no leading or trailing slash needed).", GROUP_S3, ++order,
        Width.MEDIUM, "Prefix");
    def.define(S3_RETRY_ATTEMPTS, Type.INT, 6, ConfigDef.Range.atLeast(1), Importance.MEDIUM,
        "Attempts per S3 request before put() gives up with a retriable error (Connect then"
            + " redelivers the batch and the write is tried again: nothing is dropped).",
        GROUP_S3, ++order, Width.SHORT, "Retry attempts");
    def.define(S3_RETRY_BACKOFF_MS, Type.LONG, 200L, ConfigDef.Range.atLeast(0), Importance.LOW,
        "First backoff between attempts; doubles each attempt, with jitter.", GROUP_S3, ++order,
        Width.SHORT, "Retry backoff");
    def.define(S3_RETRY_MAX_BACKOFF_MS, Type.LONG, 10_000L, ConfigDef.Range.atLeast(0),
        Importance.LOW, "Largest backoff between attempts.", GROUP_S3, ++order, Width.SHORT,
        "Max retry backoff");
    def.define(S3_API_TIMEOUT_MS, Type.LONG, 60_000L, ConfigDef.Range.atLeast(1), Importance.LOW,
        "Timeout of one S3 request.", GROUP_S3, ++order, Width.SHORT, "Request timeout");
    def.define(S3_CHECKSUM, Type.STRING, "when_required",
        ConfigDef.ValidString.in("when_required", "when_supported"), Importance.LOW,
        "Request checksums of the AWS SDK: 'when_required' (plain signed PUTs, understood by every"
            + " S3-compatible store) or 'when_supported' (SDK default for AWS S3).",
        GROUP_S3, ++order, Width.SHORT, "Checksums");

    order = 0;
    def.define(PATH_FORMAT, Type.STRING, "'dt='yyyy-MM-dd", new PathFormatValidator(),
        Importance.MEDIUM,
        "java.time DateTimeFormatter pattern of the folder between <topic>/ and the object name,"
            + " from the record timestamp (e.g. \"'year='yyyy/'month='MM/'day='dd/'hour='HH\").",
        GROUP_LAYOUT, ++order, Width.MEDIUM, "Path format");
    def.define(TIMEZONE, Type.STRING, "UTC", new ZoneValidator(), Importance.LOW,
        "Time zone of the path format.", GROUP_LAYOUT, ++order, Width.SHORT, "Time zone");
    def.define(OFFSET_PAD, Type.INT, 20, ConfigDef.Range.between(1, 20), Importance.LOW,
        "Zero padding of the start offset in object names (20 sorts every offset).", GROUP_LAYOUT,
        ++order, Width.SHORT, "Offset padding");
    def.define(COMPRESSION, Type.STRING, "gzip", ConfigDef.ValidString.in("gzip", "none"),
        Importance.MEDIUM, "gzip (objects end in .jsonl.gz) or none (.jsonl).", GROUP_LAYOUT,
        ++order, Width.SHORT, "Compression");
    def.define(COMPRESSION_LEVEL, Type.INT, 3, ConfigDef.Range.between(1, 9), Importance.LOW,
        "gzip level, 1 (fastest) to 9 (smallest); 3 compresses clickstream JSON about 5.7x at"
            + " nearly twice the speed of 6 (6.8x).", GROUP_LAYOUT, ++order, Width.SHORT,
        "Compression level");

    order = 0;
    def.define(ROTATE_RECORDS, Type.INT, 50_000, ConfigDef.Range.atLeast(1), Importance.HIGH,
        "An object is closed once it holds this many records.", GROUP_ROTATION, ++order,
        Width.SHORT, "Max records per object");
    def.define(ROTATE_BYTES, Type.LONG, 32L * 1024 * 1024, ConfigDef.Range.atLeast(1),
        Importance.HIGH,
        "An object is closed once its uncompressed lines reach this many bytes (it is built in"
            + " memory: tasks hold up to this much per assigned partition).",
        GROUP_ROTATION, ++order, Width.SHORT, "Max bytes per object");
    def.define(ROTATE_INTERVAL_MS, Type.LONG, 5_000L, ConfigDef.Range.atLeast(1), Importance.HIGH,
        "An object is closed once its first record has waited this long (wall clock), so data"
            + " reaches the store within about this interval plus the worker's poll time.",
        GROUP_ROTATION, ++order, Width.SHORT, "Max object age");

    order = 0;
    def.define(ENVELOPE, Type.BOOLEAN, false, Importance.MEDIUM,
        "Write each line as {topic, partition, offset, timestamp, timestamp_type, key, schema_id,"
            + " headers, value} instead of the bare value.",
        GROUP_RECORDS, ++order, Width.SHORT, "Envelope");
    def.define(FRAMED_INVALID, Type.STRING, "fail", ConfigDef.ValidString.in("fail", "marker"),
        Importance.MEDIUM,
        "For raw byte values handled by the sink itself: a value framed in the Confluent wire"
            + " format whose payload is not JSON (or too short to hold a schema id) is 'fail':"
            + " reported to Connect's dead-letter queue (errors.tolerance=all) or failing the task;"
            + " 'marker': kept with the non-JSON marker.",
        GROUP_RECORDS, ++order, Width.SHORT, "Invalid framed values");
    def.define(NON_JSON_FIELD, Type.STRING, WireFormat.DEFAULT_MARKER,
        new ConfigDef.NonEmptyString(), Importance.LOW,
        "Name of the marker field of values that are not JSON: {\"<field>\": {\"reason\": ...,"
            + " \"text\" or \"base64\": ...}}.",
        GROUP_RECORDS, ++order, Width.SHORT, "Non-JSON marker");
    return def;
  }

  public S3SinkConfig(Map<?, ?> props) {
    super(CONFIG_DEF, props);
  }

  public String bucket() {
    return getString(S3_BUCKET);
  }

  public String region() {
    return getString(S3_REGION);
  }

  public String endpoint() {
    return getString(S3_ENDPOINT).trim();
  }

  public boolean pathStyle() {
    return getBoolean(S3_PATH_STYLE);
  }

  public String accessKey() {
    return getString(S3_ACCESS_KEY);
  }

  public String secretKey() {
    Password p = getPassword(S3_SECRET_KEY);
    return p == null ? "" : p.value();
  }

  public String prefix() {
    String p = getString(S3_PREFIX).trim();
    while (p.startsWith("/")) {
      p = p.substring(1);
    }
    while (p.endsWith("/")) {
      p = p.substring(0, p.length() - 1);
    }
    return p;
  }

  public int retryAttempts() {
    return getInt(S3_RETRY_ATTEMPTS);
  }

  public long retryBackoffMs() {
    return getLong(S3_RETRY_BACKOFF_MS);
  }

  public long retryMaxBackoffMs() {
    return getLong(S3_RETRY_MAX_BACKOFF_MS);
  }

  public long apiCallTimeoutMs() {
    return getLong(S3_API_TIMEOUT_MS);
  }

  public boolean checksumWhenRequired() {
    return "when_required".equals(getString(S3_CHECKSUM));
  }

  public DateTimeFormatter pathFormatter() {
    return DateTimeFormatter.ofPattern(getString(PATH_FORMAT), Locale.ROOT)
        .withZone(ZoneId.of(getString(TIMEZONE)));
  }

  public int offsetPad() {
    return getInt(OFFSET_PAD);
  }

  public boolean gzip() {
    return "gzip".equals(getString(COMPRESSION));
  }

  public int compressionLevel() {
    return getInt(COMPRESSION_LEVEL);
  }

  public boolean envelope() {
    return getBoolean(ENVELOPE);
  }

  public int rotateRecords() {
    return getInt(ROTATE_RECORDS);
  }

  public long rotateBytes() {
    return getLong(ROTATE_BYTES);
  }

  public long rotateIntervalMs() {
    return getLong(ROTATE_INTERVAL_MS);
  }

  public boolean failOnInvalidFramed() {
    return "fail".equals(getString(FRAMED_INVALID));
  }

  public String nonJsonField() {
    return getString(NON_JSON_FIELD);
  }

  static final class PathFormatValidator implements ConfigDef.Validator {
    @Override
    public void ensureValid(String name, Object value) {
      try {
        DateTimeFormatter.ofPattern((String) value, Locale.ROOT);
      } catch (IllegalArgumentException | NullPointerException e) {
        throw new ConfigException(name, value, "not a DateTimeFormatter pattern: " + e.getMessage());
      }
    }

    @Override
    public String toString() {
      return "a java.time.format.DateTimeFormatter pattern";
    }
  }

  static final class ZoneValidator implements ConfigDef.Validator {
    @Override
    public void ensureValid(String name, Object value) {
      try {
        ZoneId.of((String) value);
      } catch (RuntimeException e) {
        throw new ConfigException(name, value, "not a time zone id: " + e.getMessage());
      }
    }

    @Override
    public String toString() {
      return "a time zone id such as UTC or Europe/Paris";
    }
  }
}
