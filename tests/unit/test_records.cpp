#include <catch2/catch.hpp>

#include "runtime/batch_parser.hpp"
#include "runtime/records.hpp"

#include <nlohmann/json.hpp>

#include <regex>
#include <set>
#include <string>
#include <thread>
#include <vector>

using namespace clickstream;

namespace {

// Parses `text` and returns the visitor key of its root element.
std::string key_of(const std::string& text) {
  simdjson::dom::parser p;
  simdjson::dom::element e;
  REQUIRE(p.parse(text).get(e) == simdjson::SUCCESS);
  return visitor_key(e);
}

}  // namespace

TEST_CASE("records: Confluent framing bytes", "[records]") {
  const std::string json = R"({"id": 1, "x": "é"})";
  const std::string v = confluent_value(0x01020304, json);
  REQUIRE(v.size() == 5 + json.size());
  CHECK(v[0] == '\0');
  CHECK(static_cast<unsigned char>(v[1]) == 0x01);
  CHECK(static_cast<unsigned char>(v[2]) == 0x02);
  CHECK(static_cast<unsigned char>(v[3]) == 0x03);
  CHECK(static_cast<unsigned char>(v[4]) == 0x04);
  CHECK(v.substr(5) == json);

  std::string out = "prefix";
  append_confluent_value(out, 7, "[]");
  CHECK(out == std::string("prefix\0\0\0\0\x07[]", 13));

  const std::string big = confluent_value(0x7FFFFFFF, "{}");
  CHECK(static_cast<unsigned char>(big[1]) == 0x7F);
  CHECK(static_cast<unsigned char>(big[4]) == 0xFF);
  char header[5];
  write_confluent_header(header, 258);
  CHECK(std::string(header, 5) == std::string("\0\0\0\x01\x02", 5));
}

TEST_CASE("records: Confluent values parse back", "[records]") {
  for (const std::int32_t id : {0, 1, 42, 65536, 0x7FFFFFFF}) {
    const std::string json = R"({"id":)" + std::to_string(id) + "}";
    const std::string v = confluent_value(id, json);
    const auto parsed = parse_confluent_value(v);
    REQUIRE(parsed.has_value());
    CHECK(parsed->schema_id == id);
    CHECK(parsed->json == json);
  }
  const auto empty_payload = parse_confluent_value(std::string("\0\0\0\0\x05", 5));
  REQUIRE(empty_payload.has_value());
  CHECK(empty_payload->schema_id == 5);
  CHECK(empty_payload->json.empty());
  CHECK_FALSE(parse_confluent_value("").has_value());
  CHECK_FALSE(parse_confluent_value(std::string("\0\0\0", 3)).has_value());
  CHECK_FALSE(parse_confluent_value(R"({"id": 1})").has_value());
  CHECK_FALSE(parse_confluent_value(std::string("\x01\0\0\0\x01{}", 7)).has_value());
}

TEST_CASE("records: FNV-1a 64 known values", "[records]") {
  CHECK(fnv1a64("") == 0xcbf29ce484222325ULL);
  CHECK(fnv1a64("a") == 0xaf63dc4c8601ec8cULL);
  CHECK(fnv1a64("foobar") == 0x85944171f73967e8ULL);
  CHECK(fnv1a64("bar", fnv1a64("foo")) == fnv1a64("foobar"));
}

TEST_CASE("records: visitor key", "[records]") {
  SECTION("customer-id when it is a non-negative integer") {
    CHECK(key_of(R"({"event": {"customer-id": 12345, "ip": "1.2.3.4", "user-agent": "UA"}})") ==
          "12345");
    CHECK(key_of(R"({"event": {"customer-id": 0}})") == "0");
    CHECK(key_of(R"({"event": {"customer-id": 18446744073709551615}})") == "18446744073709551615");
  }
  SECTION("a stable hash of ip and user-agent for anonymous visitors") {
    // Known value, computed independently (Python) for the first event of the real sample.
    const std::string e =
        R"({"id": 463469, "type": "search", "event": {"user-agent": "Mozilla/5.0 (iPhone; CPU )"
        R"(iPhone OS 14_2 like Mac OS X) AppleWebKit/532.0 (KHTML, like Gecko) FxiOS/14.7g5052.0 )"
        R"(Mobile/28A193 Safari/532.0", "ip": "200.15.173.55", "customer-id": null, )"
        R"("timestamp": "2022-04-28T07:38:46.290271", "query": "Synchronized didactic task-force"}})";
    CHECK(key_of(e) == "anon-0fa6d8147d224e55");
    // decoded strings are hashed, not the escaped JSON text
    CHECK(
        key_of(
            R"({"event": {"customer-id": null, "ip": "1.2.3.4", "user-agent": "caf\u00e9 \u2603"}})") ==
        "anon-16093a5fbd42afa6");
    CHECK(key_of(
              "{\"event\": {\"ip\": \"1.2.3.4\", \"user-agent\": \"caf\xc3\xa9 \xe2\x98\x83\"}}") ==
          "anon-16093a5fbd42afa6");
    // negative or non-integer customer ids count as anonymous
    CHECK(
        key_of(
            R"({"event": {"customer-id": -5, "ip": "1.2.3.4", "user-agent": "caf\u00e9 \u2603"}})") ==
        "anon-16093a5fbd42afa6");
    CHECK(
        key_of(
            R"({"event": {"customer-id": "7", "ip": "1.2.3.4", "user-agent": "caf\u00e9 \u2603"}})") ==
        "anon-16093a5fbd42afa6");
    CHECK(
        key_of(
            R"({"event": {"customer-id": 1.5, "ip": "1.2.3.4", "user-agent": "caf\u00e9 \u2603"}})") ==
        "anon-16093a5fbd42afa6");
  }
  SECTION("empty when not derivable") {
    CHECK(key_of("5").empty());
    CHECK(key_of("[1]").empty());
    CHECK(key_of(R"({"id": 1})").empty());
    CHECK(key_of(R"({"event": "x"})").empty());
    CHECK(key_of(R"({"event": {"ip": "1.2.3.4"}})").empty());
    CHECK(key_of(R"({"event": {"ip": 5, "user-agent": "UA"}})").empty());
  }
  SECTION("the output buffer is reused and cleared") {
    simdjson::dom::parser p;
    simdjson::dom::element e;
    REQUIRE(p.parse(std::string(R"({"id": 1})")).get(e) == simdjson::SUCCESS);
    std::string out = "stale";
    visitor_key(e, out);
    CHECK(out.empty());
  }
}

