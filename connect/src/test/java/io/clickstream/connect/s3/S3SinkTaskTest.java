package io.clickstream.connect.s3;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.record.TimestampType;
import org.apache.kafka.connect.data.Schema;
import org.apache.kafka.connect.data.SchemaAndValue;
import org.apache.kafka.connect.errors.ConnectException;
import org.apache.kafka.connect.errors.RetriableException;
import org.apache.kafka.connect.header.ConnectHeaders;
import org.apache.kafka.connect.sink.SinkRecord;
import org.junit.jupiter.api.Test;

class S3SinkTaskTest {
  static final ObjectMapper JSON = new ObjectMapper();
  static final String TOPIC = "acme.clickstream.raw.events";
  static final TopicPartition TP0 = new TopicPartition(TOPIC, 0);
  static final TopicPartition TP1 = new TopicPartition(TOPIC, 1);
  static final long DAY1 = Instant.parse("2026-11-25T10:00:00Z").toEpochMilli();
  static final long DAY2 = Instant.parse("2026-11-26T00:00:01Z").toEpochMilli();

  final InMemoryObjectStore store = new InMemoryObjectStore();
  final AtomicLong clock = new AtomicLong(1_000_000);
  final FakeContext context = new FakeContext();
  final WireFormatJsonConverter converter = new WireFormatJsonConverter();

  S3SinkTask task(Map<String, String> extra) {
    Map<String, String> props = new HashMap<>();
    props.put("s3.bucket.name", "b");
    props.put("rotate.max.records", "1000");
    props.putAll(extra);
    S3SinkTask t = new S3SinkTask(store, clock::get);
    t.initialize(context);
    t.start(props);
    t.open(List.of(TP0, TP1));
    converter.configure(Map.of(), false);
    return t;
  }

  static String event(long id) {
    return "{\"id\":" + id + ",\"type\":\"page_view\",\"event\":{\"page\":\"/p/" + id + "\"}}";
  }

  /** A record as Connect hands it over with our converter: framed bytes unframed to JSON text. */
  SinkRecord framed(TopicPartition tp, long offset, long ts) {
    byte[] raw = WireFormat.frame(5, event(offset).getBytes(StandardCharsets.UTF_8));
    SchemaAndValue sv = converter.toConnectData(tp.topic(), raw);
    ConnectHeaders h = new ConnectHeaders();
    h.addString("correlation-id", "c-" + offset);
    return new SinkRecord(tp.topic(), tp.partition(), Schema.STRING_SCHEMA, "k" + offset,
        sv.schema(), sv.value(), offset, ts, TimestampType.CREATE_TIME, h);
  }

  static long offsetOf(String line) throws Exception {
    return JSON.readTree(line).get("id").asLong();
  }

  Map<TopicPartition, OffsetAndMetadata> commit(S3SinkTask t) {
    return t.preCommit(new HashMap<>());
  }

  @Test
  void layoutAndContent() throws Exception {
    S3SinkTask t = task(Map.of("rotate.max.records", "3"));
    List<SinkRecord> batch = new ArrayList<>();
    for (long o = 0; o < 7; o++) {
      batch.add(framed(TP0, o, DAY1));
    }
    t.put(batch);
    assertEquals(Set.of(
        TOPIC + "/dt=2026-11-25/" + TOPIC + "+0+00000000000000000000.jsonl.gz",
        TOPIC + "/dt=2026-11-25/" + TOPIC + "+0+00000000000000000003.jsonl.gz"),
        store.objects.keySet(), "two full objects of 3 records; the 7th waits");
    String first = TOPIC + "/dt=2026-11-25/" + TOPIC + "+0+00000000000000000000.jsonl.gz";
    assertEquals(List.of(event(0), event(1), event(2)), store.lines(first));
    assertEquals("application/gzip", store.objects.get(first).contentType());
    assertEquals(Map.of("start-offset", "0", "end-offset", "3", "record-count", "3"),
        store.objects.get(first).metadata());
    assertEquals(Map.of(TP0, new OffsetAndMetadata(6)), commit(t),
        "only offsets of written records are committed");
  }

  @Test
  void timeRotationWritesWithinTheInterval() throws Exception {
    S3SinkTask t = task(Map.of("rotate.interval.ms", "5000"));
    t.put(List.of(framed(TP0, 0, DAY1), framed(TP1, 0, DAY1)));
    assertTrue(store.objects.isEmpty());
    assertEquals(Map.of(), commit(t), "nothing written, nothing committed");
    clock.addAndGet(4999);
    t.put(List.of(framed(TP0, 1, DAY1)));
    assertTrue(store.objects.isEmpty());
    clock.addAndGet(1);
    t.put(List.of());
    assertEquals(2, store.objects.size());
    assertEquals(Map.of(TP0, new OffsetAndMetadata(2), TP1, new OffsetAndMetadata(1)), commit(t));
  }

