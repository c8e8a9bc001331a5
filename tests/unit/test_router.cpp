#include <catch2/catch.hpp>

#include <nlohmann/json.hpp>

#include <fstream>
#include <sstream>

#include "runtime/batch_parser.hpp"
#include "runtime/collect_batch.hpp"
#include "runtime/records.hpp"
#include "runtime/router.hpp"
#include "runtime/schema_validator.hpp"
#include "tests/unit/shared_data.hpp"

using namespace clickstream;

namespace {

using test::repo_schema;

std::shared_ptr<collect_batch> batch_of(std::string body) {
  return std::make_shared<collect_batch>(std::move(body), "cid-1", "2026-11-25T10:00:00.000000Z",
                                         std::make_shared<batch_completion>(), std::nullopt);
}

const std::string good_anon =
    R"({"id": 1, "type": "search", "event": {"user-agent": "UA", "ip": "1.2.3.4", )"
    R"("customer-id": null, "timestamp": "2022-04-28T07:38:46.290271", "query": "q"}})";
const std::string good_known =
    R"({"id":2,"type":"page_view","event":{"user-agent":"UA","ip":"1.2.3.4",)"
    R"("customer-id":2868,"timestamp":"2022-04-28T07:38:46","page":"https://shop/x"}})";
const std::string bad = R"({"id": -1, "type": "search", "event": {"customer-id": 9}})";

}  // namespace

TEST_CASE("router: valid events framed with the schema id, invalid ones documented", "[router]") {
  event_validator validator{repo_schema()};
  batch_parser parser;
  auto b = batch_of("[" + good_anon + ",\n " + bad + " , " + good_known + "]");
  std::vector<event_span> events;
  std::string msg;
  REQUIRE(parser.parse(b->body, events, msg) == batch_error::none);
  route_scratch scratch;
  route_stats stats;
  route_events(events, validator, *b, scratch, stats);

  CHECK(stats.accepted == 2);
  CHECK(stats.rejected == 1);
  CHECK(b->summary.accepted == 2);
  CHECK(b->summary.rejected == 1);
  REQUIRE(stats.invalid_by_keyword.size() == 1);
  REQUIRE(b->records.size() == 3);

  const auto& r0 = b->records[0];
  CHECK(r0.topic == topic_kind::raw);
  auto v0 = b->value(r0);
  REQUIRE(v0.size() == good_anon.size() + 5);
  CHECK(v0.substr(0, 5) == std::string_view{"\0\0\0\0\x11", 5});  // 0x00 + id 17 big-endian
  CHECK(v0.substr(5) == good_anon);                               // bytes exactly as received
  CHECK(b->key(r0).substr(0, 5) == "anon-");

  const auto& r2 = b->records[2];
  CHECK(r2.topic == topic_kind::raw);
  CHECK(b->value(r2).substr(5) == good_known);
  CHECK(b->key(r2) == "2868");

  const auto& r1 = b->records[1];
  CHECK(r1.topic == topic_kind::invalid);
  CHECK(b->key(r1) == "9");
  auto doc = nlohmann::json::parse(b->value(r1));
  CHECK(doc["original"] == bad);
  CHECK(doc["correlation_id"] == "cid-1");
  CHECK(doc["received_at"] == "2026-11-25T10:00:00.000000Z");
  CHECK(doc["schema"]["id"] == 17);
  CHECK(doc["schema"]["version"] == 4);
  CHECK(doc["event_index"] == 1);
  CHECK(doc["reason"] == "schema_validation");
  REQUIRE(doc["errors"].size() >= 2);
  for (const auto& e : doc["errors"]) {
    CHECK(e.contains("pointer"));
    CHECK(e.contains("keyword"));
    CHECK(e.contains("message"));
  }
}

TEST_CASE("router: a request failing as a whole is one invalid record", "[router]") {
  auto b = batch_of("{\"not\": \"an array\"}");
  route_request_failure("not_array", "body must be a JSON array", "subj-value", *b);
  REQUIRE(b->records.size() == 1);
  CHECK(b->records[0].topic == topic_kind::invalid);
  CHECK(b->key(b->records[0]).empty());
  auto doc = nlohmann::json::parse(b->value(b->records[0]));
  CHECK(doc["original"] == "{\"not\": \"an array\"}");
  CHECK(doc["reason"] == "not_array");
  CHECK(doc["event_index"].is_null());
  CHECK(doc["schema"]["subject"] == "subj-value");
  CHECK(b->summary.request_error == "not_array");
  CHECK(b->summary.request_error_message == "body must be a JSON array");
}
