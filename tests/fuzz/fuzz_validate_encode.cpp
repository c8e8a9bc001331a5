// libFuzzer target: the collector's whole pure path on arbitrary bodies, with the repository's real
// schema: batch_parser::parse, event_validator::validate (fast path and valijson alone, which must
// agree on the verdict and the errors), visitor_key, append_confluent_value, append_invalid_record,
// and the router (route_events / route_request_failure) that assembles them into Kafka records.
// Checks, besides ASan/UBSan: every record is well-formed (framed values decode to the event's
// bytes and the schema id; invalid-topic documents are valid JSON whose "original" gives back the
// exact bytes), keys have one of the documented forms.
#include <simdjson.h>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <fstream>
#include <memory>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

#include "fuzz_check.hpp"
#include "runtime/batch_parser.hpp"
#include "runtime/collect_batch.hpp"
#include "runtime/records.hpp"
#include "runtime/router.hpp"
#include "runtime/schema_validator.hpp"

using namespace clickstream;

namespace {

constexpr std::int32_t schema_id = 0x01020304;  // every byte of the header distinct

std::shared_ptr<const compiled_schema> load_schema() {
  std::ifstream in(CLICKSTREAM_SCHEMA_FILE, std::ios::binary);
  std::ostringstream ss;
  ss << in.rdbuf();
  auto s = compiled_schema::compile(ss.str(), schema_id, 3, "acme.clickstream.raw.events-value");
  FUZZ_CHECK(s->fast() != nullptr);  // the real schema runs on the fast path in production
  return s;
}

std::string base64_decode(std::string_view in) {
  auto val = [](char c) -> int {
    if (c >= 'A' && c <= 'Z') return c - 'A';
    if (c >= 'a' && c <= 'z') return c - 'a' + 26;
    if (c >= '0' && c <= '9') return c - '0' + 52;
    if (c == '+') return 62;
    if (c == '/') return 63;
    return -1;
  };
  std::string out;
  std::uint32_t acc = 0;
  int bits = 0;
  for (char c : in) {
    if (c == '=') break;
    const int v = val(c);
    FUZZ_CHECK(v >= 0);
    acc = (acc << 6) | static_cast<std::uint32_t>(v);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out.push_back(static_cast<char>((acc >> bits) & 0xFF));
    }
  }
  return out;
}

// The invalid-topic document must be JSON and give back `original` exactly.
void check_invalid_record(std::string_view doc, std::string_view original) {
  static simdjson::dom::parser p;
  simdjson::dom::object obj;
  FUZZ_CHECK(p.parse(doc.data(), doc.size(), true).get(obj) == simdjson::SUCCESS);
  std::string_view text, encoding;
  FUZZ_CHECK(obj["original"].get(text) == simdjson::SUCCESS);
  FUZZ_CHECK(obj["original_encoding"].get(encoding) == simdjson::SUCCESS);
  FUZZ_CHECK(doc.size() <= max_record_bytes);
  std::string decoded{text};
  if (encoding != "utf8") {
    FUZZ_CHECK(encoding == "base64");
    decoded = base64_decode(text);
  }
  bool truncated = false;
  if (obj["original_truncated"].get(truncated) == simdjson::SUCCESS && truncated) {
    std::uint64_t full = 0;
    FUZZ_CHECK(obj["original_bytes"].get(full) == simdjson::SUCCESS && full == original.size());
    FUZZ_CHECK(decoded.size() < original.size() && original.substr(0, decoded.size()) == decoded);
  } else {
    FUZZ_CHECK(decoded == original);
  }
  simdjson::dom::array errors;
  FUZZ_CHECK(obj["errors"].get(errors) == simdjson::SUCCESS);
  FUZZ_CHECK(errors.size() >= 1);
}

