#include <catch2/catch.hpp>

#include "runtime/fast_schema.hpp"
#include "runtime/schema_validator.hpp"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cstdlib>
#include <fstream>
#include <random>
#include <sstream>
#include <string>
#include <vector>

using clickstream::compiled_schema;
using clickstream::event_validator;
using clickstream::fast_schema;
using clickstream::validation_error;

namespace {

std::string slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// The fast path and valijson alone must agree on every instance.
struct differential {
  std::shared_ptr<const compiled_schema> schema;
  event_validator fast{schema};
  event_validator slow{schema};
  simdjson::dom::parser parser;
  std::size_t valid = 0, invalid = 0;

  explicit differential(std::shared_ptr<const compiled_schema> s) : schema(std::move(s)) {
    REQUIRE(schema->fast() != nullptr);
    slow.set_fast_path(false);
  }

  void check(const std::string& text) {
    simdjson::dom::element e;
    if (parser.parse(text).get(e) != simdjson::SUCCESS) return;
    std::vector<validation_error> errs;
    const bool by_valijson = slow.validate(e, errs);
    INFO("instance: " << text);
    if (!by_valijson && errs.size() == 1 && errs[0].keyword == "duplicate_key") {
      // Refused by event_validator before either validator runs, on both paths alike.
      std::vector<validation_error> errs2;
      REQUIRE_FALSE(fast.validate(e, errs2));
      REQUIRE(errs2.size() == 1);
      REQUIRE(errs2[0].pointer == errs[0].pointer);
      ++invalid;
      return;
    }
    const bool by_fast = schema->fast()->valid(e);
    REQUIRE(by_fast == by_valijson);
    std::vector<validation_error> errs2;
    REQUIRE(fast.validate(e, errs2) == by_valijson);
    // same errors (pointer, keyword, message), in any order
    auto text_of = [](std::vector<validation_error> v) {
      std::vector<std::string> out;
      for (const auto& x : v) out.push_back(x.pointer + " | " + x.keyword + " | " + x.message);
      std::sort(out.begin(), out.end());
      return out;
    };
    REQUIRE(text_of(errs2) == text_of(errs));
    (by_valijson ? valid : invalid)++;
  }
};

nlohmann::json random_value(std::mt19937& rng) {
  switch (rng() % 12) {
    case 0:
      return nullptr;
    case 1:
      return rng() % 2 == 0;
    case 2:
      return static_cast<std::int64_t>(rng() % 2000) - 1000;
    case 3:
      return (static_cast<double>(rng() % 2000) - 1000) / 8.0;
    case 4:
      return "";
    case 5:
      return "200.15.173.55";
    case 6:
      return "https://xcc-webshop.com/product/12";
    case 7:
      return "2022-04-28T07:38:46.290271";
    case 8:
      return nlohmann::json::array({1, "a"});
    case 9:
      return nlohmann::json::object({{"k", 1}});
    case 10:
      return std::string(1 + rng() % 3000, 'x');
    default: {
      static const char* types[] = {
          "page_view", "search", "add_product_to_cart", "visit_related_product", "placed_order",
          "unknown",   "Search"};
      return types[rng() % 7];
    }
  }
}

void mutate(nlohmann::json& j, std::mt19937& rng) {
  if (!j.is_object() || j.empty() || rng() % 8 == 0) {
    j = random_value(rng);
    return;
  }
  auto it = j.begin();
  std::advance(it, static_cast<long>(rng() % j.size()));
  switch (rng() % 4) {
    case 0:
      j.erase(it);
      break;
    case 1:
      if (it->is_object()) {
        mutate(*it, rng);
      } else {
        *it = random_value(rng);
      }
      break;
    case 2: {
      static const char* keys[] = {"page",     "query", "product",     "position",
                                   "referrer", "extra", "customer-id", "ip"};
      j[keys[rng() % 8]] = random_value(rng);
      break;
    }
    default:
      *it = random_value(rng);
  }
}

}  // namespace

TEST_CASE("fast_schema: the raw-events schema has a fast path", "[fast_schema]") {
  const auto s = compiled_schema::compile(
      slurp(std::string(CLICKSTREAM_SOURCE_DIR) + "/schemas/acme.clickstream.raw.events.json"), 1,
      1, "raw");
  INFO(s->fast_path_note());
  CHECK(s->fast() != nullptr);
}

