#include "runtime/http_status.hpp"

#include <algorithm>
#include <cctype>

#include "runtime/records.hpp"

namespace clickstream {

std::string_view to_string(delivery_status s) {
  switch (s) {
    case delivery_status::ok:
      return "ok";
    case delivery_status::queue_full:
      return "queue_full";
    case delivery_status::unavailable:
      return "kafka_unavailable";
    case delivery_status::failed:
      return "delivery_failed";
    case delivery_status::timeout:
      return "delivery_timeout";
    case delivery_status::internal:
      return "internal_error";
    case delivery_status::not_ready:
      return "not_ready";
  }
  return "unknown";
}

namespace {

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

bool iequals(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) ==
                  std::tolower(static_cast<unsigned char>(y));
         });
}

}  // namespace

bool is_json_content_type(std::string_view content_type) {
  auto semi = content_type.find(';');
  if (!iequals(trim(content_type.substr(0, semi)), "application/json")) return false;
  while (semi != std::string_view::npos) {
    auto rest = content_type.substr(semi + 1);
    auto next = rest.find(';');
    auto param = trim(rest.substr(0, next));
    auto eq = param.find('=');
    if (eq != std::string_view::npos && iequals(trim(param.substr(0, eq)), "charset")) {
      auto value = trim(param.substr(eq + 1));
      if (value.size() >= 2 && value.front() == '"' && value.back() == '"')
        value = value.substr(1, value.size() - 2);
      if (!iequals(value, "utf-8") && !iequals(value, "utf8")) return false;
    }
    semi = next == std::string_view::npos ? next : semi + 1 + next;
  }
  return true;
}

http_answer json_error(int status, std::string_view code, std::string_view message,
                       std::int64_t retry_after_s) {
  http_answer a;
  a.status = status;
  a.retry_after_s = retry_after_s;
  a.body = "{\"error\":";
  append_json_string(a.body, code);
  a.body += ",\"message\":";
  append_json_string(a.body, message);
  a.body += '}';
  return a;
}

std::optional<http_answer> precheck_collect(const precheck_input& in) {
  if (!is_json_content_type(in.content_type)) {
    std::string msg = "Content-Type must be application/json, got '";
    msg.append(in.content_type.substr(0, 200));
    msg += "'";
    return json_error(415, "unsupported_media_type", msg);
  }
  if (in.content_length && *in.content_length > in.max_body_bytes) {
    auto a = json_error(413, "too_large",
                        "body of " + std::to_string(*in.content_length) +
                            " bytes exceeds the limit of " + std::to_string(in.max_body_bytes) +
                            " bytes (http.max-body-bytes)");
    a.close_connection = true;
    return a;
  }
  if (!in.schema_loaded)
    return json_error(503, "not_ready", "the event schema is not loaded yet (schema registry)",
                      in.retry_after_s);
  if (!in.kafka_reachable)
    return json_error(503, "kafka_unavailable", "no Kafka broker is reachable", in.retry_after_s);
  if (!in.slot_acquired)
    return json_error(429, "too_many_requests",
                      "too many batches in flight (limits.batches-in-flight), retry later",
                      in.retry_after_s);
  return std::nullopt;
}

int status_for_request_error(std::string_view request_error) {
  return request_error == "too_large" ? 413 : 400;
}

http_answer collect_answer(const collect_result& r, std::int64_t retry_after_s) {
  http_answer a;
  if (!r.request_error.empty()) {
    a.status = status_for_request_error(r.request_error);
    a.body = "{\"error\":";
    append_json_string(a.body, r.request_error);
    a.body += ",\"message\":";
    append_json_string(a.body, r.request_error_message);
    a.body += ",\"correlation_id\":";
    append_json_string(a.body, r.correlation_id);
    if (r.status == delivery_status::ok) {
      a.body += ",\"stored\":true}";
    } else {
      a.body += ",\"stored\":false,\"store_error\":";
      std::string why{to_string(r.status)};
      if (!r.detail.empty()) why += ": " + r.detail;
      append_json_string(a.body, why);
      a.body += '}';
    }
    return a;
  }
  if (r.status == delivery_status::ok) {
    a.status = 200;
    a.body = "{\"correlation_id\":";
    append_json_string(a.body, r.correlation_id);
    a.body += ",\"accepted\":" + std::to_string(r.accepted) +
              ",\"rejected\":" + std::to_string(r.rejected) + "}";
    return a;
  }
  std::string msg;
  switch (r.status) {
    case delivery_status::queue_full:
      msg = "the Kafka producer queue is full, retry later";
      break;
    case delivery_status::unavailable:
      msg = "Kafka is unreachable, the batch was not stored";
      break;
    case delivery_status::failed:
      msg = "Kafka refused the batch, it was not (completely) stored";
      break;
    case delivery_status::timeout:
      msg = "Kafka did not acknowledge the batch in time, it may not be stored";
      break;
    case delivery_status::not_ready:
      msg = "the event schema is not loaded yet";
      break;
    default:
      msg = "the batch was lost inside the service, it was not stored";
  }
  if (!r.detail.empty()) msg += " (" + r.detail + ")";
  a = json_error(503, to_string(r.status), msg, retry_after_s);
  a.body.pop_back();
  a.body += ",\"correlation_id\":";
  append_json_string(a.body, r.correlation_id);
  a.body += '}';
  return a;
}

}  // namespace clickstream