  @Test
  void rotationOnPreCommitWhenNoRecordsArrive() throws Exception {
    S3SinkTask t = task(Map.of("rotate.interval.ms", "1000"));
    t.put(List.of(framed(TP0, 10, DAY1)));
    clock.addAndGet(1000);
    assertEquals(Map.of(TP0, new OffsetAndMetadata(11)), commit(t));
    assertEquals(1, store.objects.size());
  }

  @Test
  void byteRotation() throws Exception {
    int lineBytes = event(0).length() + 1;
    S3SinkTask t = task(Map.of("rotate.max.bytes", Integer.toString(lineBytes * 2)));
    List<SinkRecord> batch = new ArrayList<>();
    for (long o = 0; o < 5; o++) {
      batch.add(framed(TP0, o, DAY1));
    }
    t.put(batch);
    assertEquals(2, store.objects.size());
    for (String k : store.objects.keySet()) {
      assertEquals(2, store.lines(k).size());
    }
  }

  @Test
  void dateChangeStartsANewObjectUnderTheNewDate() throws Exception {
    S3SinkTask t = task(Map.of("rotate.interval.ms", "1"));
    t.put(List.of(framed(TP0, 0, DAY1), framed(TP0, 1, DAY1), framed(TP0, 2, DAY2)));
    clock.addAndGet(1);
    t.put(List.of());
    assertEquals(Set.of(
        TOPIC + "/dt=2026-11-25/" + TOPIC + "+0+00000000000000000000.jsonl.gz",
        TOPIC + "/dt=2026-11-26/" + TOPIC + "+0+00000000000000000002.jsonl.gz"),
        store.objects.keySet());
  }

  @Test
  void customLayoutUncompressedAndPrefix() throws Exception {
    S3SinkTask t = task(Map.of("rotate.interval.ms", "1", "compression.type", "none",
        "path.format", "'year='yyyy/'month='MM/'day='dd/'hour='HH", "s3.prefix", "/lake/",
        "filename.offset.zero.pad.width", "10"));
    t.put(List.of(framed(TP1, 42, DAY1)));
    clock.addAndGet(1);
    t.put(List.of());
    String key = "lake/" + TOPIC + "/year=2026/month=11/day=25/hour=10/" + TOPIC + "+1+0000000042.jsonl";
    assertEquals(Set.of(key), store.objects.keySet());
    assertEquals("application/x-ndjson", store.objects.get(key).contentType());
    assertEquals(List.of(event(42)), store.lines(key));
  }

  @Test
  void envelopeCarriesRecordCoordinates() throws Exception {
    S3SinkTask t = task(Map.of("rotate.interval.ms", "1", "envelope.enabled", "true"));
    t.put(List.of(framed(TP0, 7, DAY1)));
    clock.addAndGet(1);
    t.put(List.of());
    List<String> lines = store.allLines();
    assertEquals(1, lines.size());
    JsonNode n = JSON.readTree(lines.get(0));
    assertEquals(TOPIC, n.get("topic").asText());
    assertEquals(0, n.get("partition").asInt());
    assertEquals(7, n.get("offset").asLong());
    assertEquals(DAY1, n.get("timestamp").asLong());
    assertEquals("CreateTime", n.get("timestamp_type").asText());
    assertEquals("k7", n.get("key").asText());
    assertEquals(5, n.get("schema_id").asInt());
    assertEquals("c-7", n.get("headers").get("correlation-id").asText());
    assertEquals(JSON.readTree(event(7)), n.get("value"));
  }

  @Test
  void valuesFromOtherConvertersAreHandled() throws Exception {
    S3SinkTask t = task(Map.of("rotate.interval.ms", "1", "framed.invalid.behavior", "marker"));
    byte[] framedPretty = WireFormat.frame(3, "{\n\"a\": 1\n}".getBytes(StandardCharsets.UTF_8));
    t.put(List.of(
        new SinkRecord(TOPIC, 0, null, null, null, framedPretty, 0, DAY1, TimestampType.CREATE_TIME),
        new SinkRecord(TOPIC, 0, null, null, null, "plain text", 1, DAY1, TimestampType.CREATE_TIME),
        new SinkRecord(TOPIC, 0, null, null, null, Map.of("m", List.of(1, 2)), 2, DAY1,
            TimestampType.CREATE_TIME),
        new SinkRecord(TOPIC, 0, null, null, null, null, 3, DAY1, TimestampType.CREATE_TIME),
        new SinkRecord(TOPIC, 0, null, null, null, new byte[] {0, 1}, 4, null, TimestampType.NO_TIMESTAMP_TYPE)));
    clock.addAndGet(1);
    t.put(List.of());
    List<String> lines = store.allLines();
    assertEquals(5, lines.size());
    // the record without a timestamp lies under the epoch date, after the others in key order
    assertEquals("{\"a\":1}", lines.get(1));
    assertTrue(lines.get(2).startsWith("{\"__non_json__\":{\"reason\":\"value is not JSON"), lines.get(2));
    assertEquals("{\"m\":[1,2]}", lines.get(3));
    assertEquals("null", lines.get(4));
    assertTrue(lines.get(0).contains("magic byte"), lines.get(0));
    assertTrue(store.objects.firstKey().contains("/dt=1970-01-01/"));
  }

