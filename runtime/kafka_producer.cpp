#include "runtime/kafka_producer.hpp"

#include "runtime/thread_name.hpp"

namespace clickstream {

std::unique_ptr<kafka_producer> kafka_producer::create(const property_list& props,
                                                       const std::vector<std::string>& topics,
                                                       std::chrono::milliseconds probe_interval,
                                                       std::string& error, log_fn log) {
  char errstr[512];
  rd_kafka_conf_t* conf = rd_kafka_conf_new();
  for (const auto& [key, value] : props) {
    if (rd_kafka_conf_set(conf, key.c_str(), value.c_str(), errstr, sizeof errstr) !=
        RD_KAFKA_CONF_OK) {
      error = "kafka property " + key + "=" + value + ": " + errstr;
      rd_kafka_conf_destroy(conf);
      return nullptr;
    }
  }
  std::unique_ptr<kafka_producer> self{new kafka_producer};
  self->log_ = std::move(log);
  self->probe_interval_ = probe_interval;
  rd_kafka_conf_set_dr_msg_cb(conf, &kafka_producer::dr_msg_cb);
  rd_kafka_conf_set_error_cb(conf, &kafka_producer::error_cb);
  // librdkafka's own log lines go through our logger (debug level: error_cb reports the
  // errors that matter once, as warnings).
  rd_kafka_conf_set_log_cb(conf, &kafka_producer::log_cb);
  // Called on the poll thread each statistics.interval.ms (never when it is 0, librdkafka's own
  // default; the service's is 5000: producer.statistics-interval-ms).
  rd_kafka_conf_set_stats_cb(conf, &kafka_producer::stats_cb);
  rd_kafka_conf_set_opaque(conf, self.get());
  self->rk_ = rd_kafka_new(RD_KAFKA_PRODUCER, conf, errstr, sizeof errstr);
  if (self->rk_ == nullptr) {
    error = std::string{"rd_kafka_new: "} + errstr;
    rd_kafka_conf_destroy(conf);
    return nullptr;
  }
  for (const auto& name : topics) {
    auto* rkt = rd_kafka_topic_new(self->rk_, name.c_str(), nullptr);
    if (rkt == nullptr) {
      error = "rd_kafka_topic_new(" + name + "): " + rd_kafka_err2str(rd_kafka_last_error());
      return nullptr;
    }
    self->topic_names_.push_back(name);
    self->topics_.push_back(rkt);
  }
  self->running_ = true;
  self->poll_thread_ = std::thread{[p = self.get()] {
    set_thread_name("cs-kafka-dr");
    p->poll_loop();
  }};
  self->probe_thread_ = std::thread{[p = self.get()] {
    set_thread_name("cs-kafka-probe");
    p->probe_loop();
  }};
  return self;
}

kafka_producer::~kafka_producer() {
  stop();
  for (auto* rkt : topics_) rd_kafka_topic_destroy(rkt);
  if (rk_ != nullptr) rd_kafka_destroy(rk_);
}

int kafka_producer::topic_index(std::string_view name) const {
  for (std::size_t i = 0; i < topic_names_.size(); ++i)
    if (topic_names_[i] == name) return static_cast<int>(i);
  return -1;
}

rd_kafka_resp_err_t kafka_producer::produce(int topic, std::string_view key, std::string_view value,
                                            const record_header* headers, std::size_t header_count,
                                            delivery_handler* handler) {
  if (topic < 0 || static_cast<std::size_t>(topic) >= topics_.size())
    return RD_KAFKA_RESP_ERR__UNKNOWN_TOPIC;
  rd_kafka_headers_t* hdrs = nullptr;
  if (header_count > 0) {
    hdrs = rd_kafka_headers_new(header_count);
    for (std::size_t i = 0; i < header_count; ++i)
      rd_kafka_header_add(hdrs, headers[i].name.data(),
                          static_cast<ssize_t>(headers[i].name.size()), headers[i].value.data(),
                          static_cast<ssize_t>(headers[i].value.size()));
  }
  // No RD_KAFKA_MSG_F_COPY: the batch keeps `value` alive until the delivery report.
  auto err =
      rd_kafka_producev(rk_, RD_KAFKA_V_RKT(topics_[static_cast<std::size_t>(topic)]),
                        RD_KAFKA_V_VALUE(const_cast<char*>(value.data()), value.size()),
                        RD_KAFKA_V_KEY(key.empty() ? nullptr : key.data(), key.size()),
                        RD_KAFKA_V_HEADERS(hdrs), RD_KAFKA_V_OPAQUE(handler), RD_KAFKA_V_END);
  if (err != RD_KAFKA_RESP_ERR_NO_ERROR && hdrs != nullptr) rd_kafka_headers_destroy(hdrs);
  return err;
}

namespace {
std::int64_t steady_now_ns() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}
}  // namespace

void kafka_producer::dr_msg_cb(rd_kafka_t*, const rd_kafka_message_t* msg, void* opaque) {
  if (msg->err == RD_KAFKA_RESP_ERR_NO_ERROR && opaque != nullptr)
    static_cast<kafka_producer*>(opaque)->last_ack_ns_.store(steady_now_ns(),
                                                             std::memory_order_relaxed);
  if (auto* handler = static_cast<delivery_handler*>(msg->_private); handler != nullptr)
    handler->on_delivery(msg->err, msg->rkt != nullptr ? rd_kafka_topic_name(msg->rkt) : "");
}

