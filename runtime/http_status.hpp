// HTTP answers of the collector as pure functions: which status, which JSON body, Retry-After.
// The receiver actor only moves bytes; every decision about codes lives here and is unit-tested.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace clickstream {

/// What happened to a batch after the body was read (filled by validator, producer, tracker).
enum class delivery_status {
  ok,           ///< every record acknowledged by Kafka
  queue_full,   ///< librdkafka's bounded queue refused a record
  unavailable,  ///< no broker reachable / topic missing
  failed,       ///< a delivery report carried a permanent error
  timeout,      ///< no acknowledgement before the request deadline
  internal,     ///< the batch was dropped inside the service (crashed worker)
  not_ready,    ///< no schema loaded yet
};

std::string_view to_string(delivery_status s);

struct http_answer {
  int status = 200;
  std::string body;                ///< always a JSON document
  std::int64_t retry_after_s = 0;  ///< > 0: send a Retry-After header
  bool close_connection = false;   ///< the request body was not read: close afterwards
};

/// A batch's outcome, the input of collect_answer().
struct collect_result {
  std::string correlation_id;
  /// Empty when the body was a JSON array; else the reason code (batch_error name) of a request
  /// that failed as a whole, e.g. "not_json".
  std::string request_error;
  std::string request_error_message;
  std::size_t accepted = 0;
  std::size_t rejected = 0;
  delivery_status status = delivery_status::ok;
  std::string detail;  ///< e.g. the librdkafka error text
};

/// `application/json`, optionally with parameters (`; charset=utf-8`), case-insensitive.
/// A charset other than utf-8 is refused.
bool is_json_content_type(std::string_view content_type);

/// {"error": code, "message": message} with the given status.
http_answer json_error(int status, std::string_view code, std::string_view message,
                       std::int64_t retry_after_s = 0);

/// Checks that run before the body is read, in this order: content type (415), declared length
/// (413), readiness (503), batches-in-flight slot (429). nullopt: go on and read the body.
struct precheck_input {
  std::string_view content_type;
  std::optional<std::size_t> content_length;  ///< nullopt: chunked / not declared
  std::size_t max_body_bytes = 0;
  bool schema_loaded = true;
  bool kafka_reachable = true;
  bool slot_acquired = true;
  std::int64_t retry_after_s = 1;
};
std::optional<http_answer> precheck_collect(const precheck_input& in);

/// Status for a request that failed as a whole: 413 for too_large, else 400.
int status_for_request_error(std::string_view request_error);

/// The final answer of POST /collect.
http_answer collect_answer(const collect_result& r, std::int64_t retry_after_s);

}  // namespace clickstream