  @Test
  void unconvertibleRecordsGoToTheDeadLetterQueue() throws Exception {
    context.withDlq = true;
    S3SinkTask t = task(Map.of("rotate.interval.ms", "1"));
    SinkRecord bad = new SinkRecord(TOPIC, 0, null, null, null, new byte[] {0, 0, 0}, 1, DAY1,
        TimestampType.CREATE_TIME);
    SinkRecord good = new SinkRecord(TOPIC, 0, null, null, null,
        event(2).getBytes(StandardCharsets.UTF_8), 2, DAY1, TimestampType.CREATE_TIME);
    t.put(List.of(framed(TP0, 0, DAY1), bad, good));
    clock.addAndGet(1);
    assertEquals(Map.of(TP0, new OffsetAndMetadata(3)), commit(t));
    assertEquals(List.of(bad), context.deadLetters);
    assertEquals(List.of(event(0), event(2)), store.allLines());
  }

  @Test
  void unconvertibleRecordWithoutDeadLetterQueueFailsTheTask() {
    S3SinkTask t = task(Map.of());
    SinkRecord bad = new SinkRecord(TOPIC, 0, null, null, null, new byte[] {0}, 1, DAY1,
        TimestampType.CREATE_TIME);
    ConnectException e = assertThrows(ConnectException.class, () -> t.put(List.of(bad)));
    assertTrue(e.getMessage().contains("no dead-letter queue"), e.getMessage());
  }

  @Test
  void storeOutageIsRetriableAndNothingIsLostOrDoubled() throws Exception {
    S3SinkTask t = task(Map.of("rotate.max.records", "2"));
    List<SinkRecord> batch = List.of(framed(TP0, 0, DAY1), framed(TP0, 1, DAY1),
        framed(TP0, 2, DAY1), framed(TP0, 3, DAY1));
    store.failuresLeft = 2;
    assertThrows(RetriableException.class, () -> t.put(batch));
    assertTrue(context.timeoutMs > 0, "Connect is asked to back off");
    assertEquals(Map.of(), commit(t), "nothing committed while the store is down");
    t.put(batch); // Connect redelivers the same batch
    assertEquals(2, store.puts);
    assertEquals(2, store.objects.size());
    assertEquals(List.of(event(0), event(1), event(2), event(3)), store.allLines());
    assertEquals(Map.of(TP0, new OffsetAndMetadata(4)), commit(t));
  }

  @Test
  void failedLookupLeavesTheRecordToBeRedelivered() throws Exception {
    S3SinkTask t = task(Map.of("rotate.interval.ms", "1"));
    store.headFailuresLeft = 1;
    assertThrows(RetriableException.class, () -> t.put(List.of(framed(TP0, 0, DAY1))));
    t.put(List.of(framed(TP0, 0, DAY1)));
    clock.addAndGet(1);
    t.put(List.of());
    assertEquals(List.of(event(0)), store.allLines());
  }

  @Test
  void retryingStoreRetriesWithBackoffThenGivesUp() throws Exception {
    List<Long> sleeps = new ArrayList<>();
    RetryingObjectStore r = new RetryingObjectStore(store, 4, 100, 300, sleeps::add);
    store.failuresLeft = 3;
    r.put("k", new byte[] {1}, "x", Map.of());
    assertEquals(3, sleeps.size());
    assertEquals(List.of(100L, 200L, 300L, 300L), List.of(r.backoff(1), r.backoff(2), r.backoff(3),
        r.backoff(4)));
    for (int i = 0; i < 3; i++) {
      long max = r.backoff(i + 1);
      assertTrue(sleeps.get(i) >= max / 2 && sleeps.get(i) <= max, "jitter within [b/2, b]");
    }
    store.failuresLeft = 4;
    var e = assertThrows(java.io.IOException.class, () -> r.put("k", new byte[] {1}, "x", Map.of()));
    assertTrue(e.getMessage().contains("after 4 attempts"), e.getMessage());
  }

