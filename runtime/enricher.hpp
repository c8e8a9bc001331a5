// The enricher's consume-transform-produce loop (no CAF: the actor runs it on a thread of its own).
//
// A consumer in group `clickstream-enricher` reads the raw topic (read_committed, no auto commit);
// a transactional producer (transactional.id stable per instance index) writes each batch's
// enriched events to the latest topic, failures to the invalid topic with the reason, and commits
// the consumer offsets in the same transaction (send_offsets_to_transaction). On an abortable error
// the transaction is aborted and the consumer rewinds to the last committed offsets; on a fatal
// error (e.g. fenced by a newer instance with the same transactional.id) run_once() throws and the
// owner recreates the loop.
#pragma once

#include <atomic>
#include <cstdint>
#include <map>
#include <memory>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <simdjson.h>

#include "runtime/metadata.hpp"
#include "runtime/schema_validator.hpp"
#include "runtime/writer_schemas.hpp"

struct rd_kafka_s;
struct rd_kafka_message_s;

namespace clickstream {

struct enricher_settings {
  std::string bootstrap_servers = "localhost:9092";
  std::string group_id = "clickstream-enricher";
  std::string raw_topic = "acme.clickstream.raw.events";
  std::string latest_topic = "acme.clickstream.latest.events";
  std::string invalid_topic = "acme.clickstream.invalid.events";
  std::string transactional_id = "clickstream-enricher-0";  // stable across restarts: fencing
  std::int32_t latest_schema_id = -1;    // id of the latest-events schema (resolved at start)
  std::size_t batch_max_events = 5000;   // per transaction
  std::int64_t batch_max_wait_ms = 100;  // collect a batch for at most this long
  std::int64_t fetch_min_bytes = 65536;  // consumer fetch.min.bytes
  std::int64_t fetch_wait_max_ms = 100;  // consumer fetch.wait.max.ms (lag bound when idle)
  // producer linger.ms: above batch_max_wait_ms the records wait for the commit, which flushes
  // them at once (no added lag): one produce request per partition and transaction
  std::int64_t linger_ms = 1000;
  std::int64_t poll_timeout_ms = 200;  // idle poll
  std::int64_t transaction_timeout_ms = 30000;
  std::int64_t commit_timeout_ms = 30000;
  std::int64_t init_timeout_ms = 5000;  // init_transactions (at most commit_timeout_ms)
  std::int64_t retry_backoff_ms = 500;  // after an abort (registry down, broker trouble)
  std::int64_t session_timeout_ms = 10000;
  bool static_membership = true;  // group.instance.id = transactional.id: a restart takes its
                                  // partitions back at once instead of after the session timeout
  bool validate = true;           // re-validate against the writer schema
  enrichment_options enrichment;
  // Extra librdkafka properties (tests, security settings).
  std::vector<std::pair<std::string, std::string>> consumer_properties;
  std::vector<std::pair<std::string, std::string>> producer_properties;
};

// Lag buckets (seconds) of the raw-to-latest latency histogram.
inline const std::vector<double>& enricher_latency_buckets() {
  static const std::vector<double> b{0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10};
  return b;
}

// Called from the loop's thread.
class enricher_observer {
 public:
  virtual ~enricher_observer() = default;
  virtual void on_committed(std::size_t /*enriched*/, std::size_t /*invalid*/) {}
  virtual void on_aborted(std::string_view /*reason*/) {}
  virtual void on_error(std::string_view /*kind*/, std::string_view /*message*/) {}
  virtual void on_lag(std::int32_t /*partition*/, std::int64_t /*lag*/) {}
  // Raw record timestamp to commit, per committed event: increments per bucket of
  // enricher_latency_buckets() (plus +Inf last) and the sum in seconds.
  virtual void on_latency(const std::vector<double>& /*bucket_increments*/, double /*sum*/) {}
};

class enricher_fatal : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// What the loop does with an error event from rd_kafka_consumer_poll (err: an rd_kafka_resp_err_t).
// End of partition is ignored; a fatal error (RD_KAFKA_RESP_ERR__FATAL) leaves the consumer
// unusable for ever (seen after a broker restart: "Static consumer fenced by other consumer with
// same group.instance.id"), so the loop is recreated; anything else is reported and polled past
// (librdkafka recovers from it by itself).
enum class consumer_error_action { ignore, report, recreate };
consumer_error_action classify_consumer_error(int err);

class enricher {
 public:
  enricher(enricher_settings settings, writer_schema_source& schemas,
           enricher_observer* observer = nullptr);
  ~enricher();
  enricher(const enricher&) = delete;
  enricher& operator=(const enricher&) = delete;

  // Creates the consumer and the transactional producer, init_transactions (which fences an older
  // instance with the same transactional.id and aborts its open transaction), subscribes.
  // Throws enricher_fatal with a clear message.
  void start();
  // One cycle: polls a batch and moves it in one transaction. Returns the number of raw records
  // committed (0 when idle or after an abort). Throws enricher_fatal.
  std::size_t run_once();
  // Loops until `stop`; the transaction of the current batch is committed (or aborted) first.
  void run(const std::atomic<bool>& stop);
  // Closes the consumer (leaves the group) and destroys the handles in a safe order. Idempotent.
  void close();

  std::uint64_t commits() const noexcept { return commits_; }
  std::uint64_t aborts() const noexcept { return aborts_; }
  const enricher_settings& settings() const noexcept { return settings_; }

  // librdkafka rebalance callback target (public for the C trampoline).
  void on_rebalance(int err, void* partitions);

 private:
  enum class record_outcome { enriched, invalid, transient };
  record_outcome process(rd_kafka_message_s* msg, std::string& error);
  bool produce(const std::string& topic, rd_kafka_message_s* src, std::string_view value,
               std::string& error);
  bool produce_invalid(rd_kafka_message_s* msg, std::string_view original, std::string_view reason,
                       std::string_view correlation_id, std::string_view received_at,
                       const compiled_schema* schema, std::int32_t schema_id, std::string& error);
  std::size_t collect_batch();
  void drop_batch();
  bool commit_batch(std::string& error);
  void abort_and_rewind(const std::string& reason);
  void rewind();
  void report_lag();
  [[noreturn]] void fatal(const std::string& what);

  enricher_settings settings_;
  writer_schema_source& schemas_;
  enricher_observer* observer_;
  rd_kafka_s* consumer_ = nullptr;
  rd_kafka_s* producer_ = nullptr;
  bool closed_ = false;
  bool rebalanced_ = false;
  std::vector<rd_kafka_message_s*> batch_;
  simdjson::dom::parser parser_;
  std::map<std::int32_t, event_validator> validators_;
  std::vector<validation_error> errors_;
  std::string scratch_meta_, scratch_value_, scratch_json_, scratch_id_, scratch_text_;
  std::vector<double> latency_increments_;
  std::uint64_t commits_ = 0, aborts_ = 0;
  std::int64_t last_lag_report_ms_ = 0;
};

}  // namespace clickstream