void kafka_producer::error_cb(rd_kafka_t*, int err, const char* reason, void* opaque) {
  auto* self = static_cast<kafka_producer*>(opaque);
  auto code = static_cast<rd_kafka_resp_err_t>(err);
  if (code == RD_KAFKA_RESP_ERR__ALL_BROKERS_DOWN) {
    self->reachable_.store(false, std::memory_order_release);
    std::lock_guard<std::mutex> guard{self->reason_mtx_};
    self->reason_ = std::string{"all brokers down: "} + reason;
  }
  if (self->log_) self->log_(code == RD_KAFKA_RESP_ERR__FATAL ? 3 : 2, reason);
}

void kafka_producer::log_cb(const rd_kafka_t* rk, int /*level*/, const char* fac, const char* buf) {
  auto* self = static_cast<kafka_producer*>(rd_kafka_opaque(rk));
  if (self == nullptr || !self->log_) return;
  std::string line = fac;
  line += ": ";
  line += buf;
  self->log_(0, line);  // debug: error_cb already reports errors
}

int kafka_producer::stats_cb(rd_kafka_t*, char* json, std::size_t json_len, void* opaque) {
  auto* self = static_cast<kafka_producer*>(opaque);
  std::string error;
  auto stats = parse_kafka_stats(std::string_view{json, json_len}, error);
  if (!stats) {
    if (self->log_) self->log_(2, "librdkafka statistics ignored: " + error);
    return 0;
  }
  std::lock_guard<std::mutex> guard{self->stats_mtx_};
  self->stats_ = *stats;
  return 0;  // librdkafka frees the document
}

std::optional<kafka_client_stats> kafka_producer::statistics() const {
  std::lock_guard<std::mutex> guard{stats_mtx_};
  return stats_;
}

std::string kafka_producer::unreachable_reason() const {
  std::lock_guard<std::mutex> guard{reason_mtx_};
  return reason_;
}

bool kafka_producer::probe(std::chrono::milliseconds timeout) {
  std::string why;
  const auto start_ns = steady_now_ns();
  for (std::size_t i = 0; i < topics_.size() && why.empty(); ++i) {
    const rd_kafka_metadata_t* md = nullptr;
    auto err = rd_kafka_metadata(rk_, 0, topics_[i], &md, static_cast<int>(timeout.count()));
    if (err != RD_KAFKA_RESP_ERR_NO_ERROR &&
        probe_timed_out_but_acked(err, start_ns, last_ack_ns_.load(std::memory_order_relaxed))) {
      // busy, not gone: this topic's metadata stays unknown for this round
    } else if (err != RD_KAFKA_RESP_ERR_NO_ERROR) {
      why = "metadata request failed: " + std::string{rd_kafka_err2str(err)};
    } else if (md->broker_cnt == 0) {
      why = "no broker in metadata";
    } else if (md->topic_cnt < 1 || md->topics[0].err != RD_KAFKA_RESP_ERR_NO_ERROR) {
      why = "topic " + topic_names_[i] + ": " +
            (md->topic_cnt < 1 ? std::string{"missing"} : rd_kafka_err2str(md->topics[0].err));
    }
    if (md != nullptr) rd_kafka_metadata_destroy(md);
  }
  bool ok = why.empty();
  bool was = reachable_.exchange(ok, std::memory_order_acq_rel);
  {
    std::lock_guard<std::mutex> guard{reason_mtx_};
    reason_ = ok ? std::string{} : why;
  }
  if (log_ && was != ok)
    log_(ok ? 1 : 2,
         ok ? std::string_view{"Kafka reachable, topics present"} : std::string_view{why});
  return ok;
}

int kafka_producer::queue_length() const {
  return rd_kafka_outq_len(rk_);
}

int kafka_producer::flush(std::chrono::milliseconds timeout) {
  rd_kafka_flush(rk_, static_cast<int>(timeout.count()));
  return rd_kafka_outq_len(rk_);
}

void kafka_producer::poll_loop() {
  while (running_.load(std::memory_order_acquire)) rd_kafka_poll(rk_, 50);
  rd_kafka_poll(rk_, 0);
}

void kafka_producer::probe_loop() {
  auto timeout = std::min(probe_interval_, std::chrono::milliseconds{2000});
  while (running_.load(std::memory_order_acquire)) {
    probe(timeout);
    std::unique_lock<std::mutex> lock{stop_mtx_};
    stop_cv_.wait_for(lock, probe_interval_,
                      [this] { return !running_.load(std::memory_order_acquire); });
  }
}

void kafka_producer::stop() {
  {
    std::lock_guard<std::mutex> guard{stop_mtx_};
    running_.store(false, std::memory_order_release);
  }
  stop_cv_.notify_all();
  if (poll_thread_.joinable()) poll_thread_.join();
  if (probe_thread_.joinable()) probe_thread_.join();
  // Whatever is still queued after flush() fails now (its handlers see __PURGE_*), so no
  // batch waits for a report that would never come.
  if (rk_ != nullptr && rd_kafka_outq_len(rk_) > 0) {
    rd_kafka_purge(rk_, RD_KAFKA_PURGE_F_QUEUE | RD_KAFKA_PURGE_F_INFLIGHT);
    rd_kafka_poll(rk_, 100);
  }
}

}  // namespace clickstream
