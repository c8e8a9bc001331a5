#include "runtime/router.hpp"

#include "runtime/records.hpp"

namespace clickstream {

void route_stats::count_keyword(std::string_view keyword) {
  for (auto& [k, n] : invalid_by_keyword)
    if (k == keyword) {
      ++n;
      return;
    }
  invalid_by_keyword.emplace_back(std::string{keyword}, 1);
}

namespace {

std::uint32_t u32(std::size_t n) {
  return static_cast<std::uint32_t>(n);
}

void append_key(collect_batch& batch, outbound_record& rec, simdjson::dom::element element,
                route_scratch& scratch) {
  scratch.key.clear();
  visitor_key(element, scratch.key);
  rec.key_offset = u32(batch.arena.size());
  rec.key_size = u32(scratch.key.size());
  batch.arena += scratch.key;
}

}  // namespace

void route_events(const std::vector<event_span>& events, event_validator& validator,
                  collect_batch& batch, route_scratch& scratch, route_stats& stats) {
  const auto& schema = validator.schema();
  // Framed values are one copy of the body plus 5 bytes each; keys are short.
  batch.arena.reserve(batch.arena.size() + batch.body.size() + events.size() * 48);
  batch.records.reserve(batch.records.size() + events.size());
  long index = 0;
  for (const auto& span : events) {
    outbound_record rec;
    scratch.errors.clear();
    append_key(batch, rec, span.element, scratch);
    rec.value_offset = u32(batch.arena.size());
    bool valid = validator.validate(span.element, scratch.errors);
    if (valid && confluent_header_size + span.raw.size() > max_record_bytes) {
      // Valid, but larger than any record Kafka would take (records.hpp, max_record_bytes).
      valid = false;
      scratch.errors.push_back(validation_error{
          "", "record_too_large",
          "event is " + std::to_string(span.raw.size()) +
              " bytes, more than the largest record the collector writes to Kafka (" +
              std::to_string(max_record_bytes - confluent_header_size) + " bytes)"});
    }
    if (valid) {
      rec.topic = topic_kind::raw;
      append_confluent_value(batch.arena, schema.id(), span.raw);
      ++stats.accepted;
    } else {
      rec.topic = topic_kind::invalid;
      invalid_record_info info;
      info.reason = !scratch.errors.empty() && scratch.errors.front().keyword == "record_too_large"
                        ? std::string_view{"record_too_large"}
                        : std::string_view{"schema_validation"};
      info.correlation_id = batch.correlation_id;
      info.received_at = batch.received_at;
      info.subject = schema.subject();
      info.schema_version = schema.version();
      info.schema_id = schema.id();
      info.event_index = index;
      append_invalid_record(batch.arena, span.raw, scratch.errors, info);
      ++stats.rejected;
      stats.count_keyword(scratch.errors.empty()
                              ? std::string_view{"unknown"}
                              : std::string_view{scratch.errors.front().keyword});
    }
    rec.value_size = u32(batch.arena.size() - rec.value_offset);
    batch.records.push_back(rec);
    ++index;
  }
  batch.summary.accepted += stats.accepted;
  batch.summary.rejected += stats.rejected;
}

void route_request_failure(std::string_view reason, std::string_view message,
                           std::string_view subject, collect_batch& batch) {
  std::vector<validation_error> errors;
  errors.push_back(validation_error{"", std::string{reason}, std::string{message}});
  invalid_record_info info;
  info.reason = reason;
  info.correlation_id = batch.correlation_id;
  info.received_at = batch.received_at;
  info.subject = subject;
  outbound_record rec;
  rec.topic = topic_kind::invalid;
  rec.value_offset = u32(batch.arena.size());
  append_invalid_record(batch.arena, batch.body, errors, info);
  rec.value_size = u32(batch.arena.size() - rec.value_offset);
  batch.records.push_back(rec);
  batch.summary.request_error = std::string{reason};
  batch.summary.request_error_message = std::string{message};
}

}  // namespace clickstream
