// libFuzzer target: batch_parser::parse on arbitrary bodies.
// Checks, besides ASan/UBSan: an error always comes with a message; on success every event span
// lies inside the body, spans are in order and do not overlap, each span is valid JSON on its own
// with the same type as its DOM element; the UTF-8 check agrees with simdjson's.
#include <simdjson.h>

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "fuzz_check.hpp"
#include "runtime/batch_parser.hpp"

using namespace clickstream;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static batch_parser parser{batch_limits{}};
  static simdjson::dom::parser reparser;
  static std::vector<event_span> events;
  static std::string message;

  const std::string_view body(reinterpret_cast<const char*>(data), size);
  FUZZ_CHECK(is_valid_utf8(body) == simdjson::validate_utf8(body.data(), body.size()));

  const batch_error err = parser.parse(body, events, message);
  if (err != batch_error::none) {
    FUZZ_CHECK(events.empty());
    FUZZ_CHECK(!message.empty());
    FUZZ_CHECK(to_string(err) != "unknown");
    return 0;
  }
  FUZZ_CHECK(events.size() <= parser.limits().max_events);
  const char* prev_end = body.data();
  for (const auto& span : events) {
    FUZZ_CHECK(!span.raw.empty());
    FUZZ_CHECK(span.raw.data() >= prev_end);
    FUZZ_CHECK(span.raw.data() + span.raw.size() <= body.data() + body.size());
    prev_end = span.raw.data() + span.raw.size();
    simdjson::dom::element again;
    FUZZ_CHECK(reparser.parse(span.raw.data(), span.raw.size(), true).get(again) ==
               simdjson::SUCCESS);
    FUZZ_CHECK(again.type() == span.element.type());
  }
  return 0;
}
