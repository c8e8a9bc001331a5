#include "runtime/enricher.hpp"

#include <librdkafka/rdkafka.h>

#include <algorithm>
#include <chrono>
#include <thread>

#include "runtime/log.hpp"
#include "runtime/records.hpp"

namespace clickstream {

namespace {

std::int64_t now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

std::int64_t now_us() {
  return std::chrono::duration_cast<std::chrono::microseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

int ms(std::int64_t v) {
  return static_cast<int>(v);
}

void set(rd_kafka_conf_t* conf, const std::string& key, const std::string& value) {
  char err[512];
  if (rd_kafka_conf_set(conf, key.c_str(), value.c_str(), err, sizeof err) != RD_KAFKA_CONF_OK) {
    rd_kafka_conf_destroy(conf);
    throw enricher_fatal("librdkafka property " + key + "=" + value + ": " + err);
  }
}

std::string take_error(rd_kafka_error_t* e) {
  std::string s = std::string(rd_kafka_error_name(e)) + ": " + rd_kafka_error_string(e);
  return s;
}

void rebalance_trampoline(rd_kafka_t*, rd_kafka_resp_err_t err,
                          rd_kafka_topic_partition_list_t* partitions, void* opaque) {
  static_cast<enricher*>(opaque)->on_rebalance(static_cast<int>(err), partitions);
}

std::string_view header(rd_kafka_message_t* msg, const char* name) {
  rd_kafka_headers_t* hdrs = nullptr;
  if (rd_kafka_message_headers(msg, &hdrs) != RD_KAFKA_RESP_ERR_NO_ERROR) return {};
  const void* value = nullptr;
  size_t size = 0;
  if (rd_kafka_header_get_last(hdrs, name, &value, &size) != RD_KAFKA_RESP_ERR_NO_ERROR ||
      value == nullptr) {
    return {};
  }
  return {static_cast<const char*>(value), size};
}

// librdkafka's own log lines (syslog levels) through the service's logger.
void kafka_log(const rd_kafka_t* rk, int level, const char* fac, const char* buf) {
  const log_level lvl = level <= 3   ? log_level::error
                        : level == 4 ? log_level::warning
                        : level <= 6 ? log_level::info
                                     : log_level::debug;
  log(lvl, "enricher", std::string(rd_kafka_name(rk)) + " " + fac + ": " + buf);
}

}  // namespace

enricher::enricher(enricher_settings settings, writer_schema_source& schemas,
                   enricher_observer* observer)
    : settings_(std::move(settings)), schemas_(schemas), observer_(observer) {
  latency_increments_.assign(enricher_latency_buckets().size() + 1, 0.0);
}

enricher::~enricher() {
  close();
}

void enricher::fatal(const std::string& what) {
  if (observer_) observer_->on_error("fatal", what);
  throw enricher_fatal(what);
}

void enricher::start() {
  if (settings_.latest_schema_id < 0) fatal("the latest-events schema id is not resolved");
  char err[512];

  rd_kafka_conf_t* pc = rd_kafka_conf_new();
  set(pc, "bootstrap.servers", settings_.bootstrap_servers);
  set(pc, "transactional.id", settings_.transactional_id);
  set(pc, "enable.idempotence", "true");
  set(pc, "acks", "all");
  set(pc, "linger.ms", std::to_string(settings_.linger_ms));
  set(pc, "compression.type", "lz4");
  set(pc, "transaction.timeout.ms", std::to_string(settings_.transaction_timeout_ms));
  set(pc, "message.timeout.ms", std::to_string(settings_.transaction_timeout_ms));
  for (const auto& [k, v] : settings_.producer_properties) set(pc, k, v);
  rd_kafka_conf_set_log_cb(pc, kafka_log);
  producer_ = rd_kafka_new(RD_KAFKA_PRODUCER, pc, err, sizeof err);
  if (!producer_) {
    rd_kafka_conf_destroy(pc);
    fatal(std::string("enricher producer: ") + err);
  }

  rd_kafka_conf_t* cc = rd_kafka_conf_new();
  set(cc, "bootstrap.servers", settings_.bootstrap_servers);
  set(cc, "group.id", settings_.group_id);
  set(cc, "isolation.level", "read_committed");
  set(cc, "enable.auto.commit", "false");
  set(cc, "enable.auto.offset.store", "false");
  set(cc, "auto.offset.reset", "earliest");
  set(cc, "session.timeout.ms", std::to_string(settings_.session_timeout_ms));
  // The broker answers a fetch when fetch.min.bytes are ready or after fetch.wait.max.ms: under
  // load a few fetches per second instead of one per append (broker CPU); when traffic is light
  // or resumes after a pause, records arrive at most fetch.wait.max.ms late.
  set(cc, "fetch.min.bytes", std::to_string(settings_.fetch_min_bytes));
  set(cc, "fetch.wait.max.ms", std::to_string(settings_.fetch_wait_max_ms));
  // Prefetch bound (librdkafka's default is 64 MiB per consumer): a few hundred ms of raw events
  // at the maximum ingest, so resident memory stays bounded while the enricher catches up.
  set(cc, "queued.max.messages.kbytes", "8192");
  if (settings_.static_membership) set(cc, "group.instance.id", settings_.transactional_id);
  for (const auto& [k, v] : settings_.consumer_properties) set(cc, k, v);
  rd_kafka_conf_set_log_cb(cc, kafka_log);
  rd_kafka_conf_set_rebalance_cb(cc, rebalance_trampoline);
  rd_kafka_conf_set_opaque(cc, this);
  consumer_ = rd_kafka_new(RD_KAFKA_CONSUMER, cc, err, sizeof err);
  if (!consumer_) {
    rd_kafka_conf_destroy(cc);
    fatal(std::string("enricher consumer: ") + err);
  }
  rd_kafka_poll_set_consumer(consumer_);

  // Fences any older producer with this transactional.id and aborts its open transaction.
  // Bounded by init_timeout_ms: without a broker it blocks that long, and the owner (an actor that
  // must also answer a stop request) retries later instead of hanging for commit_timeout_ms.
  if (rd_kafka_error_t* e = rd_kafka_init_transactions(
          producer_, ms(std::min(settings_.init_timeout_ms, settings_.commit_timeout_ms)))) {
    // The message is copied out before the error is destroyed (the operands of one `+` chain are
    // unsequenced: destroying it inside the same expression read freed memory and crashed).
    const std::string why = take_error(e);
    rd_kafka_error_destroy(e);
    fatal("init_transactions (" + settings_.transactional_id + "): " + why);
  }

  rd_kafka_topic_partition_list_t* topics = rd_kafka_topic_partition_list_new(1);
  rd_kafka_topic_partition_list_add(topics, settings_.raw_topic.c_str(), RD_KAFKA_PARTITION_UA);
  const rd_kafka_resp_err_t serr = rd_kafka_subscribe(consumer_, topics);
  rd_kafka_topic_partition_list_destroy(topics);
  if (serr) fatal("subscribe " + settings_.raw_topic + ": " + rd_kafka_err2str(serr));
}

void enricher::on_rebalance(int err, void* partitions) {
  auto* parts = static_cast<rd_kafka_topic_partition_list_t*>(partitions);
  // No transaction is open while polling: the records collected so far for the current batch are
  // dropped (they will be fetched again from the committed offsets by whoever owns them now).
  rebalanced_ = true;
  if (err == RD_KAFKA_RESP_ERR__ASSIGN_PARTITIONS) {
    rd_kafka_assign(consumer_, parts);
  } else {
    rd_kafka_assign(consumer_, nullptr);
  }
}

consumer_error_action classify_consumer_error(int err) {
  switch (static_cast<rd_kafka_resp_err_t>(err)) {
    case RD_KAFKA_RESP_ERR_NO_ERROR:
    case RD_KAFKA_RESP_ERR__PARTITION_EOF:
      return consumer_error_action::ignore;
    case RD_KAFKA_RESP_ERR__FATAL:
      return consumer_error_action::recreate;
    default:
      return consumer_error_action::report;
  }
}

void enricher::drop_batch() {
  for (auto* m : batch_) rd_kafka_message_destroy(m);
  batch_.clear();
}

std::size_t enricher::collect_batch() {
  drop_batch();
  rebalanced_ = false;
  const std::int64_t deadline = now_ms() + settings_.batch_max_wait_ms;
  std::int64_t wait = settings_.poll_timeout_ms;
  while (batch_.size() < settings_.batch_max_events) {
    rd_kafka_message_t* msg = rd_kafka_consumer_poll(consumer_, ms(wait));
    if (rebalanced_) {
      drop_batch();  // collected before the rebalance
      rebalanced_ = false;
    }
    if (msg == nullptr) {
      if (!batch_.empty() || now_ms() >= deadline) break;
      if (wait == settings_.poll_timeout_ms) break;  // idle
      continue;
    }
    if (msg->err) {
      const auto action = classify_consumer_error(msg->err);
      std::string what = rd_kafka_message_errstr(msg);
      rd_kafka_message_destroy(msg);
      if (action == consumer_error_action::recreate) {
        char reason[512] = {};
        rd_kafka_fatal_error(consumer_, reason, sizeof reason);
        fatal("consumer fatal error: " + what +
              (reason[0] ? std::string(" (") + reason + ")" : ""));
      }
      if (action == consumer_error_action::report && observer_)
        observer_->on_error("consumer", what);
      continue;
    }
    batch_.push_back(msg);
    const std::int64_t left = deadline - now_ms();
    if (left <= 0) break;
    wait = left;
  }
  return batch_.size();
}

bool enricher::produce(const std::string& topic, rd_kafka_message_t* src, std::string_view value,
                       std::string& error) {
  for (;;) {
    rd_kafka_headers_t* src_headers = nullptr;
    rd_kafka_headers_t* headers = nullptr;
    if (rd_kafka_message_headers(src, &src_headers) == RD_KAFKA_RESP_ERR_NO_ERROR) {
      headers = rd_kafka_headers_copy(src_headers);
    }
    const rd_kafka_resp_err_t err = rd_kafka_producev(
        producer_, RD_KAFKA_V_TOPIC(topic.c_str()), RD_KAFKA_V_KEY(src->key, src->key_len),
        RD_KAFKA_V_VALUE(const_cast<char*>(value.data()), value.size()),
        RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY), RD_KAFKA_V_HEADERS(headers), RD_KAFKA_V_END);
    if (err == RD_KAFKA_RESP_ERR_NO_ERROR) return true;
    if (headers) rd_kafka_headers_destroy(headers);
    if (err == RD_KAFKA_RESP_ERR__QUEUE_FULL) {
      rd_kafka_poll(producer_, 10);
      continue;
    }
    error = "produce to " + topic + ": " + rd_kafka_err2str(err);
    return false;
  }
}

bool enricher::produce_invalid(rd_kafka_message_t* msg, std::string_view original,
                               std::string_view reason, std::string_view correlation_id,
                               std::string_view received_at, const compiled_schema* schema,
                               std::int32_t schema_id, std::string& error) {
  invalid_record_info info;
  info.reason = reason;
  info.correlation_id = correlation_id;
  info.received_at = received_at;
  if (schema) {
    info.subject = schema->subject();
    info.schema_version = schema->version();
  }
  info.schema_id = schema_id;
  scratch_value_.clear();
  append_invalid_record(scratch_value_, original, errors_, info);
  return produce(settings_.invalid_topic, msg, scratch_value_, error);
}

enricher::record_outcome enricher::process(rd_kafka_message_t* msg, std::string& error) {
  const std::string_view value(static_cast<const char*>(msg->payload), msg->payload ? msg->len : 0);
  std::string_view correlation_id = header(msg, "correlation_id");
  if (correlation_id.empty()) {
    scratch_id_ = "kafka:" + settings_.raw_topic + "/" + std::to_string(msg->partition) + "/" +
                  std::to_string(msg->offset);
    correlation_id = scratch_id_;
  }
  std::string_view received_at = header(msg, "received_at");
  rd_kafka_timestamp_type_t ts_type;
  const std::int64_t record_ms = rd_kafka_message_timestamp(msg, &ts_type);
  if (received_at.empty()) {
    scratch_text_.clear();
    append_rfc3339_us(scratch_text_, record_ms > 0 ? record_ms * 1000 : now_us());
    received_at = scratch_text_;
  }
  errors_.clear();

  const auto framed = parse_confluent_value(value);
  if (!framed) {
    errors_.push_back(
        {"", "wire_format",
         "the value does not start with the Confluent header (0x00 + 4-byte schema id)"});
    return produce_invalid(msg, value, "not_confluent_framed", correlation_id, received_at, nullptr,
                           -1, error)
               ? record_outcome::invalid
               : record_outcome::transient;
  }
  std::shared_ptr<const compiled_schema> schema;
  switch (schemas_.by_id(framed->schema_id, schema, error)) {
    case lookup_status::ok:
      break;
    case lookup_status::unavailable:
      return record_outcome::transient;  // the registry is down: retry the batch later
    case lookup_status::not_found:
      errors_.push_back({"", "schema_id", error});
      return produce_invalid(msg, framed->json, "unknown_schema_id", correlation_id, received_at,
                             nullptr, framed->schema_id, error)
                 ? record_outcome::invalid
                 : record_outcome::transient;
  }

  simdjson::dom::element doc;
  if (auto perr = parser_.parse(framed->json.data(), framed->json.size()).get(doc)) {
    errors_.push_back(
        {"", "json", std::string("not valid JSON: ") + simdjson::error_message(perr)});
    return produce_invalid(msg, framed->json, "not_json", correlation_id, received_at, schema.get(),
                           framed->schema_id, error)
               ? record_outcome::invalid
               : record_outcome::transient;
  }
  if (settings_.validate) {
    auto it = validators_.find(framed->schema_id);
    if (it == validators_.end()) it = validators_.emplace(framed->schema_id, schema).first;
    if (!it->second.validate(doc, errors_)) {
      return produce_invalid(msg, framed->json, "schema_validation", correlation_id, received_at,
                             schema.get(), framed->schema_id, error)
                 ? record_outcome::invalid
                 : record_outcome::transient;
    }
  }
  event_fields fields;
  std::string reason;
  if (!extract_event_fields(doc, fields, reason)) {
    errors_.push_back({"", "enrichment", reason});
    return produce_invalid(msg, framed->json, "enrichment_failed", correlation_id, received_at,
                           schema.get(), framed->schema_id, error)
               ? record_outcome::invalid
               : record_outcome::transient;
  }

  metadata_context ctx;
  ctx.correlation_id = correlation_id;
  ctx.received_at = received_at;
  ctx.received_at_us = record_ms * 1000;
  ctx.processed_at_us = now_us();
  ctx.schema_subject = schema->subject();
  ctx.schema_id = framed->schema_id;
  ctx.schema_version = schema->version() > 0 ? schema->version() : 0;
  ctx.source_topic = settings_.raw_topic;
  ctx.source_partition = msg->partition;
  ctx.source_offset = msg->offset;
  scratch_meta_.clear();
  append_metadata_json(scratch_meta_, ctx, fields, settings_.enrichment);
  scratch_json_.clear();
  if (!append_enriched_event(scratch_json_, framed->json, scratch_meta_)) {
    errors_.push_back({"", "enrichment", "the event is not a JSON object text"});
    return produce_invalid(msg, framed->json, "enrichment_failed", correlation_id, received_at,
                           schema.get(), framed->schema_id, error)
               ? record_outcome::invalid
               : record_outcome::transient;
  }
  scratch_value_.clear();
  append_confluent_value(scratch_value_, settings_.latest_schema_id, scratch_json_);
  return produce(settings_.latest_topic, msg, scratch_value_, error) ? record_outcome::enriched
                                                                     : record_outcome::transient;
}

bool enricher::commit_batch(std::string& error) {
  // The next offset to read, per partition: last offset + 1.
  std::map<std::int32_t, std::int64_t> next;
  for (auto* m : batch_) {
    auto& n = next[m->partition];
    if (m->offset + 1 > n) n = m->offset + 1;
  }
  rd_kafka_topic_partition_list_t* offsets =
      rd_kafka_topic_partition_list_new(static_cast<int>(next.size()));
  for (const auto& [p, o] : next) {
    rd_kafka_topic_partition_list_add(offsets, settings_.raw_topic.c_str(), p)->offset = o;
  }
  rd_kafka_consumer_group_metadata_t* group = rd_kafka_consumer_group_metadata(consumer_);
  rd_kafka_error_t* e = rd_kafka_send_offsets_to_transaction(producer_, offsets, group,
                                                             ms(settings_.commit_timeout_ms));
  rd_kafka_consumer_group_metadata_destroy(group);
  rd_kafka_topic_partition_list_destroy(offsets);
  if (e) {
    const bool is_fatal = rd_kafka_error_is_fatal(e);
    error = "send_offsets_to_transaction: " + take_error(e);
    rd_kafka_error_destroy(e);
    if (is_fatal) fatal(error);
    return false;
  }
  for (int attempt = 0;; ++attempt) {
    e = rd_kafka_commit_transaction(producer_, ms(settings_.commit_timeout_ms));
    if (!e) return true;
    const bool is_fatal = rd_kafka_error_is_fatal(e);
    const bool retriable = rd_kafka_error_is_retriable(e);
    error = "commit_transaction: " + take_error(e);
    rd_kafka_error_destroy(e);
    if (is_fatal) fatal(error);
    if (!retriable || attempt >= 5) return false;  // abortable
  }
}

void enricher::rewind() {
  rd_kafka_topic_partition_list_t* parts = nullptr;
  if (rd_kafka_assignment(consumer_, &parts) != RD_KAFKA_RESP_ERR_NO_ERROR || parts == nullptr) {
    return;
  }
  if (parts->cnt > 0) {
    const auto err = rd_kafka_committed(consumer_, parts, ms(settings_.commit_timeout_ms));
    if (err != RD_KAFKA_RESP_ERR_NO_ERROR) {
      rd_kafka_topic_partition_list_destroy(parts);
      fatal(std::string("rewind: committed offsets unavailable: ") + rd_kafka_err2str(err));
    }
    for (int i = 0; i < parts->cnt; ++i) {
      if (parts->elems[i].offset < 0) parts->elems[i].offset = RD_KAFKA_OFFSET_BEGINNING;
    }
    if (rd_kafka_error_t* e =
            rd_kafka_seek_partitions(consumer_, parts, ms(settings_.commit_timeout_ms))) {
      const std::string msg = "rewind: seek: " + take_error(e);
      rd_kafka_error_destroy(e);
      rd_kafka_topic_partition_list_destroy(parts);
      fatal(msg);
    }
  }
  rd_kafka_topic_partition_list_destroy(parts);
}

void enricher::abort_and_rewind(const std::string& reason) {
  ++aborts_;
  if (observer_) observer_->on_aborted(reason);
  for (int attempt = 0;; ++attempt) {
    rd_kafka_error_t* e = rd_kafka_abort_transaction(producer_, ms(settings_.commit_timeout_ms));
    if (!e) break;
    const bool retriable = rd_kafka_error_is_retriable(e);
    const std::string msg = "abort_transaction: " + take_error(e);
    rd_kafka_error_destroy(e);
    if (!retriable || attempt >= 5) fatal(msg);
  }
  drop_batch();
  rewind();
  std::this_thread::sleep_for(std::chrono::milliseconds(settings_.retry_backoff_ms));
}

void enricher::report_lag() {
  const std::int64_t t = now_ms();
  if (!observer_ || t - last_lag_report_ms_ < 1000) return;
  last_lag_report_ms_ = t;
  rd_kafka_topic_partition_list_t* parts = nullptr;
  if (rd_kafka_assignment(consumer_, &parts) != RD_KAFKA_RESP_ERR_NO_ERROR || parts == nullptr) {
    return;
  }
  if (parts->cnt > 0 && rd_kafka_position(consumer_, parts) == RD_KAFKA_RESP_ERR_NO_ERROR) {
    for (int i = 0; i < parts->cnt; ++i) {
      std::int64_t low = 0, high = 0;
      const auto& el = parts->elems[i];
      if (rd_kafka_get_watermark_offsets(consumer_, el.topic, el.partition, &low, &high) !=
              RD_KAFKA_RESP_ERR_NO_ERROR ||
          high < 0) {
        continue;
      }
      const std::int64_t pos = el.offset >= 0 ? el.offset : low;
      observer_->on_lag(el.partition, high > pos ? high - pos : 0);
    }
  }
  rd_kafka_topic_partition_list_destroy(parts);
}

std::size_t enricher::run_once() {
  if (!consumer_ || !producer_) fatal("enricher not started");
  rd_kafka_poll(producer_, 0);  // serve producer errors/logs
  if (collect_batch() == 0) {
    report_lag();
    return 0;
  }
  if (rd_kafka_error_t* e = rd_kafka_begin_transaction(producer_)) {
    const std::string msg = "begin_transaction: " + take_error(e);
    rd_kafka_error_destroy(e);
    fatal(msg);  // only fails on state errors: the loop is recreated
  }
  std::size_t enriched = 0, invalid = 0;
  std::string error;
  for (auto* msg : batch_) {
    switch (process(msg, error)) {
      case record_outcome::enriched:
        ++enriched;
        break;
      case record_outcome::invalid:
        ++invalid;
        break;
      case record_outcome::transient:
        if (observer_) observer_->on_error("transient", error);
        abort_and_rewind(error);
        return 0;
    }
  }
  if (!commit_batch(error)) {
    if (observer_) observer_->on_error("transaction", error);
    abort_and_rewind(error);
    return 0;
  }
  ++commits_;
  const std::size_t n = batch_.size();
  if (observer_) {
    observer_->on_committed(enriched, invalid);
    // Raw record timestamp (collector produce time) to commit.
    const auto& buckets = enricher_latency_buckets();
    std::fill(latency_increments_.begin(), latency_increments_.end(), 0.0);
    double sum = 0;
    const std::int64_t t = now_ms();
    for (auto* m : batch_) {
      rd_kafka_timestamp_type_t tt;
      const std::int64_t ts = rd_kafka_message_timestamp(m, &tt);
      if (ts <= 0) continue;
      const double s = double(t - ts) / 1000.0;
      sum += s;
      std::size_t i = 0;
      while (i < buckets.size() && s > buckets[i]) ++i;
      latency_increments_[i] += 1;
    }
    observer_->on_latency(latency_increments_, sum);
  }
  drop_batch();
  report_lag();
  return n;
}

void enricher::run(const std::atomic<bool>& stop) {
  while (!stop.load(std::memory_order_relaxed)) run_once();
}

void enricher::close() {
  if (closed_) return;
  closed_ = true;
  drop_batch();
  // The trap: destroy everything taken from the consumer (group metadata, partition lists,
  // messages) before rd_kafka_destroy, else it blocks for ever. All are scoped above.
  if (consumer_) {
    rd_kafka_consumer_close(consumer_);
    rd_kafka_destroy(consumer_);
    consumer_ = nullptr;
  }
  if (producer_) {
    // No transaction is open between cycles; anything left was not committed and is aborted by
    // the broker (or by the next init_transactions with this transactional.id).
    rd_kafka_flush(producer_, 2000);
    rd_kafka_destroy(producer_);
    producer_ = nullptr;
  }
}

}  // namespace clickstream
