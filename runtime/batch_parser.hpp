// Parses a POST /collect body (a JSON array of events) once with simdjson's DOM and splits it into
// per-event spans: the element's bytes exactly as received plus its parsed DOM element.
#pragma once

#include <simdjson.h>

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace clickstream {

struct batch_limits {
  std::size_t max_body_bytes = 1 << 20;  // larger bodies: too_large (HTTP 413)
  std::size_t max_events = 1000;         // more top-level elements: too_many_events
  // Nesting depth in value levels (simdjson's max_depth): the top-level array is level 1, an event
  // level 2, its members level 3, and so on (a scalar counts as a level). Deeper bodies: too_deep.
  std::size_t max_depth = 64;
  // After a body larger than this, the simdjson buffers (about 15x the body size) are released at
  // the next parse of a smaller body, so one big request does not pin memory for ever.
  std::size_t retain_capacity = 256 * 1024;
};

enum class batch_error {
  none,
  empty_body,
  invalid_utf8,
  not_json,
  not_array,
  too_deep,
  too_many_events,
  too_large
};

// Stable machine reason: "none", "empty_body", "invalid_utf8", "not_json", "not_array", "too_deep",
// "too_many_events", "too_large".
std::string_view to_string(batch_error e) noexcept;

struct event_span {
  std::string_view raw;            // the element's bytes exactly as received (a view into the body)
  simdjson::dom::element element;  // the parsed DOM element (valid until the next parse)
};

// One per validator actor: reuses simdjson's buffers between requests. Not thread-safe.
class batch_parser {
 public:
  explicit batch_parser(batch_limits limits = {});

  // Parses the body ONCE. On success fills `events` (cleared first) and returns none. On failure
  // returns the error and sets `message` to a clear human sentence. `events` views point into
  // `body` (raw) and into this parser (element): both valid until the next call and while `body`
  // lives.
  batch_error parse(std::string_view body, std::vector<event_span>& events, std::string& message);

  const batch_limits& limits() const noexcept { return limits_; }

 private:
  batch_limits limits_;
  simdjson::dom::parser parser_;
};

// Offset of the first byte that is not part of valid UTF-8, or npos when `s` is valid UTF-8.
std::size_t first_invalid_utf8(std::string_view s) noexcept;
inline bool is_valid_utf8(std::string_view s) noexcept {
  return first_invalid_utf8(s) == std::string_view::npos;
}

}  // namespace clickstream
