package io.clickstream.connect.s3;

import java.io.IOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.connect.connector.Task;
import org.apache.kafka.connect.errors.ConnectException;
import org.apache.kafka.connect.sink.SinkConnector;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Archives Kafka topics to an S3 bucket as gzipped JSON lines, exactly once:
 * {@code <topic>/dt=YYYY-MM-DD/<topic>+<partition>+<start offset>.jsonl.gz}. See {@link
 * S3SinkConfig} for the settings and {@link PartitionWriter} for the exactly-once rules.
 */
public class S3SinkConnector extends SinkConnector {
  private static final Logger log = LoggerFactory.getLogger(S3SinkConnector.class);
  private final boolean checkBucket;
  private Map<String, String> props;

  public S3SinkConnector() {
    this(true);
  }

  /** For tests: a connector that does not contact the store on start. */
  S3SinkConnector(boolean checkBucket) {
    this.checkBucket = checkBucket;
  }

  @Override
  public void start(Map<String, String> props) {
    S3SinkConfig config = new S3SinkConfig(props); // fail fast on a bad configuration
    this.props = new HashMap<>(props);
    if (checkBucket) {
      checkBucket(config);
    }
  }

  /**
   * Fails the connector (its trace names the problem) when the store refuses the bucket: wrong name,
   * credentials or region. A store that does not answer only gets a warning: tasks retry their writes.
   */
  private static void checkBucket(S3SinkConfig config) {
    try (S3ObjectStore store = new S3ObjectStore(config)) {
      store.checkBucket();
    } catch (S3ObjectStore.BucketConfigException e) {
      throw new ConnectException(e.getMessage(), e);
    } catch (IOException e) {
      log.warn("S3 sink: {}; tasks will retry their writes", e.getMessage());
    }
  }

  @Override
  public Class<? extends Task> taskClass() {
    return S3SinkTask.class;
  }

  @Override
  public List<Map<String, String>> taskConfigs(int maxTasks) {
    List<Map<String, String>> configs = new ArrayList<>(maxTasks);
    for (int i = 0; i < maxTasks; i++) {
      configs.add(new HashMap<>(props));
    }
    return configs;
  }

  @Override
  public void stop() {}

  @Override
  public ConfigDef config() {
    return S3SinkConfig.CONFIG_DEF;
  }

  @Override
  public String version() {
    return PluginVersion.get();
  }
}
