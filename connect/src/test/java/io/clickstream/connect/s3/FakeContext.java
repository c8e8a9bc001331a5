package io.clickstream.connect.s3;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.metrics.PluginMetrics;
import org.apache.kafka.connect.sink.ErrantRecordReporter;
import org.apache.kafka.connect.sink.SinkRecord;
import org.apache.kafka.connect.sink.SinkTaskContext;

/** Test double of Connect's task context, recording what the task asks for. */
final class FakeContext implements SinkTaskContext {
  final Set<TopicPartition> assignment = new HashSet<>();
  final Map<TopicPartition, Long> offsets = new HashMap<>();
  final List<SinkRecord> deadLetters = new ArrayList<>();
  long timeoutMs = -1;
  boolean withDlq;

  @Override
  public Map<String, String> configs() {
    return Map.of();
  }

  @Override
  public void offset(Map<TopicPartition, Long> offsets) {
    this.offsets.putAll(offsets);
  }

  @Override
  public void offset(TopicPartition tp, long offset) {
    offsets.put(tp, offset);
  }

  @Override
  public void timeout(long timeoutMs) {
    this.timeoutMs = timeoutMs;
  }

  @Override
  public Set<TopicPartition> assignment() {
    return assignment;
  }

  @Override
  public void pause(TopicPartition... partitions) {}

  @Override
  public void resume(TopicPartition... partitions) {}

  @Override
  public void requestCommit() {}

  @Override
  public PluginMetrics pluginMetrics() {
    throw new UnsupportedOperationException("no metrics in unit tests");
  }

  @Override
  public ErrantRecordReporter errantRecordReporter() {
    if (!withDlq) {
      return null;
    }
    return (record, error) -> {
      deadLetters.add(record);
      return CompletableFuture.completedFuture(null);
    };
  }
}
