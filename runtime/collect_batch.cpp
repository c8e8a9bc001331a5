#include "runtime/collect_batch.hpp"

#include <utility>

namespace clickstream {

delivery_status classify_kafka_error(rd_kafka_resp_err_t err) {
  switch (err) {
    case RD_KAFKA_RESP_ERR_NO_ERROR:
      return delivery_status::ok;
    case RD_KAFKA_RESP_ERR__QUEUE_FULL:
      return delivery_status::queue_full;
    case RD_KAFKA_RESP_ERR__MSG_TIMED_OUT:
    case RD_KAFKA_RESP_ERR__TIMED_OUT:
    case RD_KAFKA_RESP_ERR__ALL_BROKERS_DOWN:
    case RD_KAFKA_RESP_ERR__TRANSPORT:
    case RD_KAFKA_RESP_ERR__UNKNOWN_TOPIC:
    case RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART:
    case RD_KAFKA_RESP_ERR__PURGE_QUEUE:
    case RD_KAFKA_RESP_ERR__PURGE_INFLIGHT:
    case RD_KAFKA_RESP_ERR_NOT_ENOUGH_REPLICAS:
    case RD_KAFKA_RESP_ERR_NOT_ENOUGH_REPLICAS_AFTER_APPEND:
      return delivery_status::unavailable;
    default:
      return delivery_status::failed;
  }
}

collect_batch::collect_batch(std::string body_in, std::string correlation_id_in,
                             std::string received_at_in,
                             std::shared_ptr<batch_completion> completion,
                             std::optional<in_flight_slot> slot, batch_observer* observer)
    : body(std::move(body_in)),
      correlation_id(std::move(correlation_id_in)),
      received_at(std::move(received_at_in)),
      tracker_(std::move(completion)),
      slot_(std::move(slot)),
      observer_(observer) {}

void collect_batch::produce_all(const std::shared_ptr<collect_batch>& self,
                                kafka_producer& producer, int raw_topic, int invalid_topic) {
  auto& b = *self;
  b.tracker_.completion()->set_summary(b.summary);
  b.produced_at_ = std::chrono::steady_clock::now();
  b.self_ref_ = self;
  b.tracker_.expect(b.records.size());
  const record_header headers[] = {{"correlation_id", b.correlation_id},
                                   {"received_at", b.received_at}};
  std::size_t i = 0;
  for (; i < b.records.size(); ++i) {
    const auto& r = b.records[i];
    auto err = producer.produce(r.topic == topic_kind::raw ? raw_topic : invalid_topic, b.key(r),
                                b.value(r), headers, 2, &b);
    if (err != RD_KAFKA_RESP_ERR_NO_ERROR) {
      if (b.observer_ != nullptr)
        b.observer_->on_delivery_error(r.topic == topic_kind::raw ? "raw" : "invalid", err);
      // This record and every one after it will get no report: fail the batch now (fail fast).
      auto status = classify_kafka_error(err);
      std::string detail = rd_kafka_err2str(err);
      for (; i < b.records.size(); ++i) b.release_if_last(b.tracker_.report(status, detail));
      break;
    }
  }
  b.release_if_last(b.tracker_.seal());
}

void collect_batch::on_delivery(rd_kafka_resp_err_t err, std::string_view topic) {
  if (err != RD_KAFKA_RESP_ERR_NO_ERROR && observer_ != nullptr)
    observer_->on_delivery_error(topic, err);
  bool last = err == RD_KAFKA_RESP_ERR_NO_ERROR
                  ? tracker_.report(delivery_status::ok)
                  : tracker_.report(classify_kafka_error(err), rd_kafka_err2str(err));
  release_if_last(last);
}

void collect_batch::release_if_last(bool last) {
  if (!last) return;
  if (observer_ != nullptr)
    observer_->on_batch_delivered(std::chrono::steady_clock::now() - produced_at_,
                                  !tracker_.failed());
  // May destroy *this: nothing may touch a member after this line.
  auto keep = std::move(self_ref_);
}

}  // namespace clickstream