TEST_CASE("records: JSON escaping", "[records]") {
  CHECK(json_escape("plain") == "plain");
  CHECK(json_escape("a\"b\\c") == "a\\\"b\\\\c");
  CHECK(json_escape("\n\r\t\b\f") == "\\n\\r\\t\\b\\f");
  CHECK(json_escape(std::string("\x01\x1f\0", 3)) == "\\u0001\\u001f\\u0000");
  CHECK(json_escape("caf\xc3\xa9 /") == "caf\xc3\xa9 /");
  std::string out = "x=";
  append_json_string(out, "say \"hi\"");
  CHECK(out == "x=\"say \\\"hi\\\"\"");
  // round trip through a JSON parser for every byte value below 0x80
  std::string all;
  for (int c = 0; c < 0x80; ++c) all.push_back(static_cast<char>(c));
  std::string doc;
  append_json_string(doc, all);
  CHECK(nlohmann::json::parse(doc).get<std::string>() == all);
}

TEST_CASE("records: base64", "[records]") {
  auto b64 = [](std::string_view s) {
    std::string o;
    append_base64(o, s);
    return o;
  };
  CHECK(b64("") == "");
  CHECK(b64("f") == "Zg==");
  CHECK(b64("fo") == "Zm8=");
  CHECK(b64("foo") == "Zm9v");
  CHECK(b64("foobar") == "Zm9vYmFy");
  CHECK(b64("[\xff\xfe\"x\"]") == "W//+IngiXQ==");
}

TEST_CASE("records: invalid record for a schema failure", "[records]") {
  const std::string original = R"({"id": 1, "type": "nope", "event": {"ip": "a\"b"}})";
  const std::vector<validation_error> errors = {
      {"/type", "enum", "Failed to match against any enum values; got \"nope\""},
      {"/event", "required", "Missing required property 'timestamp'"},
  };
  invalid_record_info info;
  info.reason = "schema_validation";
  info.correlation_id = "0b7e6c1e-3f0a-4c2a-9d5e-1f2a3b4c5d6e";
  info.received_at = "2026-11-25T17:27:02.123456Z";
  info.subject = "acme.clickstream.raw.events-value";
  info.schema_version = 3;
  info.schema_id = 42;
  info.event_index = 4;
  std::string out = "unchanged prefix|";
  append_invalid_record(out, original, errors, info);
  REQUIRE(out.rfind("unchanged prefix|", 0) == 0);
  const auto j = nlohmann::json::parse(out.substr(17));
  CHECK(j.at("original") == original);
  CHECK(j.at("original_encoding") == "utf8");
  REQUIRE(j.at("errors").size() == 2);
  CHECK(j["errors"][0]["pointer"] == "/type");
  CHECK(j["errors"][0]["keyword"] == "enum");
  CHECK(j["errors"][0]["message"] == "Failed to match against any enum values; got \"nope\"");
  CHECK(j["errors"][1]["pointer"] == "/event");
  CHECK(j["errors"][1]["keyword"] == "required");
  CHECK(j.at("reason") == "schema_validation");
  CHECK(j.at("correlation_id") == "0b7e6c1e-3f0a-4c2a-9d5e-1f2a3b4c5d6e");
  CHECK(j.at("received_at") == "2026-11-25T17:27:02.123456Z");
  CHECK(j.at("schema").at("subject") == "acme.clickstream.raw.events-value");
  CHECK(j.at("schema").at("version") == 3);
  CHECK(j.at("schema").at("id") == 42);
  CHECK(j.at("event_index") == 4);
  CHECK(invalid_record(original, errors, info) == out.substr(17));
}

