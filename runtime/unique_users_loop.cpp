#include "runtime/unique_users_loop.hpp"

#include <librdkafka/rdkafka.h>

#include <chrono>
#include <cstdint>
#include <stdexcept>

#include "runtime/event_day.hpp"
#include "runtime/log.hpp"
#include "runtime/records.hpp"

namespace clickstream {

namespace {

std::int64_t now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

void set(rd_kafka_conf_t* conf, const std::string& key, const std::string& value) {
  char err[512];
  if (rd_kafka_conf_set(conf, key.c_str(), value.c_str(), err, sizeof err) != RD_KAFKA_CONF_OK) {
    rd_kafka_conf_destroy(conf);
    throw std::runtime_error("librdkafka property " + key + "=" + value + ": " + err);
  }
}

void delivery_trampoline(rd_kafka_t*, const rd_kafka_message_t* msg, void* opaque) {
  const auto day = static_cast<std::int32_t>(reinterpret_cast<std::intptr_t>(msg->_private));
  static_cast<unique_users_loop*>(opaque)->on_delivery(
      day, msg->err == RD_KAFKA_RESP_ERR_NO_ERROR,
      msg->err ? rd_kafka_err2str(msg->err) : std::string_view());
}

// librdkafka's own log lines (syslog levels) through the service's logger.
void kafka_log(const rd_kafka_t* rk, int level, const char* fac, const char* buf) {
  const log_level lvl = level <= 3   ? log_level::error
                        : level == 4 ? log_level::warning
                        : level <= 6 ? log_level::info
                                     : log_level::debug;
  log(lvl, "unique-users", std::string(rd_kafka_name(rk)) + " " + fac + ": " + buf);
}

}  // namespace

unique_users_loop::unique_users_loop(unique_users_settings settings,
                                     unique_users_observer* observer)
    : settings_(std::move(settings)), observer_(observer), counter_(settings_.counting) {}

unique_users_loop::~unique_users_loop() {
  close();
}

void unique_users_loop::start() {
  char err[512];
  rd_kafka_conf_t* pc = rd_kafka_conf_new();
  set(pc, "bootstrap.servers", settings_.bootstrap_servers);
  set(pc, "enable.idempotence", "true");
  set(pc, "acks", "all");
  set(pc, "linger.ms", "20");
  for (const auto& [k, v] : settings_.producer_properties) set(pc, k, v);
  rd_kafka_conf_set_log_cb(pc, kafka_log);
  rd_kafka_conf_set_dr_msg_cb(pc, delivery_trampoline);
  rd_kafka_conf_set_opaque(pc, this);
  producer_ = rd_kafka_new(RD_KAFKA_PRODUCER, pc, err, sizeof err);
  if (!producer_) {
    rd_kafka_conf_destroy(pc);
    throw std::runtime_error(std::string("unique-users producer: ") + err);
  }

  rd_kafka_conf_t* cc = rd_kafka_conf_new();
  set(cc, "bootstrap.servers", settings_.bootstrap_servers);
  set(cc, "group.id", settings_.group_id);
  set(cc, "isolation.level", "read_committed");
  set(cc, "enable.auto.commit", "false");
  set(cc, "enable.partition.eof", "true");
  set(cc, "fetch.min.bytes", std::to_string(settings_.fetch_min_bytes));
  set(cc, "fetch.wait.max.ms", std::to_string(settings_.fetch_wait_max_ms));
  set(cc, "auto.offset.reset", "earliest");
  // Prefetch bound (librdkafka's default is 64 MiB per consumer): resident memory stays bounded.
  set(cc, "queued.max.messages.kbytes", "8192");
  for (const auto& [k, v] : settings_.consumer_properties) set(cc, k, v);
  rd_kafka_conf_set_log_cb(cc, kafka_log);
  consumer_ = rd_kafka_new(RD_KAFKA_CONSUMER, cc, err, sizeof err);
  if (!consumer_) {
    rd_kafka_conf_destroy(cc);
    throw std::runtime_error(std::string("unique-users consumer: ") + err);
  }
  rd_kafka_poll_set_consumer(consumer_);

  // Every partition of the latest topic, from the beginning (the rebuild).
  const rd_kafka_metadata_t* md = nullptr;
  rd_kafka_topic_t* topic = rd_kafka_topic_new(consumer_, settings_.latest_topic.c_str(), nullptr);
  const auto merr =
      rd_kafka_metadata(consumer_, 0, topic, &md, static_cast<int>(settings_.metadata_timeout_ms));
  rd_kafka_topic_destroy(topic);
  if (merr != RD_KAFKA_RESP_ERR_NO_ERROR || md == nullptr || md->topic_cnt != 1 ||
      md->topics[0].err != RD_KAFKA_RESP_ERR_NO_ERROR || md->topics[0].partition_cnt == 0) {
    std::string why =
        merr ? rd_kafka_err2str(merr)
             : (md && md->topic_cnt == 1 ? rd_kafka_err2str(md->topics[0].err) : "no metadata");
    if (md) rd_kafka_metadata_destroy(md);
    throw std::runtime_error("unique-users: topic " + settings_.latest_topic +
                             " not available: " + why);
  }
  const int partitions = md->topics[0].partition_cnt;
  rd_kafka_topic_partition_list_t* parts = rd_kafka_topic_partition_list_new(partitions);
  for (int i = 0; i < partitions; ++i) {
    rd_kafka_topic_partition_list_add(parts, settings_.latest_topic.c_str(),
                                      md->topics[0].partitions[i].id)
        ->offset = RD_KAFKA_OFFSET_BEGINNING;
  }
  rd_kafka_metadata_destroy(md);
  const auto aerr = rd_kafka_assign(consumer_, parts);
  rd_kafka_topic_partition_list_destroy(parts);
  if (aerr) throw std::runtime_error(std::string("unique-users assign: ") + rd_kafka_err2str(aerr));
  at_end_.assign(static_cast<std::size_t>(partitions), false);
  partitions_at_end_ = 0;
  rebuilt_ = false;
  rebuild_started_ms_ = now_ms();
  last_commit_ms_ = rebuild_started_ms_;
}

void unique_users_loop::on_delivery(std::int32_t day, bool ok, std::string_view error) {
  if (ok) return;
  counter_.mark_dirty(day);  // emitted again at the next due time
  if (observer_) observer_->on_error("produce", error);
}

void unique_users_loop::consume(const char* value, std::size_t len) {
  const auto framed = parse_confluent_value(std::string_view(value, value ? len : 0));
  if (!framed) {
    if (observer_) observer_->on_unreadable("not Confluent-framed");
    return;
  }
  simdjson::dom::element doc;
  if (parser_.parse(framed->json.data(), framed->json.size()).get(doc) != simdjson::SUCCESS) {
    if (observer_) observer_->on_unreadable("not JSON");
    return;
  }
  std::string_view date;
  simdjson::dom::element meta;
  if (doc["metadata"].get(meta) != simdjson::SUCCESS ||
      meta["event_date"].get_string().get(date) != simdjson::SUCCESS) {
    if (observer_) observer_->on_unreadable("no metadata.event_date");
    return;
  }
  const auto day = parse_day(date);
  if (!day) {
    if (observer_) observer_->on_unreadable("metadata.event_date is not YYYY-MM-DD");
    return;
  }
  std::optional<std::int64_t> customer;
  simdjson::dom::element id;
  if (meta["customer"]["id"].get(id) == simdjson::SUCCESS && !id.is_null()) {
    std::int64_t v = 0;
    if (id.get_int64().get(v) != simdjson::SUCCESS) {
      if (observer_) observer_->on_unreadable("metadata.customer.id is not an integer");
      return;
    }
    customer = v;
  }
  const auto today = static_cast<std::int32_t>(now_ms() / 86400000);
  const auto result = counter_.add(*day, customer, today + settings_.max_future_days);
  if (observer_) observer_->on_record(result);
}

void unique_users_loop::emit_due(bool force) {
  if (!rebuilt_) return;
  due_.clear();
  counter_.collect_due(force ? INT64_MAX / 2 : now_ms(), due_);
  if (due_.empty()) return;
  const std::int64_t updated_us = now_ms() * 1000;
  for (const auto& d : due_) {
    const std::string value = unique_users_json(d, updated_us);
    const auto key = format_day(d.day);
    const auto err = rd_kafka_producev(
        producer_, RD_KAFKA_V_TOPIC(settings_.output_topic.c_str()),
        RD_KAFKA_V_KEY(const_cast<char*>(key.data()), key.size()),
        RD_KAFKA_V_VALUE(const_cast<char*>(value.data()), value.size()),
        RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY),
        RD_KAFKA_V_OPAQUE(reinterpret_cast<void*>(static_cast<std::intptr_t>(d.day))),
        RD_KAFKA_V_END);
    if (err) {
      counter_.mark_dirty(d.day);
      if (observer_) observer_->on_error("produce", rd_kafka_err2str(err));
    } else {
      ++emitted_;
    }
  }
  if (observer_) observer_->on_emitted(due_.size());
}

