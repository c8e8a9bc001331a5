package io.clickstream.connect.s3;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.connect.connector.Task;
import org.apache.kafka.connect.sink.SinkConnector;

/**
 * Archives Kafka topics to an S3 bucket as gzipped JSON lines, exactly once:
 * {@code <topic>/dt=YYYY-MM-DD/<topic>+<partition>+<start offset>.jsonl.gz}. See {@link
 * S3SinkConfig} for the settings and {@link PartitionWriter} for the exactly-once rules.
 */
public class S3SinkConnector extends SinkConnector {
  private Map<String, String> props;

  @Override
  public void start(Map<String, String> props) {
    new S3SinkConfig(props); // fail fast on a bad configuration
    this.props = new HashMap<>(props);
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
