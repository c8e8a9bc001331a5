// Kafka record encoding for the collector: Confluent wire-format values, visitor keys, the
// invalid-topic document, correlation ids, RFC 3339 timestamps and JSON string escaping.
#pragma once

#include <simdjson.h>

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "runtime/schema_validator.hpp"

namespace clickstream {

// ---- Confluent wire format: byte 0x00, 4-byte big-endian schema id, then the payload bytes.
constexpr std::size_t confluent_header_size = 5;
void append_confluent_value(std::string& out, std::int32_t schema_id, std::string_view json);
std::string confluent_value(std::int32_t schema_id, std::string_view json);
// The 5 header bytes alone (for zero-copy assembly of a record from header + event bytes).
void write_confluent_header(char* out5, std::int32_t schema_id) noexcept;

struct confluent_view {
  std::int32_t schema_id;
  std::string_view json;  // a view into the value
};
// nullopt if the value is shorter than 5 bytes or does not start with the magic byte 0x00.
std::optional<confluent_view> parse_confluent_value(std::string_view value) noexcept;

// ---- Visitor key (the Kafka record key of raw/invalid/latest records).
// `customer-id` as decimal text when it is a non-negative integer; else "anon-" + 16 lowercase hex
// digits of FNV-1a 64 of ip + "\n" + user-agent when both are strings; else "" (not derivable).
// The fields are read from the event's "event" object. `out` is cleared first.
void visitor_key(simdjson::dom::element event, std::string& out);
std::string visitor_key(simdjson::dom::element event);

// FNV-1a 64-bit (offset basis 0xcbf29ce484222325, prime 0x100000001b3).
std::uint64_t fnv1a64(std::string_view data, std::uint64_t hash = 0xcbf29ce484222325ULL) noexcept;

// ---- The invalid-topic value, one JSON object:
// {"original": "<payload as text>", "original_encoding": "utf8"|"base64",
//  "errors": [{"pointer","keyword","message"}...], "reason": "<machine reason>",
//  "correlation_id": "...", "received_at": "<RFC 3339>",
//  "schema": {"subject","version","id"} (members null when unknown), "event_index": N or null}
// The original is base64-encoded when its bytes are not valid UTF-8. When the document would exceed
// info.max_bytes, the original is cut (at a UTF-8 boundary) and two members are added:
// "original_truncated": true, "original_bytes": <size of the whole original>.
// The largest record value the collector writes. librdkafka refuses messages over its
// message.max.bytes (default 1,000,000) and the broker batches over max.message.bytes (default
// 1,048,588), and a refused record could never be stored: the request would get 503 on every retry.
// A valid event whose framed value is larger goes to the invalid topic instead (reason
// "record_too_large"), and an invalid-topic document is kept under this size by cutting its
// "original" (then marked "original_truncated": true with "original_bytes": the full size).
constexpr std::size_t max_record_bytes = 900 * 1000;

struct invalid_record_info {
  std::string_view reason;  // "schema_validation", "not_json", "not_array", "too_deep", ...
  std::string_view correlation_id;
  std::string_view received_at;      // RFC 3339, e.g. from format_rfc3339_utc
  std::string_view subject;          // "" -> null
  std::int32_t schema_version = -1;  // < 0 -> null
  std::int32_t schema_id = -1;       // < 0 -> null
  long event_index = -1;             // index of the event in its batch; < 0 -> null (whole body)
  std::size_t max_bytes = max_record_bytes;  // the document is cut to fit (see max_record_bytes)
};
void append_invalid_record(std::string& out, std::string_view original,
                           const std::vector<validation_error>& errors,
                           const invalid_record_info& info);
std::string invalid_record(std::string_view original, const std::vector<validation_error>& errors,
                           const invalid_record_info& info);

// ---- Identifiers and time.
// A random UUID version 4, lowercase "xxxxxxxx-xxxx-4xxx-[89ab]xxx-xxxxxxxxxxxx" (thread_local PRNG
// seeded from std::random_device).
std::string new_correlation_id();
void new_correlation_id(std::string& out);

// "2026-11-25T17:27:02.123456Z" (UTC, microseconds).
std::string format_rfc3339_utc(std::chrono::system_clock::time_point t);
void append_rfc3339_utc(std::string& out, std::chrono::system_clock::time_point t);
// Microseconds since the Unix epoch, for record headers and metrics.
std::int64_t to_unix_micros(std::chrono::system_clock::time_point t) noexcept;

// ---- JSON text.
// Escapes `s` as the contents of a JSON string (without the quotes): '"', '\\' and control
// characters; other bytes are copied as they are (give it valid UTF-8).
std::string json_escape(std::string_view s);
// Appends `s` as a quoted JSON string.
void append_json_string(std::string& out, std::string_view s);

// Standard base64 (RFC 4648, with padding).
void append_base64(std::string& out, std::string_view data);

}  // namespace clickstream
