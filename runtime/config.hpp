// Service configuration: every knob of clickstream-pipeline with its default, in ONE place.
// The CAF config options (actors/config.cpp... see runtime/bin/clickstream_pipeline.cpp) bind to
// these members, so the defaults printed by --help, written in config/clickstream.conf and used
// by the code are the same values.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <utility>
#include <vector>

namespace clickstream {

/// Local platform defaults (BRIEF §6); the env vars below override them.
inline constexpr const char* default_kafka_bootstrap_servers = "localhost:9092";
inline constexpr const char* default_schema_registry_url = "http://localhost:8085/apis/ccompat/v7";

struct http_config {
  std::string bind = "0.0.0.0";
  std::uint16_t port = 60000;
  std::size_t threads = 128;                ///< cpp-httplib worker pool size (one connection each)
  std::size_t keep_alive_max_count = 1000;  ///< requests per keep-alive connection
  std::int64_t keep_alive_timeout_s = 5;
  std::int64_t read_timeout_ms = 5000;
  std::int64_t write_timeout_ms = 5000;
  std::int64_t request_timeout_ms = 15000;  ///< deadline for the Kafka acknowledgement of a batch
  std::size_t max_body_bytes = 1 << 20;     ///< 1 MiB
  std::size_t max_events = 1000;            ///< events per request
  std::size_t max_depth = 64;               ///< JSON nesting depth
  std::int64_t retry_after_s = 1;           ///< Retry-After on 429/503
  // Connection guards (runtime/guarded_server.hpp).
  std::size_t max_connections = 0;            ///< served + waiting for a thread; 0: 8 x threads
  std::int64_t first_byte_timeout_ms = 2000;  ///< a new connection must send its first byte
  std::int64_t head_timeout_ms = 5000;        ///< whole request head, from its first byte
  std::size_t max_head_bytes = 65536;         ///< request line + headers
  std::int64_t body_timeout_ms = 30000;       ///< whole body, from the end of the head
  // CORS on /collect (runtime/cors.hpp): empty = off; "*" = any origin.
  std::vector<std::string> cors_allowed_origins;
  std::int64_t cors_max_age_s = 600;  ///< Access-Control-Max-Age of preflight answers
  // TLS: both set = HTTPS (PEM files); both empty = plain HTTP.
  std::string tls_cert_file;
  std::string tls_key_file;

  /// max_connections with 0 resolved.
  std::size_t effective_max_connections() const {
    return max_connections != 0 ? max_connections : threads * 8;
  }
};

struct validator_config {
  std::size_t count = 2;
};

struct producer_config {
  std::size_t count = 2;  ///< producer actors sharing one rd_kafka_t
  std::int64_t linger_ms = 5;
  std::int64_t batch_size = 262144;  ///< bytes per partition batch
  std::string compression = "lz4";
  std::string acks = "all";
  bool idempotence = true;
  std::int64_t queue_max_messages = 100000;  ///< queue.buffering.max.messages
  std::int64_t queue_max_kbytes = 65536;     ///< queue.buffering.max.kbytes (64 MiB)
  std::int64_t message_timeout_ms = 10000;   ///< delivery deadline: no 200 after it
  std::int64_t probe_interval_ms = 2000;     ///< broker reachability probe (metadata)
  std::int64_t flush_timeout_ms = 10000;     ///< rd_kafka_flush at shutdown
  /// librdkafka statistics.interval.ms: the clickstream_kafka_producer_latency_seconds window
  /// (0: off).
  std::int64_t statistics_interval_ms = 5000;
};

struct kafka_config {
  std::string bootstrap_servers = default_kafka_bootstrap_servers;
  std::string raw_topic = "acme.clickstream.raw.events";
  std::string invalid_topic = "acme.clickstream.invalid.events";
};

struct registry_config {
  std::string url = default_schema_registry_url;
  std::string subject = "acme.clickstream.raw.events-value";
  std::int64_t poll_interval_ms = 30000;  ///< look for a newer schema version this often
  std::int64_t retry_initial_ms = 500;    ///< first retry while the registry is down
  std::int64_t retry_max_ms = 30000;      ///< backoff cap
  std::int64_t timeout_ms = 5000;         ///< per HTTP call to the registry
};

struct metrics_config {
  std::string bind = "0.0.0.0";
  std::uint16_t port = 9464;
};

struct limits_config {
  std::size_t batches_in_flight = 256;  ///< bounded: memory <= this x http.max-body-bytes
};

struct supervisor_config {
  std::size_t max_restarts = 5;           ///< more crashes than this ...
  std::int64_t restart_window_s = 60;     ///< ... within this window: exit non-zero
  std::int64_t drain_timeout_ms = 20000;  ///< shutdown: wait this long for in-flight batches
};

struct service_config {
  http_config http;
  validator_config validator;
  producer_config producer;
  kafka_config kafka;
  registry_config registry;
  metrics_config metrics;
  limits_config limits;
  supervisor_config supervisor;
};

/// Reads endpoint defaults from the environment (KAFKA_BOOTSTRAP_SERVERS, SCHEMA_REGISTRY_URL).
/// `getenv` is injectable for tests; empty values are ignored.
void apply_env_defaults(service_config& cfg,
                        const std::function<const char*(const char*)>& getenv_fn);

/// Every problem with the config, as human-readable sentences (empty: valid).
std::vector<std::string> check(const service_config& cfg);

/// The librdkafka producer properties derived from the config.
std::vector<std::pair<std::string, std::string>> producer_properties(const service_config& cfg);

}  // namespace clickstream
