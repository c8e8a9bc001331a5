// Metadata building and the enriched event: every real sample event enriched, re-parsed, checked
// field by field and validated against schemas/acme.clickstream.latest.events.json.
#include <catch2/catch.hpp>

#include "tests/unit/shared_data.hpp"

#include <fstream>
#include <sstream>
#include <string>

#include <simdjson.h>
#include <nlohmann/json.hpp>

#include "runtime/metadata.hpp"
#include "runtime/schema_validator.hpp"

using namespace clickstream;

namespace {

nlohmann::json load_json(const std::string& path) {
  std::ifstream in(path);
  REQUIRE(in);
  return nlohmann::json::parse(in);
}

metadata_context sample_context() {
  metadata_context ctx;
  ctx.correlation_id = "c0ffee-01";
  ctx.received_at = "2026-11-25T17:40:00.123Z";  // the raw record's header
  ctx.received_at_us = 1764092400123456;         // 2025-11-25T17:40:00.123456Z
  ctx.processed_at_us = 1764092400200000;
  ctx.schema_subject = "acme.clickstream.raw.events-value";
  ctx.schema_id = 7;
  ctx.schema_version = 2;
  ctx.source_topic = "acme.clickstream.raw.events";
  ctx.source_partition = 3;
  ctx.source_offset = 12345;
  return ctx;
}

std::string enrich(simdjson::dom::parser& parser, std::string_view raw, const metadata_context& ctx,
                   std::string& error) {
  simdjson::dom::element doc;
  if (parser.parse(raw.data(), raw.size()).get(doc) != simdjson::SUCCESS) {
    error = "parse";
    return {};
  }
  event_fields fields;
  if (!extract_event_fields(doc, fields, error)) return {};
  std::string meta;
  append_metadata_json(meta, ctx, fields, enrichment_options{});
  std::string out;
  if (!append_enriched_event(out, raw, meta)) error = "splice";
  return out;
}

}  // namespace

TEST_CASE("metadata: one event, every field", "[metadata]") {
  const std::string raw =
      R"({"id": 452437, "type": "page_view", "event": {"user-agent": "Mozilla/5.0 (iPod; U; CPU iPhone OS 4_3 like Mac OS X; br-FR) AppleWebKit/533.34.2 (KHTML, like Gecko) Version/4.0.5 Mobile/8B111 Safari/6533.34.2", "ip": "121.225.65.59", "customer-id": 2868, "timestamp": "2022-04-28T23:59:59.999999", "page": "https://xcc-webshop.com/products/55", "referrer": "https://www.google.com/search?q=a"}})";
  simdjson::dom::parser parser;
  std::string error;
  const std::string out = enrich(parser, raw, sample_context(), error);
  REQUIRE(error.empty());
  // The original bytes are kept verbatim, the metadata is appended as the last member.
  CHECK(out.compare(0, raw.size() - 1, raw, 0, raw.size() - 1) == 0);
  const auto j = nlohmann::json::parse(out);
  const auto& m = j.at("metadata");
  CHECK(j.at("id") == 452437);
  CHECK(m.at("correlation_id") == "c0ffee-01");
  CHECK(m.at("received_at") == "2026-11-25T17:40:00.123Z");
  CHECK(m.at("processed_at") == "2025-11-25T17:40:00.200000Z");
  CHECK(m.at("schema") ==
        nlohmann::json::parse(
            R"({"subject":"acme.clickstream.raw.events-value","id":7,"version":2})"));
  CHECK(m.at("source") ==
        nlohmann::json::parse(
            R"({"topic":"acme.clickstream.raw.events","partition":3,"offset":12345})"));
  CHECK(m.at("event_date") == "2022-04-28");
  CHECK(m.at("customer") == nlohmann::json::parse(R"({"logged_in":true,"id":2868})"));
  CHECK(m.at("user_agent") ==
        nlohmann::json::parse(R"({"browser_family":"Mobile Safari","browser_version":"4.0.5",
        "os_family":"iOS","os_version":"4.3","device_class":"mobile","is_bot":false})"));
  CHECK(m.at("referrer") ==
        nlohmann::json::parse(R"({"class":"search","host":"www.google.com","name":"Google"})"));
  CHECK(m.at("page") == nlohmann::json::parse(R"({"host":"xcc-webshop.com","path":"/products/55",
        "kind":"product","category_id":null,"product_id":55})"));
}

