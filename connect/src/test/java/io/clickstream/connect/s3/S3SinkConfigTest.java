package io.clickstream.connect.s3;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.apache.kafka.common.config.ConfigException;
import org.junit.jupiter.api.Test;

class S3SinkConfigTest {
  @Test
  void defaults() {
    S3SinkConfig c = new S3SinkConfig(Map.of("s3.bucket.name", "acme.eu-west-1.stg.data.lake"));
    assertEquals("acme.eu-west-1.stg.data.lake", c.bucket());
    assertEquals("", c.endpoint());
    assertFalse(c.pathStyle());
    assertTrue(c.gzip());
    assertFalse(c.envelope());
    assertEquals(50_000, c.rotateRecords());
    assertEquals(32L * 1024 * 1024, c.rotateBytes());
    assertEquals(5_000L, c.rotateIntervalMs());
    assertTrue(c.failOnInvalidFramed());
    assertTrue(c.checksumWhenRequired());
    assertEquals("dt=2026-11-25", ObjectNaming.of(c).datePath(
        Instant.parse("2026-11-25T23:59:59.999Z").toEpochMilli()));
  }

  @Test
  void badValuesAreRefusedClearly() {
    assertThrows(ConfigException.class, () -> new S3SinkConfig(Map.of()));
    var e = assertThrows(ConfigException.class,
        () -> new S3SinkConfig(Map.of("s3.bucket.name", "b", "path.format", "'dt=yyyy")));
    assertTrue(e.getMessage().contains("path.format"), e.getMessage());
    assertThrows(ConfigException.class,
        () -> new S3SinkConfig(Map.of("s3.bucket.name", "b", "path.timezone", "Mars/Olympus")));
    assertThrows(ConfigException.class,
        () -> new S3SinkConfig(Map.of("s3.bucket.name", "b", "compression.type", "zstd")));
    assertThrows(ConfigException.class,
        () -> new S3SinkConfig(Map.of("s3.bucket.name", "b", "rotate.max.records", "0")));
  }

  @Test
  void namingPadsOffsetsAndUsesTheConfiguredZone() {
    ObjectNaming n = ObjectNaming.of(new S3SinkConfig(Map.of("s3.bucket.name", "b",
        "path.timezone", "Asia/Tokyo", "filename.offset.zero.pad.width", "5")));
    String date = n.datePath(Instant.parse("2026-11-25T20:00:00Z").toEpochMilli());
    assertEquals("dt=2026-11-26", date);
    assertEquals("t/dt=2026-11-26/t+3+00042.jsonl.gz", n.key("t", 3, 42, date));
    assertEquals("t/x/t+3+1234567.jsonl.gz", n.key("t", 3, 1234567, "x"), "never truncated");
    assertEquals("dt=1970-01-01", ObjectNaming.of(new S3SinkConfig(Map.of("s3.bucket.name", "b")))
        .datePath(null));
  }

  @Test
  void connectorHandsItsConfigToEveryTask() {
    S3SinkConnector c = new S3SinkConnector(false);
    Map<String, String> props = Map.of("s3.bucket.name", "b", "topics", "a,b");
    c.start(props);
    List<Map<String, String>> tasks = c.taskConfigs(3);
    assertEquals(3, tasks.size());
    tasks.forEach(t -> assertEquals(props, t));
    assertEquals(S3SinkTask.class, c.taskClass());
    assertThrows(ConfigException.class, () -> new S3SinkConnector(false).start(Map.of()));
  }
}