  /**
   * The exactly-once property under crashes: a task is killed at random points (its memory lost,
   * objects written after the last commit left in the bucket), a new task resumes from the committed
   * offsets with different timing; at the end every record is in the bucket exactly once.
   */
  @Test
  void crashesAtRandomPointsLeaveEveryRecordExactlyOnce() throws Exception {
    Random rnd = new Random(42);
    for (int round = 0; round < 30; round++) {
      store.objects.clear();
      Map<TopicPartition, Long> committed = new HashMap<>();
      long total = 400 + rnd.nextInt(400);
      Map<TopicPartition, Long> produced = Map.of(TP0, total, TP1, total / 2);
      int crashes = 0;
      while (true) {
        // a fresh task (after a crash) resumes from the committed offsets
        S3SinkTask t = task(Map.of("rotate.max.records", Integer.toString(5 + rnd.nextInt(40)),
            "rotate.interval.ms", Integer.toString(1 + rnd.nextInt(50))));
        Map<TopicPartition, Long> pos = new HashMap<>();
        for (TopicPartition tp : produced.keySet()) {
          pos.put(tp, committed.getOrDefault(tp, 0L));
        }
        boolean crashed = false;
        while (!crashed) {
          List<SinkRecord> batch = new ArrayList<>();
          for (TopicPartition tp : produced.keySet()) {
            int n = rnd.nextInt(30);
            for (int i = 0; i < n && pos.get(tp) < produced.get(tp); i++) {
              long o = pos.get(tp);
              batch.add(framed(tp, o, o < total / 3 ? DAY1 : DAY2));
              pos.put(tp, o + 1);
            }
          }
          clock.addAndGet(rnd.nextInt(20));
          t.put(batch);
          if (rnd.nextInt(4) == 0) {
            commit(t).forEach((tp, om) -> committed.put(tp, om.offset()));
          }
          boolean done = pos.entrySet().stream().allMatch(e -> e.getValue().equals(produced.get(e.getKey())));
          if (done) {
            clock.addAndGet(100);
            commit(t).forEach((tp, om) -> committed.put(tp, om.offset()));
            if (committed.equals(produced)) {
              break;
            }
          }
          if (crashes < 5 && rnd.nextInt(10) == 0) {
            crashed = true; // SIGKILL: no stop(), no close(), nothing flushed
            crashes++;
          }
        }
        if (!crashed) {
          break;
        }
      }
      for (TopicPartition tp : produced.keySet()) {
        List<Long> offsets = new ArrayList<>();
        for (String k : store.objects.keySet()) {
          if (k.contains("+" + tp.partition() + "+")) {
            for (String line : store.lines(k)) {
              offsets.add(offsetOf(line));
            }
          }
        }
        Set<Long> unique = new HashSet<>(offsets);
        assertEquals(offsets.size(), unique.size(), "round " + round + ": duplicates in " + tp);
        assertEquals(produced.get(tp).longValue(), unique.size(), "round " + round + ": missing in " + tp);
      }
    }
  }

  @Test
  void recoveryWithoutMetadataCountsTheLinesOfTheExistingObject() throws Exception {
    store.keepMetadata = false;
    S3SinkTask t1 = task(Map.of("rotate.interval.ms", "1"));
    t1.put(List.of(framed(TP0, 0, DAY1), framed(TP0, 1, DAY1), framed(TP0, 2, DAY1)));
    clock.addAndGet(1);
    t1.put(List.of()); // object [0,3) written, never committed; crash
    S3SinkTask t2 = task(Map.of("rotate.interval.ms", "100000", "rotate.max.records", "10"));
    List<SinkRecord> batch = new ArrayList<>();
    for (long o = 0; o < 5; o++) {
      batch.add(framed(TP0, o, DAY1));
    }
    t2.put(batch); // rewrites [0,3) at once, keeps [3,5) open
    assertEquals(1, store.objects.size());
    clock.addAndGet(100000);
    t2.put(List.of());
    assertEquals(2, store.objects.size());
    assertEquals(List.of(event(0), event(1), event(2), event(3), event(4)), store.allLines());
  }

  @Test
  void closedPartitionsForgetTheirBuffers() {
    S3SinkTask t = task(Map.of());
    t.put(List.of(framed(TP0, 0, DAY1)));
    t.close(List.of(TP0));
    assertFalse(t.writers().containsKey(TP0));
    assertNull(commit(t).get(TP0));
    t.stop();
  }
}