TEST_CASE("metadata: anonymous search event without page or referrer", "[metadata]") {
  const std::string raw =
      R"({"id": 1, "type": "search", "event": {"user-agent": "curl/8.0", "ip": "1.2.3.4", "customer-id": null, "timestamp": "2022-04-29T00:00:00", "query": "a \"quoted\"\\ query"}})";
  simdjson::dom::parser parser;
  std::string error;
  auto ctx = sample_context();
  ctx.correlation_id = "needs \"escaping\"\n";
  ctx.schema_version = 0;
  ctx.received_at = "bogus\"header";
  const std::string out = enrich(parser, raw, ctx, error);
  REQUIRE(error.empty());
  const auto j = nlohmann::json::parse(out);
  const auto& m = j.at("metadata");
  CHECK(j.at("event").at("query") == "a \"quoted\"\\ query");
  CHECK(m.at("correlation_id") == "needs \"escaping\"\n");
  CHECK(m.at("schema").at("version").is_null());
  CHECK(m.at("received_at") == "2025-11-25T17:40:00.123456Z");  // no header text: the fallback
  CHECK(m.at("event_date") == "2022-04-29");
  CHECK(m.at("customer") == nlohmann::json::parse(R"({"logged_in":false,"id":null})"));
  CHECK(m.at("user_agent").at("is_bot") == true);
  CHECK(m.at("user_agent").at("device_class") == "bot");
  CHECK(m.at("referrer") == nlohmann::json::parse(R"({"class":"none","host":null,"name":null})"));
  CHECK(m.at("page").is_null());
}

TEST_CASE("metadata: events the enricher cannot enrich give a clear reason", "[metadata]") {
  simdjson::dom::parser parser;
  const auto ctx = sample_context();
  const char* bad[][2] = {
      {R"([1,2])", "not a JSON object"},
      {R"({"id":1})", "/event"},
      {R"({"event":{"timestamp":"2022-04-28T00:00:00"}})", "/event/user-agent"},
      {R"({"event":{"user-agent":"x"}})", "/event/timestamp"},
      {R"({"event":{"user-agent":"x","timestamp":"2022-13-01T00:00:00"}})", "/event/timestamp"},
      {R"({"event":{"user-agent":"x","timestamp":"2022-04-28T00:00:00","customer-id":"7"}})",
       "/event/customer-id"},
      {R"({"event":{"user-agent":"x","timestamp":"2022-04-28T00:00:00","page":5}})", "/event/page"},
      {R"({"metadata":{},"event":{"user-agent":"x","timestamp":"2022-04-28T00:00:00"}})",
       "metadata"},
  };
  for (const auto& b : bad) {
    std::string error;
    INFO(b[0]);
    CHECK(enrich(parser, b[0], ctx, error).empty());
    CHECK(error.find(b[1]) != std::string::npos);
  }
}

TEST_CASE("metadata: splice into the original object bytes", "[metadata]") {
  std::string out;
  CHECK(append_enriched_event(out, R"(  {"a":1}  )", "{}"));
  CHECK(out == R"({"a":1,"metadata":{}})");
  out.clear();
  CHECK(append_enriched_event(out, "{ \n }", R"({"x":1})"));
  CHECK(out == "{ \n \"metadata\":{\"x\":1}}");
  CHECK(nlohmann::json::parse(out).at("metadata").at("x") == 1);
  out.clear();
  CHECK_FALSE(append_enriched_event(out, "[1]", "{}"));
  CHECK_FALSE(append_enriched_event(out, "{", "{}"));
  CHECK_FALSE(append_enriched_event(out, "", "{}"));
  CHECK(out.empty());
}