TEST_CASE("records: invalid record for a whole body, unknown schema, non-UTF-8 bytes",
          "[records]") {
  const std::string original = "[\xff\xfe\"x\"]";
  const std::vector<validation_error> errors = {
      {"", "not_json", "body is not valid UTF-8: invalid byte sequence at byte 1"}};
  invalid_record_info info;
  info.reason = "invalid_utf8";
  info.correlation_id = "c";
  info.received_at = "2026-11-25T17:27:02.000000Z";
  const auto j = nlohmann::json::parse(invalid_record(original, errors, info));
  CHECK(j.at("original") == "W//+IngiXQ==");
  CHECK(j.at("original_encoding") == "base64");
  CHECK(j.at("reason") == "invalid_utf8");
  CHECK(j.at("schema").at("subject").is_null());
  CHECK(j.at("schema").at("version").is_null());
  CHECK(j.at("schema").at("id").is_null());
  CHECK(j.at("event_index").is_null());
  REQUIRE(j.at("errors").size() == 1);

  // an empty body and a body with control characters stay valid JSON
  const auto k = nlohmann::json::parse(invalid_record(std::string("\0\x01 {", 4), {}, info));
  CHECK(k.at("original") == std::string("\0\x01 {", 4));
  CHECK(k.at("errors").empty());
  CHECK(nlohmann::json::parse(invalid_record("", {}, info)).at("original") == "");
}

TEST_CASE("records: correlation ids are unique UUID v4 text", "[records]") {
  static const std::regex uuid_v4(
      "^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$");
  std::set<std::string> seen;
  for (int i = 0; i < 10000; ++i) {
    const std::string id = new_correlation_id();
    REQUIRE(std::regex_match(id, uuid_v4));
    seen.insert(id);
  }
  CHECK(seen.size() == 10000);
  // other threads draw from their own generators, still unique
  std::vector<std::string> other(1000);
  std::thread t([&] {
    for (auto& s : other) new_correlation_id(s);
  });
  t.join();
  for (const auto& s : other) {
    CHECK(std::regex_match(s, uuid_v4));
    CHECK(seen.insert(s).second);
  }
}

TEST_CASE("records: RFC 3339 UTC formatting", "[records]") {
  using namespace std::chrono;
  const system_clock::time_point epoch{};
  CHECK(format_rfc3339_utc(epoch) == "1970-01-01T00:00:00.000000Z");
  CHECK(format_rfc3339_utc(epoch + microseconds(1795627622123456LL)) ==
        "2026-11-25T17:27:02.123456Z");
  CHECK(format_rfc3339_utc(epoch + seconds(951782400)) == "2000-02-29T00:00:00.000000Z");
  CHECK(format_rfc3339_utc(epoch + seconds(4107542399LL) + microseconds(999999)) ==
        "2100-02-28T23:59:59.999999Z");
  CHECK(format_rfc3339_utc(epoch - microseconds(1)) == "1969-12-31T23:59:59.999999Z");
  CHECK(to_unix_micros(epoch + microseconds(1795627622123456LL)) == 1795627622123456LL);
  // agrees with gmtime for "now"
  const auto now = system_clock::now();
  const std::string s = format_rfc3339_utc(now);
  const std::time_t tt = system_clock::to_time_t(now);
  std::tm tm{};
  gmtime_r(&tt, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%S", &tm);
  CHECK(s.substr(0, 19) == buf);
  CHECK(s.size() == 27);
  CHECK(s.back() == 'Z');
  std::string out = "t=";
  append_rfc3339_utc(out, epoch);
  CHECK(out == "t=1970-01-01T00:00:00.000000Z");
}

TEST_CASE("records: raw records from a parsed batch carry the exact event bytes", "[records]") {
  batch_parser parser;
  std::vector<event_span> events;
  std::string message;
  const std::string body =
      R"([ {"id": 1, "event": {"customer-id": 9, "ip": "1.1.1.1", "user-agent": "U"}} ,)"
      R"({"id":2,"event":{"customer-id":null,"ip":"1.1.1.1","user-agent":"U"}}])";
  REQUIRE(parser.parse(body, events, message) == batch_error::none);
  REQUIRE(events.size() == 2);
  std::string value, key;
  for (const auto& e : events) {
    value.clear();
    append_confluent_value(value, 3, e.raw);
    const auto back = parse_confluent_value(value);
    REQUIRE(back.has_value());
    CHECK(back->json == e.raw);
    CHECK(back->schema_id == 3);
  }
  visitor_key(events[0].element, key);
  CHECK(key == "9");
  visitor_key(events[1].element, key);
  CHECK(key.rfind("anon-", 0) == 0);
  CHECK(key.size() == 21);
}
