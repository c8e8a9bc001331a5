// The daily-unique-users loop (no CAF: the actor runs it on a thread of its own).
//
// Reads the latest topic (read_committed) and counts distinct non-null customer ids per UTC day
// (metadata.event_date, metadata.customer.id) with unique_users_counter; emits
// {"date","unique_users","updated_at"} keyed by the date to the compacted unique-users topic,
// throttled per day.
//
// State survives restarts by rebuilding: on start the loop assigns itself EVERY partition of the
// latest topic from offset 0 (it does not use the group's committed offsets to resume), counts
// without emitting until it has reached the end of every partition, then marks every day dirty and
// emits. Sets make replays idempotent (a record read twice does not count twice), so the counts
// after a restart equal the counts before. Tradeoff: start-up reads the whole retained latest topic
// (bounded by its retention); a compacted snapshot topic of the sets would make it faster but is
// not exact without more machinery. Each instance counts all partitions (a day's visitors are
// spread over partitions); several instances emit the same values, which is harmless on a
// compacted topic. Offsets are still committed to group `clickstream-unique-users` (async) so that
// its lag is visible with the usual tools.
#pragma once

#include <atomic>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include <simdjson.h>

#include "runtime/unique_users.hpp"

struct rd_kafka_s;

namespace clickstream {

struct unique_users_settings {
  std::string bootstrap_servers = "localhost:9092";
  std::string group_id = "clickstream-unique-users";
  std::string latest_topic = "acme.clickstream.latest.events";
  std::string output_topic = "acme.clickstream.unique.users";
  unique_users_options counting;  // window_days, emit_interval_ms
  int max_future_days = 1;        // events dated after today (UTC) + this are not counted
  std::int64_t poll_timeout_ms = 100;
  std::int64_t fetch_min_bytes = 65536;  // consumer fetch.min.bytes
  std::int64_t fetch_wait_max_ms = 100;  // consumer fetch.wait.max.ms
  std::int64_t commit_interval_ms = 5000;
  std::int64_t metadata_timeout_ms = 5000;
  std::vector<std::pair<std::string, std::string>> consumer_properties;
  std::vector<std::pair<std::string, std::string>> producer_properties;
};

class unique_users_observer {
 public:
  virtual ~unique_users_observer() = default;
  virtual void on_record(add_result) {}
  virtual void on_unreadable(std::string_view /*why*/) {}
  virtual void on_state(std::size_t /*days*/, std::size_t /*ids*/) {}
  virtual void on_emitted(std::size_t /*updates*/) {}
  virtual void on_rebuilt(std::uint64_t /*records*/, double /*seconds*/) {}
  virtual void on_error(std::string_view /*kind*/, std::string_view /*message*/) {}
};

class unique_users_loop {
 public:
  explicit unique_users_loop(unique_users_settings settings,
                             unique_users_observer* observer = nullptr);
  ~unique_users_loop();
  unique_users_loop(const unique_users_loop&) = delete;
  unique_users_loop& operator=(const unique_users_loop&) = delete;

  // Creates the consumer and the producer, assigns every partition from the beginning.
  // Throws std::runtime_error with a clear message.
  void start();
  // One poll cycle plus due emissions. Returns the records consumed.
  std::size_t run_once();
  void run(const std::atomic<bool>& stop);
  // Emits what is due regardless of throttling, flushes, closes. Idempotent.
  void close();

  bool rebuilt() const noexcept { return rebuilt_; }
  const unique_users_counter& counter() const noexcept { return counter_; }
  std::uint64_t emitted() const noexcept { return emitted_; }

  // Delivery-report target (public for the C trampoline).
  void on_delivery(std::int32_t day, bool ok, std::string_view error);

 private:
  void consume(const char* value, std::size_t len);
  void emit_due(bool force);

  unique_users_settings settings_;
  unique_users_observer* observer_;
  unique_users_counter counter_;
  rd_kafka_s* consumer_ = nullptr;
  rd_kafka_s* producer_ = nullptr;
  bool closed_ = false;
  bool rebuilt_ = false;
  std::vector<bool> at_end_;
  std::size_t partitions_at_end_ = 0;
  std::uint64_t rebuild_records_ = 0;
  std::int64_t rebuild_started_ms_ = 0;
  std::int64_t last_commit_ms_ = 0;
  std::uint64_t emitted_ = 0;
  simdjson::dom::parser parser_;
  std::vector<day_count> due_;
};

}  // namespace clickstream
