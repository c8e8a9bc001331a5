// Fixes for hostile input found by tests/integration/test_hostile_input.sh (RELIABILITY.md):
// duplicate member names are refused, and no record exceeds max_record_bytes (a larger one would be
// refused by Kafka on every retry: 503 for ever).
#include <catch2/catch.hpp>

#include <nlohmann/json.hpp>

#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "runtime/batch_parser.hpp"
#include "runtime/collect_batch.hpp"
#include "runtime/records.hpp"
#include "runtime/router.hpp"
#include "runtime/schema_validator.hpp"
#include "tests/unit/shared_data.hpp"

using namespace clickstream;

namespace {

using test::repo_schema;

const std::string event_head =
    R"({"id":1,"type":"search","event":{"user-agent":"UA","ip":"1.2.3.4","customer-id":null,)"
    R"("timestamp":"2022-04-28T07:38:46")";

std::vector<validation_error> errors_of(event_validator& v, const std::string& text, bool& ok) {
  simdjson::dom::parser p;
  simdjson::dom::element e;
  REQUIRE(p.parse(text).get(e) == simdjson::SUCCESS);
  std::vector<validation_error> errors;
  ok = v.validate(e, errors);
  return errors;
}

}  // namespace

TEST_CASE("hostile: a member name given twice is refused on both validation paths", "[hostile]") {
  auto schema = repo_schema();
  for (bool fast : {true, false}) {
    event_validator v{schema};
    v.set_fast_path(fast);
    bool ok = true;
    auto errs = errors_of(v, event_head + R"(,"query":"q"},"type":"no_such_type"})", ok);
    CHECK_FALSE(ok);
    REQUIRE(errs.size() == 1);
    CHECK(errs[0].keyword == "duplicate_key");
    CHECK(errs[0].pointer.empty());
    CHECK(errs[0].message.find("\"type\"") != std::string::npos);

    errs = errors_of(v, event_head + R"(,"query":"q","ip":"x"}})", ok);
    CHECK_FALSE(ok);
    REQUIRE(errs.size() == 1);
    CHECK(errs[0].pointer == "/event");

    // deeper: inside an array inside an extra member; many members take the sorting path
    std::string many = event_head + R"(,"query":"q","x":[1,{)";
    for (int i = 0; i < 40; ++i) many += "\"k" + std::to_string(i) + "\":1,";
    many += R"("k7":2}]}})";
    errs = errors_of(v, many, ok);
    CHECK_FALSE(ok);
    REQUIRE(errs.size() == 1);
    CHECK(errs[0].pointer == "/event/x/1");

    // the same names in different objects are fine
    errors_of(v, event_head + R"(,"query":"q","o":{"query":1,"ip":2}}})", ok);
    CHECK(ok);
  }
}

TEST_CASE("hostile: invalid-topic documents stay under max_record_bytes", "[hostile]") {
  invalid_record_info info;
  info.reason = "not_json";
  info.correlation_id = "cid";
  info.received_at = "2026-11-25T10:00:00.000000Z";
  const std::vector<validation_error> errors{{"", "not_json", "body is not valid JSON"}};

  SECTION("a small original is kept whole, without the truncation members") {
    auto doc = nlohmann::json::parse(invalid_record("abc", errors, info));
    CHECK(doc["original"] == "abc");
    CHECK_FALSE(doc.contains("original_truncated"));
  }
  SECTION("1 MB of control bytes (6 MB escaped) is cut, at a sequence boundary, and says so") {
    std::string original(1000 * 1000, '\x01');
    original += "\xc3\xa9";
    const auto text = invalid_record(original, errors, info);
    CHECK(text.size() <= max_record_bytes);
    auto doc = nlohmann::json::parse(text);
    CHECK(doc["original_truncated"] == true);
    CHECK(doc["original_bytes"] == original.size());
    const std::string kept = doc["original"];
    CHECK(kept.size() > 100000);
    CHECK(original.compare(0, kept.size(), kept) == 0);
  }
  SECTION("a UTF-8 text cut never splits a sequence") {
    std::string original;
    while (original.size() < 1000 * 1000) original += "\xe2\x82\xac";  // euro sign, 3 bytes
    const auto text = invalid_record(original, errors, info);
    CHECK(text.size() <= max_record_bytes);
    CHECK(is_valid_utf8(text));
    const std::string kept = nlohmann::json::parse(text)["original"];
    CHECK(kept.size() % 3 == 0);
  }
  SECTION("base64 originals are cut too") {
    std::string original(1000 * 1000, '\xff');
    const auto text = invalid_record(original, errors, info);
    CHECK(text.size() <= max_record_bytes);
    auto doc = nlohmann::json::parse(text);
    CHECK(doc["original_encoding"] == "base64");
    CHECK(doc["original_truncated"] == true);
  }
}

TEST_CASE("hostile: a valid event larger than a Kafka record goes to the invalid topic",
          "[hostile]") {
  event_validator validator{repo_schema()};
  batch_parser parser;
  // valid under the schema (extra members are allowed), 950 kB
  const std::string big =
      event_head + R"(,"query":"q","pad":")" + std::string(950000, 'a') + "\"}}";
  const std::string small = event_head + R"(,"query":"q"}})";
  auto b = std::make_shared<collect_batch>("[" + big + "," + small + "]", "cid", "t",
                                           std::make_shared<batch_completion>(), std::nullopt);
  std::vector<event_span> events;
  std::string msg;
  REQUIRE(parser.parse(b->body, events, msg) == batch_error::none);
  route_scratch scratch;
  route_stats stats;
  route_events(events, validator, *b, scratch, stats);
  CHECK(stats.accepted == 1);
  CHECK(stats.rejected == 1);
  REQUIRE(b->records.size() == 2);
  CHECK(b->records[0].topic == topic_kind::invalid);
  CHECK(b->records[1].topic == topic_kind::raw);
  CHECK(b->value(b->records[0]).size() <= max_record_bytes);
  auto doc = nlohmann::json::parse(b->value(b->records[0]));
  CHECK(doc["reason"] == "record_too_large");
  CHECK(doc["errors"][0]["keyword"] == "record_too_large");
  CHECK(doc["original_truncated"] == true);
  CHECK(doc["original_bytes"] == big.size());
}

TEST_CASE("hostile: the not_json message stays valid UTF-8 when the parser stops mid-character",
          "[hostile]") {
  // Found by tests/fuzz/fuzz_validate_encode: nlohmann's "last read: '1\xce'" quoted half of a
  // two-byte sequence, and the message went into the 400 answer and the invalid-topic document.
  batch_parser parser;
  std::vector<event_span> events;
  std::string msg;
  const std::string body = "1\xce\x95\"d\":{}";
  REQUIRE(parser.parse(body, events, msg) == batch_error::not_json);
  CHECK(is_valid_utf8(msg));
  invalid_record_info info;
  info.reason = "not_json";
  const auto doc = invalid_record(body, {{"", "not_json", msg}}, info);
  CHECK(is_valid_utf8(doc));
  CHECK_NOTHROW(nlohmann::json::parse(doc));
}
