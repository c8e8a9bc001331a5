package io.clickstream.connect.s3;

import java.io.IOException;
import java.util.Collection;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.function.LongSupplier;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.connect.errors.ConnectException;
import org.apache.kafka.connect.errors.DataException;
import org.apache.kafka.connect.errors.RetriableException;
import org.apache.kafka.connect.sink.ErrantRecordReporter;
import org.apache.kafka.connect.sink.SinkRecord;
import org.apache.kafka.connect.sink.SinkTask;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Sink task: one {@link PartitionWriter} per assigned partition. Objects are written from {@link
 * #put} as soon as they rotate; {@link #preCommit} hands back only offsets whose records are in the
 * bucket. S3 failures are retried with backoff, then surface as a {@link RetriableException} so
 * Connect redelivers the batch (the writers ignore records they already hold).
 */
public class S3SinkTask extends SinkTask {
  private static final Logger log = LoggerFactory.getLogger(S3SinkTask.class);

  private final Map<TopicPartition, PartitionWriter> writers = new HashMap<>();
  private S3SinkConfig config;
  private ObjectStore store;
  private ObjectNaming naming;
  private RecordEncoder encoder;
  private PartitionWriter.Settings settings;
  private ErrantRecordReporter reporter;
  private LongSupplier clock = System::currentTimeMillis;
  private long lastSummaryMs;
  private long recordsSinceSummary;

  public S3SinkTask() {}

  /** For tests: a task over a given store and clock. */
  S3SinkTask(ObjectStore store, LongSupplier clock) {
    this.store = store;
    this.clock = clock;
  }

  @Override
  public String version() {
    return PluginVersion.get();
  }

  @Override
  public void start(Map<String, String> props) {
    config = new S3SinkConfig(props);
    naming = ObjectNaming.of(config);
    encoder = RecordEncoder.of(config);
    settings = PartitionWriter.Settings.of(config);
    if (store == null) {
      S3ObjectStore s3 = new S3ObjectStore(config);
      try {
        s3.checkBucket();
      } catch (IOException e) {
        // Not fatal here (the connector fails on a refused bucket): writes are retried.
        log.error("S3 sink: {}", e.getMessage());
      }
      store = new RetryingObjectStore(s3, config.retryAttempts(), config.retryBackoffMs(),
          config.retryMaxBackoffMs(), Thread::sleep);
    }
    try {
      reporter = context == null ? null : context.errantRecordReporter();
    } catch (NoSuchMethodError | NoClassDefFoundError e) {
      reporter = null; // runtime older than Kafka 2.6
    }
    lastSummaryMs = clock.getAsLong();
    log.info("S3 sink task started: bucket {}, prefix '{}', rotation {} records / {} bytes / {} ms,"
        + " envelope {}", config.bucket(), config.prefix(), config.rotateRecords(),
        config.rotateBytes(), config.rotateIntervalMs(), config.envelope());
  }

  @Override
  public void open(Collection<TopicPartition> partitions) {
    for (TopicPartition tp : partitions) {
      PartitionWriter old = writers.put(tp, newWriter(tp));
      if (old != null) {
        old.discard();
      }
    }
  }

  private PartitionWriter newWriter(TopicPartition tp) {
    return new PartitionWriter(tp, settings, naming, store);
  }

  @Override
  public void put(Collection<SinkRecord> records) {
    long now = clock.getAsLong();
    try {
      for (SinkRecord r : records) {
        TopicPartition tp = new TopicPartition(r.topic(), r.kafkaPartition());
        PartitionWriter w = writers.computeIfAbsent(tp, this::newWriter);
        w.add(r.kafkaOffset(), r.timestamp(), lineOf(r), now);
      }
      recordsSinceSummary += records.size();
      for (PartitionWriter w : writers.values()) {
        w.rotateIfDue(now);
        w.flush();
      }
    } catch (IOException e) {
      long backoff = config.retryMaxBackoffMs();
      log.warn("S3 sink: object store unavailable, Connect will redeliver the batch in {} ms: {}",
          backoff, e.getMessage());
      if (context != null) {
        context.timeout(backoff);
      }
      throw new RetriableException(e);
    }
    summary(now);
  }

  /** The record's line, or null when it went to the dead-letter queue. */
  private byte[] lineOf(SinkRecord r) {
    try {
      return encoder.encode(r);
    } catch (DataException e) {
      if (reporter == null) {
        throw new ConnectException("record " + r.topic() + "-" + r.kafkaPartition() + "@"
            + r.kafkaOffset() + " cannot be converted and no dead-letter queue is configured"
            + " (errors.tolerance=all, errors.deadletterqueue.topic.name): " + e.getMessage(), e);
      }
      Future<Void> done = reporter.report(r, e);
      try {
        done.get(); // the record is in the dead-letter topic before its offset can be committed
      } catch (InterruptedException ie) {
        Thread.currentThread().interrupt();
        throw new ConnectException("interrupted while reporting an errant record", ie);
      } catch (ExecutionException ee) {
        throw new ConnectException("could not report an errant record: " + ee.getMessage(), ee);
      }
      return null;
    }
  }

  @Override
  public Map<TopicPartition, OffsetAndMetadata> preCommit(
      Map<TopicPartition, OffsetAndMetadata> currentOffsets) {
    long now = clock.getAsLong();
    Map<TopicPartition, OffsetAndMetadata> out = new HashMap<>();
    for (Map.Entry<TopicPartition, PartitionWriter> e : writers.entrySet()) {
      PartitionWriter w = e.getValue();
      w.rotateIfDue(now);
      try {
        w.flush();
      } catch (IOException ex) {
        log.warn("S3 sink: {} not written yet, will retry: {}", e.getKey(), ex.getMessage());
      }
      if (w.committable() >= 0) {
        out.put(e.getKey(), new OffsetAndMetadata(w.committable()));
      }
    }
    return out;
  }

  private void summary(long now) {
    if (now - lastSummaryMs < 60_000) {
      return;
    }
    long objects = 0;
    long written = 0;
    for (PartitionWriter w : writers.values()) {
      objects += w.objectsWritten();
      written += w.recordsWritten();
    }
    log.info("S3 sink: {} records received in the last {} s; {} objects with {} records written by"
        + " this task's current partitions", recordsSinceSummary, (now - lastSummaryMs) / 1000,
        objects, written);
    recordsSinceSummary = 0;
    lastSummaryMs = now;
  }

  @Override
  public void close(Collection<TopicPartition> partitions) {
    for (TopicPartition tp : partitions) {
      PartitionWriter w = writers.remove(tp);
      if (w != null) {
        w.discard();
      }
    }
  }

  @Override
  public void stop() {
    for (PartitionWriter w : writers.values()) {
      w.discard();
    }
    writers.clear();
    if (store != null) {
      store.close();
    }
  }

  /** For tests. */
  Map<TopicPartition, PartitionWriter> writers() {
    return writers;
  }
}