TEST_CASE("fast_schema: agrees with valijson on the sample, the fixtures and mutations",
          "[fast_schema]") {
  differential d(compiled_schema::compile(
      slurp(std::string(CLICKSTREAM_SOURCE_DIR) + "/schemas/acme.clickstream.raw.events.json"), 1,
      1, "raw"));
  std::vector<nlohmann::json> seeds;
  const char* env = std::getenv("CLICKSTREAM_SHARED_DATA_DIR");
  std::ifstream sample(std::string(env && *env ? env : CLICKSTREAM_SHARED_DATA_DIR) +
                       "/sample-events.jsonl");
  std::string line;
  std::size_t sample_events = 0;
  while (std::getline(sample, line)) {
    d.check(line);
    seeds.push_back(nlohmann::json::parse(line));
    ++sample_events;
  }
  if (sample_events == 0) WARN("real sample absent: mutating the fixtures only");
  std::ifstream cases(std::string(CLICKSTREAM_SOURCE_DIR) +
                      "/tests/fixtures/schema-invalid-events.jsonl");
  while (std::getline(cases, line)) {
    const auto c = nlohmann::json::parse(line);
    d.check(c.at("event").dump());
    seeds.push_back(c.at("event"));
  }
  std::mt19937 rng(7);
  for (int i = 0; i < 20000; ++i) {
    nlohmann::json j = seeds[rng() % seeds.size()];
    const int edits = 1 + static_cast<int>(rng() % 3);
    for (int k = 0; k < edits; ++k) {
      if (j.is_object() && j.contains("event") && rng() % 3 != 0) {
        mutate(j["event"], rng);
      } else {
        mutate(j, rng);
      }
    }
    d.check(j.dump());
  }
  // texts nlohmann cannot produce: duplicate keys, NUL in strings, huge numbers
  for (
      const char* text : {
          R"({"id": 1, "id": "x", "type": "search", "event": {"user-agent": "U", "ip": "1.1.1.1",)"
          R"( "customer-id": null, "timestamp": "2022-04-28T07:38:46", "query": "q"}})",
          R"({"id": 1, "type": "search", "event": {"user-agent": "\u0000", "ip": "1.1.1.1",)"
          R"( "customer-id": null, "timestamp": "2022-04-28T07:38:46", "query": "q"}})",
          R"({"id": 18446744073709551615, "type": "search", "event": {"user-agent": "U",)"
          R"( "ip": "1.1.1.1", "customer-id": 9223372036854775807, "timestamp": "2022-04-28T07:38:46",)"
          R"( "query": "q"}})",
          R"({"id": 1e2, "type": "search", "event": {}})",
          R"({"id": -0, "type": "page_view", "event": {"user-agent": "U", "ip": "::1",)"
          R"( "customer-id": 0, "timestamp": "2022-04-28T07:38:46.1", "page": "http://x"}})",
      }) {
    d.check(text);
  }
  CHECK(d.valid >= sample_events);
  CHECK(d.invalid > 1000);
}

