// One shared librdkafka producer for the whole service.
//
// Why one rd_kafka_t and not one per producer actor: librdkafka is internally multi-threaded
// (one thread per broker) and thread-safe for produce(); a single instance batches all
// requests' records per partition into the largest possible message sets (better lz4 ratio, fewer
// requests at acks=all), keeps one idempotent producer id, one set of broker connections and ONE
// bounded queue (queue.buffering.max.*) that bounds the memory of the whole service. M instances
// would multiply connections, memory bounds and idempotence state for no throughput gain.
//
// Delivery reports are served by a dedicated poll thread; each record's opaque is a
// delivery_handler (the batch), so the reports, not produce(), decide the HTTP answer.
// A probe thread asks the brokers for the topics' metadata every probe interval: reachable()
// is false when no broker answers or a topic is missing (auto-create is off on our platform).
#pragma once

#include <librdkafka/rdkafka.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <utility>
#include <vector>

#include "runtime/kafka_stats.hpp"

namespace clickstream {

/// Receives the delivery report of each record produced with it as opaque. Called on the
/// producer's poll thread: keep it short, never block.
class delivery_handler {
 public:
  virtual ~delivery_handler() = default;
  virtual void on_delivery(rd_kafka_resp_err_t err, std::string_view topic) = 0;
};

struct record_header {
  std::string_view name;
  std::string_view value;
};

/// The probe's verdict on a metadata request that failed with `err`: true when it only timed out
/// and a record was acknowledged after the probe started, i.e. the brokers answer and only the
/// machine is too busy for the probe's deadline. Under a flood that fills every core a 2 s
/// metadata request can time out while deliveries go on, and readiness must not flap then.
inline bool probe_timed_out_but_acked(rd_kafka_resp_err_t err, std::int64_t probe_start_ns,
                                      std::int64_t last_ack_ns) {
  return err == RD_KAFKA_RESP_ERR__TIMED_OUT && last_ack_ns >= probe_start_ns;
}

class kafka_producer {
 public:
  using property_list = std::vector<std::pair<std::string, std::string>>;
  /// level: 0 debug, 1 info, 2 warning, 3 error.
  using log_fn = std::function<void(int level, std::string_view message)>;

  /// Creates the producer and topic handles; nullptr with `error` set on a bad config.
  /// `topics` are the topics produce() may name; they are probed for reachability.
  static std::unique_ptr<kafka_producer> create(const property_list& props,
                                                const std::vector<std::string>& topics,
                                                std::chrono::milliseconds probe_interval,
                                                std::string& error, log_fn log = nullptr);
  ~kafka_producer();
  kafka_producer(const kafka_producer&) = delete;
  kafka_producer& operator=(const kafka_producer&) = delete;

  /// Index of a topic given to create(), or -1.
  int topic_index(std::string_view name) const;

  /// Enqueues one record; `value` and `key` must stay valid until the delivery report (no copy:
  /// the caller builds the framed value once and keeps it in the batch). On success the
  /// delivery report goes to `handler`; on error nothing is enqueued and no report follows.
  rd_kafka_resp_err_t produce(int topic, std::string_view key, std::string_view value,
                              const record_header* headers, std::size_t header_count,
                              delivery_handler* handler);

  /// True when the last probe reached a broker and every topic exists. A probe whose metadata
  /// request timed out while records were being acknowledged (a busy machine, not a lost broker)
  /// counts as reached: see probe_timed_out_but_acked().
  bool reachable() const { return reachable_.load(std::memory_order_acquire); }
  std::string unreachable_reason() const;
  /// Runs one probe now (blocking up to `timeout`); updates reachable().
  bool probe(std::chrono::milliseconds timeout);

  /// librdkafka's latest statistics (statistics.interval.ms > 0 in the properties): where the
  /// records' time went over the last interval. nullopt before the first interval ends.
  std::optional<kafka_client_stats> statistics() const;

  /// Records in librdkafka's queue (waiting or in flight).
  int queue_length() const;
  /// Waits until every record is delivered or failed; returns the records left.
  int flush(std::chrono::milliseconds timeout);
  /// Stops the poll and probe threads (call after flush()).
  void stop();

  /// The librdkafka handle (tests: the mock cluster).
  rd_kafka_t* handle() const { return rk_; }

 private:
  kafka_producer() = default;
  static void dr_msg_cb(rd_kafka_t*, const rd_kafka_message_t* msg, void*);
  static void error_cb(rd_kafka_t*, int err, const char* reason, void* opaque);
  static void log_cb(const rd_kafka_t* rk, int level, const char* fac, const char* buf);
  static int stats_cb(rd_kafka_t*, char* json, std::size_t json_len, void* opaque);
  void poll_loop();
  void probe_loop();

  rd_kafka_t* rk_ = nullptr;
  std::vector<std::string> topic_names_;
  std::vector<rd_kafka_topic_t*> topics_;
  std::chrono::milliseconds probe_interval_{2000};
  log_fn log_;
  std::atomic<bool> reachable_{false};
  /// steady_clock time (ns since its epoch) of the last record the brokers acknowledged.
  std::atomic<std::int64_t> last_ack_ns_{0};
  mutable std::mutex reason_mtx_;
  std::string reason_ = "not probed yet";
  mutable std::mutex stats_mtx_;
  std::optional<kafka_client_stats> stats_;
  std::atomic<bool> running_{false};
  std::mutex stop_mtx_;
  std::condition_variable stop_cv_;
  std::thread poll_thread_;
  std::thread probe_thread_;
};

}  // namespace clickstream
