#include "runtime/config.hpp"

#include "runtime/cors.hpp"

namespace clickstream {

void apply_env_defaults(service_config& cfg,
                        const std::function<const char*(const char*)>& getenv_fn) {
  if (const char* v = getenv_fn("KAFKA_BOOTSTRAP_SERVERS"); v != nullptr && *v != '\0')
    cfg.kafka.bootstrap_servers = v;
  if (const char* v = getenv_fn("SCHEMA_REGISTRY_URL"); v != nullptr && *v != '\0')
    cfg.registry.url = v;
}

std::vector<std::string> check(const service_config& cfg) {
  std::vector<std::string> problems;
  auto require = [&](bool ok, const char* msg) {
    if (!ok) problems.emplace_back(msg);
  };
  require(cfg.http.port != 0, "http.port must be in 1..65535");
  require(cfg.http.threads >= 1, "http.threads must be at least 1");
  require(cfg.http.max_body_bytes >= 2, "http.max-body-bytes must be at least 2");
  require(cfg.http.max_events >= 1, "http.max-events must be at least 1");
  require(cfg.http.max_depth >= 2, "http.max-depth must be at least 2");
  require(cfg.http.read_timeout_ms > 0 && cfg.http.write_timeout_ms > 0,
          "http.read-timeout-ms and http.write-timeout-ms must be positive");
  require(cfg.http.request_timeout_ms > 0, "http.request-timeout-ms must be positive");
  require(cfg.http.keep_alive_max_count >= 1, "http.keep-alive-max-count must be at least 1");
  require(cfg.http.first_byte_timeout_ms > 0 && cfg.http.head_timeout_ms > 0 &&
              cfg.http.body_timeout_ms > 0,
          "http.first-byte-timeout-ms, http.head-timeout-ms and http.body-timeout-ms must be "
          "positive");
  require(cfg.http.max_head_bytes >= 1024, "http.max-head-bytes must be at least 1024");
  require(cfg.http.max_connections == 0 || cfg.http.max_connections >= cfg.http.threads,
          "http.max-connections must be 0 (8 x http.threads) or at least http.threads");
  require(cfg.http.cors_max_age_s >= 0, "http.cors-max-age-s must not be negative");
  for (const auto& origin : cfg.http.cors_allowed_origins)
    if (auto err = cors_pattern_error(origin))
      problems.push_back("http.cors-allowed-origins: " + *err);
  require(cfg.http.tls_cert_file.empty() == cfg.http.tls_key_file.empty(),
          "http.tls-cert-file and http.tls-key-file must be set together (or both empty)");
  require(cfg.validator.count >= 1, "validator.count must be at least 1");
  require(cfg.producer.count >= 1, "producer.count must be at least 1");
  require(cfg.producer.message_timeout_ms > 0, "producer.message-timeout-ms must be positive");
  require(
      cfg.producer.statistics_interval_ms == 0 || (cfg.producer.statistics_interval_ms >= 100 &&
                                                   cfg.producer.statistics_interval_ms <= 86400000),
      "producer.statistics-interval-ms must be 0 (off) or in 100..86400000");
  require(cfg.producer.queue_max_messages >= 1, "producer.queue-max-messages must be at least 1");
  require(cfg.producer.queue_max_kbytes >= 1, "producer.queue-max-kbytes must be at least 1");
  require(cfg.producer.acks == "all" || cfg.producer.acks == "-1" || cfg.producer.acks == "1" ||
              cfg.producer.acks == "0",
          "producer.acks must be one of all, -1, 1, 0");
  require(!(cfg.producer.idempotence && cfg.producer.acks != "all" && cfg.producer.acks != "-1"),
          "producer.idempotence requires producer.acks = all");
  require(cfg.producer.compression == "none" || cfg.producer.compression == "gzip" ||
              cfg.producer.compression == "snappy" || cfg.producer.compression == "lz4" ||
              cfg.producer.compression == "zstd",
          "producer.compression must be one of none, gzip, snappy, lz4, zstd");
  require(!cfg.kafka.bootstrap_servers.empty(), "kafka.bootstrap-servers must not be empty");
  require(!cfg.kafka.raw_topic.empty() && !cfg.kafka.invalid_topic.empty(),
          "kafka.raw-topic and kafka.invalid-topic must not be empty");
  require(cfg.registry.url.rfind("http://", 0) == 0 || cfg.registry.url.rfind("https://", 0) == 0,
          "registry.url must start with http:// or https://");
  require(!cfg.registry.subject.empty(), "registry.subject must not be empty");
  require(cfg.registry.poll_interval_ms > 0 && cfg.registry.retry_initial_ms > 0 &&
              cfg.registry.retry_max_ms >= cfg.registry.retry_initial_ms,
          "registry.poll-interval-ms and registry.retry-initial-ms must be positive and "
          "registry.retry-max-ms >= registry.retry-initial-ms");
  require(cfg.limits.batches_in_flight >= 1, "limits.batches-in-flight must be at least 1");
  require(cfg.supervisor.restart_window_s > 0, "supervisor.restart-window-s must be positive");
  return problems;
}

std::vector<std::pair<std::string, std::string>> producer_properties(const service_config& cfg) {
  const auto& p = cfg.producer;
  return {
      {"bootstrap.servers", cfg.kafka.bootstrap_servers},
      {"client.id", "clickstream-pipeline"},
      {"enable.idempotence", p.idempotence ? "true" : "false"},
      {"acks", p.acks},
      {"compression.type", p.compression},
      {"linger.ms", std::to_string(p.linger_ms)},
      {"batch.size", std::to_string(p.batch_size)},
      {"queue.buffering.max.messages", std::to_string(p.queue_max_messages)},
      {"queue.buffering.max.kbytes", std::to_string(p.queue_max_kbytes)},
      {"message.timeout.ms", std::to_string(p.message_timeout_ms)},
      {"statistics.interval.ms", std::to_string(p.statistics_interval_ms)},
      // Produce requests go out at once: with Nagle's algorithm a small request behind an
      // unacknowledged one waits for the broker's delayed ACK (the answer's latency,
      // docs/bench.md).
      {"socket.nagle.disable", "true"},
      // Delivery reports only for what we need: the error and the opaque.
      {"delivery.report.only.error", "false"},
  };
}

}  // namespace clickstream