TEST_CASE("fast_schema: agrees with valijson on other keywords", "[fast_schema]") {
  differential d(compiled_schema::compile(R"({
    "type": "object",
    "required": ["a"],
    "minProperties": 1, "maxProperties": 4,
    "properties": {
      "a": {"type": ["integer", "string"], "minimum": 2, "exclusiveMaximum": 10,
            "minLength": 2, "maxLength": 3, "pattern": "^[a-c]+$"},
      "b": {"enum": [null, true, 1.5, 2, "x"]},
      "c": {"const": 3},
      "d": {"type": "array", "minItems": 1, "maxItems": 2, "items": {"type": "number", "maximum": 5}},
      "e": {"anyOf": [{"type": "string"}, {"minimum": 0}]},
      "f": {"oneOf": [{"type": "integer"}, {"minimum": 0}]},
      "g": {"not": {"type": "null"}},
      "h": {"if": {"type": "string"}, "then": {"minLength": 2}, "else": {"type": "boolean"}},
      "i": {"exclusiveMinimum": 1, "maximum": 3},
      "j": false,
      "k": true,
      "l": {"additionalProperties": {"type": "integer"}, "properties": {"z": {}}},
      "m": {"then": {"type": "string"}, "else": {"type": "integer"}},
      "o": {"if": {"minimum": 3}, "then": {"maximum": 4}}
    },
    "additionalProperties": false
  })",
                                          1, 1, "kw"));
  const std::vector<std::string> values = {"null",
                                           "true",
                                           "false",
                                           "0",
                                           "1",
                                           "2",
                                           "3",
                                           "5",
                                           "10",
                                           "-1",
                                           "1.5",
                                           "2.0",
                                           "9.99",
                                           "1e1",
                                           R"("")",
                                           R"("a")",
                                           R"("ab")",
                                           R"("abc")",
                                           R"("abcd")",
                                           R"("abz")",
                                           R"("x")",
                                           "[]",
                                           "[1]",
                                           "[1,2]",
                                           "[1,2,3]",
                                           "[6]",
                                           R"(["a"])",
                                           "{}",
                                           R"({"z": "s"})",
                                           R"({"y": 1})",
                                           R"({"y": "s"})",
                                           R"({"z": 1, "y": 2, "y": "s"})",
                                           "18446744073709551615"};
  const std::vector<std::string> keys = {"a", "b", "c", "d", "e", "f", "g", "h",
                                         "i", "j", "k", "l", "m", "n", "o", "p"};
  for (const auto& k : keys) {
    for (const auto& v : values) {
      d.check("{\"a\": 2, \"" + k + "\": " + v + "}");
      d.check("{\"" + k + "\": " + v + "}");
    }
  }
  d.check(R"({"a": 2, "a": "zz"})");
  d.check(R"({"a": 2, "b": 1, "c": 3, "d": [1], "e": 1})");
  d.check("[]");
  d.check("\"a\"");
  CHECK(d.valid > 20);
  CHECK(d.invalid > 20);
}

TEST_CASE("fast_schema: required names outside properties, duplicates, additional schema",
          "[fast_schema]") {
  // The non-collecting path checks an object in one pass; these shapes take its other branches.
  differential d(compiled_schema::compile(R"({
    "type": "object",
    "required": ["a", "q"],
    "minProperties": 2, "maxProperties": 3,
    "properties": {"a": {"type": "integer"}, "b": {"type": "string"}},
    "additionalProperties": {"type": "boolean"}
  })",
                                          1, 1, "req"));
  for (const char* text :
       {R"({"a": 1, "q": true})", R"({"a": 1, "q": 2})", R"({"a": 1})", R"({"q": true})",
        R"({"a": 1, "q": true, "b": "s"})", R"({"a": 1, "q": true, "b": 2})",
        R"({"a": 1, "q": true, "b": "s", "r": false})", R"({"a": 1, "a": "x", "q": true})",
        R"({"a": "x", "a": 1, "q": true})", R"({"b": "s", "q": true, "a": 1})", "{}",
        R"({"a": 1, "q": true, "z": null})"}) {
    d.check(text);
  }
  CHECK(d.valid >= 3);
  CHECK(d.invalid >= 5);
}

TEST_CASE("fast_schema: schemas outside the subset fall back to valijson", "[fast_schema]") {
  for (const char* text :
       {R"({"$ref": "#/definitions/a", "definitions": {"a": {}}})", R"({"format": "date-time"})",
        R"({"patternProperties": {"^a": {}}})", R"({"multipleOf": 2})", R"({"enum": [[1]]})",
        R"({"items": [{"type": "string"}]})", R"({"dependencies": {"a": ["b"]}})"}) {
    INFO(text);
    const auto s = compiled_schema::compile(text, 1, 1, "x");
    CHECK(s->fast() == nullptr);
    CHECK_FALSE(s->fast_path_note().empty());
  }
  // and still validate
  const auto s = compiled_schema::compile(R"({"multipleOf": 2})", 1, 1, "x");
  event_validator v(s);
  simdjson::dom::parser p;
  std::vector<validation_error> errs;
  CHECK(v.validate(p.parse(std::string("4")).value(), errs));
  CHECK_FALSE(v.validate(p.parse(std::string("3")).value(), errs));
  REQUIRE(errs.size() == 1);
  CHECK(errs[0].keyword == "multipleOf");
}