TEST_CASE("metadata: RFC 3339 and JSON text helpers", "[metadata]") {
  std::string s;
  append_rfc3339_us(s, 0);
  CHECK(s == "1970-01-01T00:00:00.000000Z");
  s.clear();
  append_rfc3339_us(s, -1);
  CHECK(s == "1969-12-31T23:59:59.999999Z");
  s.clear();
  append_json_text(s, std::string("a\x01\tb", 4));
  CHECK(s == R"("a\u0001\tb")");
}

TEST_CASE("latest schema: the raw rules are repeated unchanged, metadata is required",
          "[metadata][schema]") {
  const auto raw = load_json(CLICKSTREAM_SOURCE_DIR "/schemas/acme.clickstream.raw.events.json");
  const auto latest =
      load_json(CLICKSTREAM_SOURCE_DIR "/schemas/acme.clickstream.latest.events.json");
  for (const auto& [key, value] : raw.at("properties").items()) {
    INFO(key);
    CHECK(latest.at("properties").at(key) == value);
  }
  CHECK(latest.at("allOf") == raw.at("allOf"));
  CHECK(latest.at("properties").size() == raw.at("properties").size() + 1);
  auto required = raw.at("required");
  required.push_back("metadata");
  CHECK(latest.at("required") == required);
}

TEST_CASE("metadata: every real sample event, enriched, is valid under the latest schema",
          "[metadata][schema]") {
  std::ifstream in(clickstream::test::shared_data_file("sample-events.jsonl"));
  if (!in) {
    WARN("sample not found; skipped");
    return;
  }
  const auto schema_doc =
      load_json(CLICKSTREAM_SOURCE_DIR "/schemas/acme.clickstream.latest.events.json");
  event_validator validator(
      compiled_schema::compile(schema_doc.dump(), 2, 1, "acme.clickstream.latest.events-value"));
  simdjson::dom::parser out_parser;
  std::vector<validation_error> errors;

  simdjson::dom::parser parser;
  std::string line;
  int n = 0;
  auto ctx = sample_context();
  while (std::getline(in, line)) {
    if (line.empty()) continue;
    std::string error;
    ctx.source_offset = n;
    const std::string out = enrich(parser, line, ctx, error);
    INFO(line << "\n" << error);
    REQUIRE(error.empty());
    const auto j = nlohmann::json::parse(out);
    errors.clear();
    const bool ok = validator.validate(out_parser.parse(out), errors);
    std::string reasons;
    for (const auto& e : errors) reasons += e.pointer + " " + e.keyword + ": " + e.message + "; ";
    INFO(out << "\n" << reasons);
    CHECK(ok);
    // The original members are unchanged.
    auto original = nlohmann::json::parse(line);
    auto stripped = j;
    stripped.erase("metadata");
    CHECK(stripped == original);
    const auto& m = j.at("metadata");
    CHECK(m.at("event_date") ==
          original.at("event").at("timestamp").get<std::string>().substr(0, 10));
    CHECK(m.at("customer").at("logged_in") == !original.at("event").at("customer-id").is_null());
    ++n;
  }
  CHECK(n == 1178);
}

TEST_CASE("latest schema: an enriched event without metadata or with a wrong one is invalid",
          "[metadata][schema]") {
  const auto schema_doc =
      load_json(CLICKSTREAM_SOURCE_DIR "/schemas/acme.clickstream.latest.events.json");
  event_validator validator(compiled_schema::compile(schema_doc.dump(), 2, 1, "latest"));
  simdjson::dom::parser parser;
  std::vector<validation_error> errors;
  const std::string event =
      R"({"id": 1, "type": "search", "event": {"user-agent": "x", "ip": "1.2.3.4", "customer-id": null, "timestamp": "2022-04-29T00:00:00", "query": "q"}})";
  CHECK_FALSE(validator.validate(parser.parse(event), errors));
  std::string error;
  std::string good = enrich(parser, event, sample_context(), error);
  REQUIRE(error.empty());
  errors.clear();
  CHECK(validator.validate(parser.parse(good), errors));
  auto j = nlohmann::json::parse(good);
  j["metadata"]["event_date"] = "28/04/2022";
  errors.clear();
  CHECK_FALSE(validator.validate(parser.parse(j.dump()), errors));
}
