// One POST /collect request on its way to Kafka: the body (moved in from the HTTP thread, never
// copied), the records the router built (one arena holding every framed value and key), the
// tracker counting delivery reports, and the batches-in-flight slot it occupies.
//
// Lifetime: the HTTP thread keeps only the batch_completion; the batch travels through the
// validator and producer actors as a shared_ptr and, once its records are in librdkafka's queue,
// keeps itself alive (self_ref) until the last delivery report. If an actor drops it before that
// (crash), the tracker's destructor completes the request with `internal`.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "runtime/batch_tracker.hpp"
#include "runtime/kafka_producer.hpp"

namespace clickstream {

enum class topic_kind : std::uint8_t { raw = 0, invalid = 1 };

/// A record to produce; key and value are slices of the batch's arena.
struct outbound_record {
  topic_kind topic = topic_kind::raw;
  std::uint32_t key_offset = 0;
  std::uint32_t key_size = 0;
  std::uint32_t value_offset = 0;
  std::uint32_t value_size = 0;
};

/// Called on the poll thread when a batch's last report arrived or a record failed.
class batch_observer {
 public:
  virtual ~batch_observer() = default;
  virtual void on_delivery_error(std::string_view topic, rd_kafka_resp_err_t err) = 0;
  virtual void on_batch_delivered(std::chrono::steady_clock::duration produce_to_last_ack,
                                  bool ok) = 0;
};

/// Maps a librdkafka error to what the HTTP answer says.
delivery_status classify_kafka_error(rd_kafka_resp_err_t err);

class collect_batch final : public delivery_handler {
 public:
  collect_batch(std::string body, std::string correlation_id, std::string received_at,
                std::shared_ptr<batch_completion> completion, std::optional<in_flight_slot> slot,
                batch_observer* observer = nullptr);

  // -- filled by the HTTP thread ---------------------------------------------------------------
  std::string body;
  std::string correlation_id;
  std::string received_at;  ///< RFC 3339 UTC

  // -- filled by the validator (router) --------------------------------------------------------
  std::string arena;
  std::vector<outbound_record> records;
  batch_summary summary;

  std::string_view key(const outbound_record& r) const {
    return std::string_view{arena}.substr(r.key_offset, r.key_size);
  }
  std::string_view value(const outbound_record& r) const {
    return std::string_view{arena}.substr(r.value_offset, r.value_size);
  }

  /// Publishes the summary and produces every record (topics[0] raw, topics[1] invalid).
  /// `self` must own this batch; it is kept alive until the last delivery report.
  /// Never blocks: a full queue fails the batch at once.
  static void produce_all(const std::shared_ptr<collect_batch>& self, kafka_producer& producer,
                          int raw_topic, int invalid_topic);

  void on_delivery(rd_kafka_resp_err_t err, std::string_view topic) override;

  batch_tracker& tracker() { return tracker_; }

 private:
  void release_if_last(bool last);

  batch_tracker tracker_;
  std::optional<in_flight_slot> slot_;
  batch_observer* observer_;
  std::chrono::steady_clock::time_point produced_at_;
  std::shared_ptr<collect_batch> self_ref_;
};

}  // namespace clickstream
