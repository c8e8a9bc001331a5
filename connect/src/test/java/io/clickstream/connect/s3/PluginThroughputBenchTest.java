package io.clickstream.connect.s3;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.kafka.common.record.TimestampType;
import org.apache.kafka.connect.data.SchemaAndValue;
import org.apache.kafka.connect.sink.SinkRecord;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * CPU cost of the plugin alone (converter + task + gzip, in-memory store), one thread, per gzip level.
 * Not run by default:  cd connect && mvn -o test -Dgroups=bench -Dbench.excluded= -Dtest=PluginThroughputBenchTest
 */
@Tag("bench")
class PluginThroughputBenchTest {
  @Test
  void recordsPerSecond() throws Exception {
    Path sample = SampleData.file("sample-events.jsonl");
    List<String> events = sample != null ? Files.readAllLines(sample)
        : List.of("{\"id\":1,\"type\":\"page_view\",\"event\":{\"page\":\"/p/1\"}}");
    int n = 300_000;
    List<byte[]> raw = new ArrayList<>(n);
    for (int i = 0; i < n; i++) {
      raw.add(WireFormat.frame(1, events.get(i % events.size()).getBytes(StandardCharsets.UTF_8)));
    }
    for (String level : new String[] {"1", "3", "6", "1", "3", "6"}) { // second round: warm JIT
      InMemoryObjectStore store = new InMemoryObjectStore();
      S3SinkTask task = new S3SinkTask(store, System::currentTimeMillis);
      task.initialize(new FakeContext());
      task.start(Map.of("s3.bucket.name", "b", "compression.level", level));
      WireFormatJsonConverter converter = new WireFormatJsonConverter();
      converter.configure(Map.of(), false);
      long t0 = System.nanoTime();
      List<SinkRecord> batch = new ArrayList<>(500);
      for (int i = 0; i < n; i++) {
        SchemaAndValue sv = converter.toConnectData("t", raw.get(i));
        batch.add(new SinkRecord("t", i % 6, null, "k", sv.schema(), sv.value(), i / 6, 1L,
            TimestampType.CREATE_TIME));
        if (batch.size() == 500) {
          task.put(batch);
          batch = new ArrayList<>(500);
        }
      }
      task.put(batch);
      task.preCommit(Map.of());
      long ms = Math.max(1, (System.nanoTime() - t0) / 1_000_000);
      long bytes = store.objects.values().stream().mapToLong(o -> o.body().length).sum();
      System.out.printf("gzip level %s: %d records in %d ms = %,d records/s, %d objects, %,d bytes%n",
          level, n, ms, n * 1000L / ms, store.objects.size(), bytes);
      assertEquals(n, store.allLines().size() + pendingLines(task));
      task.stop();
    }
  }

  /** Records still in open objects (the last ones, below the rotation size). */
  private static long pendingLines(S3SinkTask task) {
    return 300_000 - task.writers().values().stream().mapToLong(PartitionWriter::recordsWritten).sum();
  }
}
