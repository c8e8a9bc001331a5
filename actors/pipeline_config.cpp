#include "actors/pipeline_config.hpp"

#include <map>

#include <cstdlib>

namespace clickstream {

pipeline_config::pipeline_config(bool use_env) {
  // CAF's default work-stealing scheduler polls aggressively between messages; on a machine
  // where Kafka shares the cores that spinning costs more than it saves (measured: 383 vs 151 us
  // of CPU per request under the same load). --scheduler.policy=stealing restores it.
  set("scheduler.policy", caf::atom("sharing"));
  if (use_env) apply_env_defaults(svc, [](const char* name) { return std::getenv(name); });
  auto& h = svc.http;
  opt_group{custom_options_, "http"}
      .add(h.bind, "bind", "listen address (default 0.0.0.0)")
      .add(h.port, "port", "listen port (default 60000)")
      .add(h.threads, "threads", "worker threads = concurrent connections (default 128)")
      .add(h.keep_alive_max_count, "keep-alive-max-count",
           "requests per keep-alive connection (default 1000)")
      .add(h.keep_alive_timeout_s, "keep-alive-timeout-s", "idle keep-alive timeout (default 5)")
      .add(h.read_timeout_ms, "read-timeout-ms", "socket read timeout (default 5000)")
      .add(h.write_timeout_ms, "write-timeout-ms", "socket write timeout (default 5000)")
      .add(h.request_timeout_ms, "request-timeout-ms",
           "deadline for Kafka's acknowledgement of a batch, then 503 (default 15000)")
      .add(h.max_body_bytes, "max-body-bytes", "413 above this body size (default 1048576)")
      .add(h.max_events, "max-events", "400 above this many events per request (default 1000)")
      .add(h.max_depth, "max-depth", "400 above this JSON nesting depth (default 64)")
      .add(h.retry_after_s, "retry-after-s", "Retry-After of 429/503 answers (default 1)")
      .add(h.max_connections, "max-connections",
           "connections served or waiting; more get 503 at once (default 0 = 8 x threads)")
      .add(h.first_byte_timeout_ms, "first-byte-timeout-ms",
           "a new connection's first byte must arrive within (default 2000)")
      .add(h.head_timeout_ms, "head-timeout-ms",
           "the whole request head must arrive within, from its first byte (default 5000)")
      .add(h.max_head_bytes, "max-head-bytes", "400 above this request head size (default 65536)")
      .add(h.body_timeout_ms, "body-timeout-ms",
           "the whole body must arrive within, from the end of the head (default 30000)")
      .add(h.cors_allowed_origins, "cors-allowed-origins",
           "origins allowed to POST /collect from a browser: [\"https://shop.example\", "
           "\"https://*.shop.example\"], [\"*\"] any (default [] = CORS off)")
      .add(h.cors_max_age_s, "cors-max-age-s", "Access-Control-Max-Age of preflights (default 600)")
      .add(h.tls_cert_file, "tls-cert-file", "PEM certificate chain: serve HTTPS (default \"\")")
      .add(h.tls_key_file, "tls-key-file", "PEM private key of tls-cert-file (default \"\")");
  opt_group{custom_options_, "validator"}.add(svc.validator.count, "count",
                                              "validator actors (default 2)");
  auto& p = svc.producer;
  opt_group{custom_options_, "producer"}
      .add(p.count, "count", "producer actors sharing one librdkafka producer (default 2)")
      .add(p.linger_ms, "linger-ms", "librdkafka linger.ms (default 5)")
      .add(p.batch_size, "batch-size", "librdkafka batch.size in bytes (default 262144)")
      .add(p.compression, "compression", "none|gzip|snappy|lz4|zstd (default lz4)")
      .add(p.acks, "acks", "all|1|0 (default all)")
      .add(p.idempotence, "idempotence", "enable.idempotence (default true)")
      .add(p.queue_max_messages, "queue-max-messages",
           "queue.buffering.max.messages (default 100000)")
      .add(p.queue_max_kbytes, "queue-max-kbytes", "queue.buffering.max.kbytes (default 65536)")
      .add(p.message_timeout_ms, "message-timeout-ms",
           "message.timeout.ms: a record not acknowledged by then fails (default 10000)")
      .add(p.probe_interval_ms, "probe-interval-ms",
           "broker/topic reachability probe interval (default 2000)")
      .add(p.flush_timeout_ms, "flush-timeout-ms", "flush at shutdown (default 10000)")
      .add(p.statistics_interval_ms, "statistics-interval-ms",
           "librdkafka statistics.interval.ms: window of "
           "clickstream_kafka_producer_latency_seconds, 0 = off (default 5000)");
  opt_group{custom_options_, "kafka"}
      .add(svc.kafka.bootstrap_servers, "bootstrap-servers",
           "default $KAFKA_BOOTSTRAP_SERVERS or localhost:9092")
      .add(svc.kafka.raw_topic, "raw-topic", "default acme.clickstream.raw.events")
      .add(svc.kafka.invalid_topic, "invalid-topic", "default acme.clickstream.invalid.events");
  auto& r = svc.registry;
  opt_group{custom_options_, "registry"}
      .add(r.url, "url",
           "Confluent-compatible API base, default $SCHEMA_REGISTRY_URL or "
           "http://localhost:8085/apis/ccompat/v7")
      .add(r.subject, "subject", "default acme.clickstream.raw.events-value")
      .add(r.poll_interval_ms, "poll-interval-ms", "look for a newer version (default 30000)")
      .add(r.retry_initial_ms, "retry-initial-ms", "first retry while down (default 500)")
      .add(r.retry_max_ms, "retry-max-ms", "backoff cap (default 30000)")
      .add(r.timeout_ms, "timeout-ms", "per registry call (default 5000)");
  opt_group{custom_options_, "metrics"}
      .add(svc.metrics.bind, "bind", "default 0.0.0.0")
      .add(svc.metrics.port, "port", "Prometheus exposer port (default 9464)");
  opt_group{custom_options_, "limits"}.add(svc.limits.batches_in_flight, "batches-in-flight",
                                           "429 above this many batches (default 256)");
  opt_group{custom_options_, "supervisor"}
      .add(svc.supervisor.max_restarts, "max-restarts", "crashes tolerated ... (default 5)")
      .add(svc.supervisor.restart_window_s, "restart-window-s", "... within (default 60)")
      .add(svc.supervisor.drain_timeout_ms, "drain-timeout-ms",
           "shutdown: wait for in-flight requests (default 20000)");
  auto& e = enrich.enricher;
  opt_group{custom_options_, "enricher"}
      .add(e.enabled, "enabled", "run the enricher pool (default true)")
      .add(e.count, "count",
           "enricher actors, each a consumer + transactional producer; 0 disables (default 2)")
      .add(e.group_id, "group-id", "consumer group on the raw topic (default clickstream-enricher)")
      .add(e.latest_topic, "latest-topic", "default acme.clickstream.latest.events")
      .add(e.latest_subject, "latest-subject",
           "registry subject of the latest schema (default acme.clickstream.latest.events-value)")
      .add(e.transactional_id_prefix, "transactional-id-prefix",
           "transactional.id = <prefix>-<hostname>-<index> (default clickstream-enricher)")
      .add(e.batch_max_events, "batch-max-events", "records per transaction (default 5000)")
      .add(e.batch_max_wait_ms, "batch-max-wait-ms", "collect a batch at most (default 100)")
      .add(e.fetch_min_bytes, "fetch-min-bytes",
           "consumer fetch.min.bytes: fewer, larger fetches (default 65536)")
      .add(e.fetch_wait_max_ms, "fetch-wait-max-ms",
           "consumer fetch.wait.max.ms: bound on the wait for fetch-min-bytes (default 100)")
      .add(e.linger_ms, "linger-ms",
           "producer linger.ms: records leave at the transaction's commit (default 1000)")
      .add(e.transaction_timeout_ms, "transaction-timeout-ms",
           "transaction.timeout.ms (default 30000)")
      .add(e.commit_timeout_ms, "commit-timeout-ms",
           "commit/abort/send-offsets timeout (default 30000)")
      .add(e.retry_backoff_ms, "retry-backoff-ms",
           "after an abort or a failed start (default 1000)")
      .add(e.session_timeout_ms, "session-timeout-ms",
           "consumer session.timeout.ms (default 10000)")
      .add(e.static_membership, "static-membership",
           "group.instance.id = transactional.id (default true)")
      .add(e.validate, "validate",
           "re-validate raw events against their writer schema (default true)")
      .add(e.shop_host, "shop-host",
           "referrers on this domain are internal (default xcc-webshop.com)");
  auto& u = enrich.unique_users;
  opt_group{custom_options_, "unique-users"}
      .add(u.enabled, "enabled", "run the daily unique-users counter (default true)")
      .add(u.group_id, "group-id", "consumer group (default clickstream-unique-users)")
      .add(u.output_topic, "output-topic",
           "compacted topic (default acme.clickstream.unique.users)")
      .add(u.window_days, "window-days", "days kept, relative to the newest event day (default 90)")
      .add(u.emit_interval_ms, "emit-interval-ms",
           "a day's count is emitted at most once per interval (default 1000)")
      .add(u.max_future_days, "max-future-days",
           "events dated later than today + this are not counted (default 1)")
      .add(u.fetch_min_bytes, "fetch-min-bytes", "consumer fetch.min.bytes (default 65536)")
      .add(u.fetch_wait_max_ms, "fetch-wait-max-ms", "consumer fetch.wait.max.ms (default 100)");
  opt_group{custom_options_, "log"}.add(log_level, "level", "debug|info|warning|error");
}

void pipeline_config::print_help(std::ostream& out) const {
  out << "usage: clickstream-pipeline [--config-file=config/clickstream.conf] "
         "[--group.key=value ...]\n\n"
         "Endpoints default to $KAFKA_BOOTSTRAP_SERVERS and $SCHEMA_REGISTRY_URL when set.\n"
         "CAF runtime options (scheduler, logger, ...): --long-help\n";
  std::string current;
  for (const auto& opt : custom_options_) {
    auto cat = std::string{opt.category().begin(), opt.category().end()};
    if (cat == "global" || !is_service_group(cat)) continue;
    if (cat != current) {
      out << "\n" << cat << ":\n";
      current = cat;
    }
    std::string flag = "  --" + std::string{opt.full_name().begin(), opt.full_name().end()};
    auto type = opt.type_name();
    if (type != "boolean") flag += "=<" + std::string{type.begin(), type.end()} + ">";
    out << flag << std::string(flag.size() < 44 ? 44 - flag.size() : 1, ' ')
        << std::string{opt.description().begin(), opt.description().end()} << "\n";
  }
}

caf::error pipeline_config::parse_args(string_list args, const char* config_file) {
  // Every form of a boolean flag (bare, =true, =false) is taken here, so the last one given wins.
  std::map<const caf::config_option*, bool> booleans;
  string_list rest;
  for (auto& arg : args) {
    if (arg.rfind("--", 0) == 0) {
      const auto eq = arg.find('=');
      const auto name_end = eq == std::string::npos ? arg.size() : eq;
      const auto* opt =
          custom_options_.qualified_name_lookup(caf::string_view{arg.data() + 2, name_end - 2});
      const auto value = eq == std::string::npos ? std::string{"true"} : arg.substr(eq + 1);
      if (opt != nullptr && opt->is_flag() && (value == "true" || value == "false")) {
        booleans[opt] = value == "true";
        continue;  // anything else reaches CAF's parser, which reports it
      }
    }
    rest.push_back(std::move(arg));
  }
  if (auto err = parse(std::move(rest), config_file)) return err;
  for (const auto& [opt, value] : booleans) opt->store(caf::config_value{value});
  return caf::none;
}

bool pipeline_config::is_service_group(const std::string& cat) {
  for (const char* g : {"http", "validator", "producer", "kafka", "registry", "metrics", "limits",
                        "supervisor", "enricher", "unique-users", "log"})
    if (cat == g) return true;
  return false;
}

std::vector<std::string> pipeline_config::service_option_names() const {
  std::vector<std::string> out;
  for (const auto& opt : custom_options_) {
    std::string cat{opt.category().begin(), opt.category().end()};
    if (is_service_group(cat)) out.emplace_back(opt.full_name().begin(), opt.full_name().end());
  }
  return out;
}

std::string pipeline_config::describe_values() const {
  std::string out;
  for (const auto& opt : custom_options_) {
    std::string cat{opt.category().begin(), opt.category().end()};
    if (!is_service_group(cat)) continue;
    out.append(opt.full_name().begin(), opt.full_name().end());
    out += '=';
    if (auto v = opt.get()) out += caf::to_string(*v);
    out += '\n';
  }
  return out;
}

}  // namespace clickstream