void check_key(std::string_view key) {
  if (key.empty()) return;
  if (key.substr(0, 5) == "anon-") {
    FUZZ_CHECK(key.size() == 21);
    FUZZ_CHECK(std::all_of(key.begin() + 5, key.end(), [](char c) {
      return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
    }));
    return;
  }
  FUZZ_CHECK(std::all_of(key.begin(), key.end(), [](char c) { return c >= '0' && c <= '9'; }));
}

std::vector<std::string> error_texts(const std::vector<validation_error>& errors) {
  std::vector<std::string> out;
  for (const auto& e : errors) out.push_back(e.pointer + " | " + e.keyword + " | " + e.message);
  std::sort(out.begin(), out.end());
  return out;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const auto schema = load_schema();
  static event_validator fast{schema};
  static event_validator slow = [] {
    event_validator v{schema};
    v.set_fast_path(false);
    return v;
  }();
  static batch_parser parser{batch_limits{}};
  static std::vector<event_span> events;
  static std::string message, out, key;
  static std::vector<validation_error> fast_errors, slow_errors;

  const std::string_view body(reinterpret_cast<const char*>(data), size);
  auto batch = std::make_shared<collect_batch>(std::string{body}, "cid", "2026-11-25T10:00:00Z",
                                               std::make_shared<batch_completion>(), std::nullopt);
  const batch_error err = parser.parse(batch->body, events, message);
  if (err != batch_error::none) {
    route_request_failure(to_string(err), message, schema->subject(), *batch);
    FUZZ_CHECK(batch->records.size() == 1);
    FUZZ_CHECK(batch->records[0].topic == topic_kind::invalid);
    check_invalid_record(batch->value(batch->records[0]), body);
    return 0;
  }

  std::size_t valid = 0;
  for (std::size_t i = 0; i < events.size(); ++i) {
    const auto& span = events[i];
    fast_errors.clear();
    slow_errors.clear();
    const bool by_fast = fast.validate(span.element, fast_errors);
    const bool by_slow = slow.validate(span.element, slow_errors);
    FUZZ_CHECK(by_fast == by_slow);
    FUZZ_CHECK(by_fast == fast_errors.empty());
    FUZZ_CHECK(error_texts(fast_errors) == error_texts(slow_errors));
    valid += by_fast ? 1 : 0;

    visitor_key(span.element, key);
    check_key(key);

    out.clear();
    append_confluent_value(out, schema->id(), span.raw);
    const auto framed = parse_confluent_value(out);
    FUZZ_CHECK(framed && framed->schema_id == schema->id() && framed->json == span.raw);

    if (!by_fast) {
      out.clear();
      invalid_record_info info;
      info.reason = "schema_validation";
      info.correlation_id = "cid";
      info.received_at = "2026-11-25T10:00:00Z";
      info.subject = schema->subject();
      info.schema_version = schema->version();
      info.schema_id = schema->id();
      info.event_index = static_cast<long>(i);
      append_invalid_record(out, span.raw, fast_errors, info);
      check_invalid_record(out, span.raw);
    }
  }

  // The router must build the same records.
  route_scratch scratch;
  route_stats stats;
  route_events(events, fast, *batch, scratch, stats);
  FUZZ_CHECK(batch->records.size() == events.size());
  FUZZ_CHECK(stats.accepted == valid && stats.rejected == events.size() - valid);
  for (std::size_t i = 0; i < events.size(); ++i) {
    const auto& rec = batch->records[i];
    FUZZ_CHECK(std::size_t{rec.value_offset} + rec.value_size <= batch->arena.size());
    FUZZ_CHECK(std::size_t{rec.key_offset} + rec.key_size <= batch->arena.size());
    check_key(batch->key(rec));
    if (rec.topic == topic_kind::raw) {
      const auto framed = parse_confluent_value(batch->value(rec));
      FUZZ_CHECK(framed && framed->json == events[i].raw);
      FUZZ_CHECK(batch->value(rec).size() <= max_record_bytes);
    } else {
      check_invalid_record(batch->value(rec), events[i].raw);
    }
  }
  return 0;
}