std::size_t unique_users_loop::run_once() {
  if (!consumer_) throw std::runtime_error("unique-users loop not started");
  std::size_t n = 0;
  const std::int64_t deadline = now_ms() + settings_.poll_timeout_ms;
  int wait = static_cast<int>(settings_.poll_timeout_ms);
  while (n < 10000) {
    rd_kafka_message_t* msg = rd_kafka_consumer_poll(consumer_, wait);
    if (!msg) break;
    if (msg->err == RD_KAFKA_RESP_ERR__PARTITION_EOF) {
      const auto p = static_cast<std::size_t>(msg->partition);
      if (p < at_end_.size() && !at_end_[p]) {
        at_end_[p] = true;
        ++partitions_at_end_;
      }
    } else if (msg->err) {
      if (observer_) observer_->on_error("consumer", rd_kafka_message_errstr(msg));
    } else {
      consume(static_cast<const char*>(msg->payload), msg->len);
      if (!rebuilt_) ++rebuild_records_;
      ++n;
    }
    rd_kafka_message_destroy(msg);
    const std::int64_t left = deadline - now_ms();
    if (left <= 0) break;
    wait = 0;
  }
  if (!rebuilt_ && partitions_at_end_ == at_end_.size()) {
    rebuilt_ = true;
    counter_.mark_all_dirty();  // the last emission before a crash may be missing
    if (observer_) {
      observer_->on_rebuilt(rebuild_records_, double(now_ms() - rebuild_started_ms_) / 1000.0);
    }
  }
  emit_due(false);
  rd_kafka_poll(producer_, 0);  // delivery reports
  if (observer_) observer_->on_state(counter_.days(), counter_.ids());
  if (now_ms() - last_commit_ms_ >= settings_.commit_interval_ms) {
    last_commit_ms_ = now_ms();
    rd_kafka_commit(consumer_, nullptr, 1);  // for lag visibility only; errors are harmless
  }
  return n;
}

void unique_users_loop::run(const std::atomic<bool>& stop) {
  while (!stop.load(std::memory_order_relaxed)) run_once();
}

void unique_users_loop::close() {
  if (closed_) return;
  closed_ = true;
  if (producer_) {
    emit_due(true);  // what is dirty goes out now, throttle or not
    rd_kafka_flush(producer_, 5000);
    rd_kafka_destroy(producer_);
    producer_ = nullptr;
  }
  if (consumer_) {
    rd_kafka_consumer_close(consumer_);
    rd_kafka_destroy(consumer_);
    consumer_ = nullptr;
  }
}

}  // namespace clickstream
