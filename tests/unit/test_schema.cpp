#include <catch2/catch.hpp>

#include "runtime/batch_parser.hpp"
#include "runtime/schema_validator.hpp"

#include <nlohmann/json.hpp>

#include <cstdlib>
#include <fstream>
#include <regex>
#include <set>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

using clickstream::compiled_schema;
using clickstream::event_validator;
using clickstream::validation_error;

namespace {

const std::string kSchemaPath =
    std::string(CLICKSTREAM_SOURCE_DIR) + "/schemas/acme.clickstream.raw.events.json";
const std::string kCasesPath =
    std::string(CLICKSTREAM_SOURCE_DIR) + "/tests/fixtures/schema-invalid-events.jsonl";
// The environment variable CLICKSTREAM_SHARED_DATA_DIR overrides the build-time location (e.g. for
// a worktree whose ../shared/data does not exist).
std::string sample_path() {
  const char* env = std::getenv("CLICKSTREAM_SHARED_DATA_DIR");
  return std::string(env && *env ? env : CLICKSTREAM_SHARED_DATA_DIR) + "/sample-events.jsonl";
}

bool read_file(const std::string& path, std::string& out) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return false;
  std::ostringstream ss;
  ss << in.rdbuf();
  out = ss.str();
  return true;
}

std::string read_or_fail(const std::string& path) {
  std::string s;
  if (!read_file(path, s)) throw std::runtime_error("cannot read " + path);
  return s;
}

std::vector<std::string> read_lines(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.find_first_not_of(" \t") != std::string::npos) lines.push_back(line);
  }
  return lines;
}

std::shared_ptr<const compiled_schema> raw_events_schema() {
  static const auto schema = compiled_schema::compile(read_or_fail(kSchemaPath), 1, 1,
                                                      "acme.clickstream.raw.events-value");
  return schema;
}

// Validates one JSON text (parsed with simdjson, as in the service).
bool validate_text(event_validator& v, const std::string& text,
                   std::vector<validation_error>& errs) {
  simdjson::dom::parser parser;
  simdjson::dom::element e;
  if (parser.parse(text).get(e) != simdjson::SUCCESS) throw std::runtime_error("bad JSON: " + text);
  return v.validate(e, errs);
}

std::string describe(const std::vector<validation_error>& errs) {
  std::string s;
  for (const auto& e : errs) s += "  [" + e.pointer + "] " + e.keyword + ": " + e.message + "\n";
  return s;
}

// Every "Rule <name>: ..." description of the schema.
void collect_rules(const nlohmann::json& node, std::set<std::string>& rules) {
  static const std::regex rule_re("^Rule ([A-Za-z0-9_-]+):");
  if (node.is_object()) {
    for (auto it = node.begin(); it != node.end(); ++it) {
      if (it.key() == "description" && it.value().is_string()) {
        std::smatch m;
        const std::string d = it.value().get<std::string>();
        if (std::regex_search(d, m, rule_re)) rules.insert(m[1].str());
      } else {
        collect_rules(it.value(), rules);
      }
    }
  } else if (node.is_array()) {
    for (const auto& v : node) collect_rules(v, rules);
  }
}

}  // namespace

TEST_CASE("schema: compiles and keeps its identity", "[schema]") {
  auto s = raw_events_schema();
  CHECK(s->id() == 1);
  CHECK(s->version() == 1);
  CHECK(s->subject() == "acme.clickstream.raw.events-value");
  CHECK(s->text() == read_or_fail(kSchemaPath));
}

TEST_CASE("schema: every real sample event is valid", "[schema][sample]") {
  std::string text;
  const std::string path = sample_path();
  if (!read_file(path, text)) {
    WARN("real sample absent (" << path << "): test skipped");
    return;
  }
  const auto lines = read_lines(text);
  REQUIRE(lines.size() == 1178);
  // Parse the sample as one batch, as the service would, then validate every element.
  std::string body = "[";
  for (std::size_t i = 0; i < lines.size(); ++i) {
    if (i) body += ",\n";
    body += lines[i];
  }
  body += "]";
  clickstream::batch_limits limits;
  limits.max_events = 2000;
  limits.max_body_bytes = 4 << 20;
  clickstream::batch_parser parser(limits);
  std::vector<clickstream::event_span> events;
  std::string message;
  REQUIRE(parser.parse(body, events, message) == clickstream::batch_error::none);
  REQUIRE(events.size() == lines.size());
  event_validator v(raw_events_schema());
  std::size_t valid = 0;
  for (std::size_t i = 0; i < events.size(); ++i) {
    CHECK(events[i].raw == lines[i]);
    std::vector<validation_error> errs;
    const bool ok = v.validate(events[i].element, errs);
    if (!ok) {
      INFO("line " << i + 1 << ": " << lines[i] << "\n" << describe(errs));
      CHECK(ok);
    } else {
      CHECK(errs.empty());
      ++valid;
    }
  }
  CHECK(valid == 1178);
}

TEST_CASE("schema: every rule has failing cases with the expected pointer and keyword",
          "[schema]") {
  const auto schema_doc = nlohmann::json::parse(read_or_fail(kSchemaPath));
  std::set<std::string> rules;
  collect_rules(schema_doc, rules);
  REQUIRE(rules.size() >= 16);

  event_validator v(raw_events_schema());
  std::set<std::string> covered;
  const auto lines = read_lines(read_or_fail(kCasesPath));
  REQUIRE(lines.size() >= rules.size());
  for (const auto& line : lines) {
    const auto c = nlohmann::json::parse(line);
    const std::string rule = c.at("rule");
    const std::string pointer = c.at("pointer");
    const std::string keyword = c.at("keyword");
    INFO("rule " << rule << ", case: " << c.at("case").get<std::string>());
    std::vector<validation_error> errs;
    const bool ok = validate_text(v, c.at("event").dump(), errs);
    INFO("errors:\n" << describe(errs));
    CHECK_FALSE(ok);
    REQUIRE_FALSE(errs.empty());
    bool found = false;
    for (const auto& e : errs) {
      if (e.pointer == pointer && e.keyword == keyword) {
        found = true;
        if (c.contains("message_contains")) {
          CHECK_THAT(e.message, Catch::Contains(c.at("message_contains").get<std::string>()));
        }
      }
      CHECK_FALSE(e.message.empty());
    }
    CHECK(found);
    covered.insert(rule);
  }
  for (const auto& r : rules) {
    INFO("schema rule without a failing case: " << r);
    CHECK(covered.count(r) == 1);
  }
}

TEST_CASE("schema: errors carry RFC 6901 pointers, keywords and readable messages", "[schema]") {
  event_validator v(raw_events_schema());
  std::vector<validation_error> errs;
  const std::string text =
      R"({"id": 1, "type": "search", "event": {"user-agent": "UA", "ip": "999.1.1.1",)"
      R"( "customer-id": 12, "timestamp": "yesterday"}})";
  CHECK_FALSE(validate_text(v, text, errs));
  INFO(describe(errs));
  // all failures are reported, not only the first
  bool ip = false, ts = false, query = false;
  for (const auto& e : errs) {
    if (e.pointer == "/event/ip" && e.keyword == "pattern") {
      ip = true;
      CHECK_THAT(e.message, Catch::Contains("\"999.1.1.1\""));
    }
    if (e.pointer == "/event/timestamp" && e.keyword == "pattern") ts = true;
    if (e.pointer == "/event" && e.keyword == "required") {
      query = true;
      CHECK_THAT(e.message, Catch::Contains("'query'"));
    }
  }
  CHECK(ip);
  CHECK(ts);
  CHECK(query);
  // no wrapper noise ("Failed to validate against schema associated with property name")
  for (const auto& e : errs) CHECK(e.keyword != "properties");

  // errors are appended, never cleared
  const auto before = errs.size();
  CHECK_FALSE(validate_text(v, "7", errs));
  CHECK(errs.size() > before);
  CHECK(errs.back().pointer == "");
  CHECK(errs.back().keyword == "type");
  CHECK_THAT(errs.back().message, Catch::Contains("got 7"));
}

TEST_CASE("schema: pointers escape '~' and '/' and long values are cut", "[schema]") {
  const auto s = compiled_schema::compile(
      R"({"type":"object","properties":{"a/b":{"properties":{"c~d":{"type":"integer"}}},)"
      R"("s":{"pattern":"^x$"}}})",
      7, 3, "test-value");
  event_validator v(s);
  std::vector<validation_error> errs;
  CHECK_FALSE(validate_text(v, R"({"a/b": {"c~d": "no"}})", errs));
  REQUIRE(errs.size() == 1);
  CHECK(errs[0].pointer == "/a~1b/c~0d");
  CHECK(errs[0].keyword == "type");
  errs.clear();
  // a long value with multi-byte characters is cut on a character boundary
  std::string long_value;
  for (int i = 0; i < 100; ++i) long_value += "\xc3\xa9";
  CHECK_FALSE(validate_text(v, R"({"s": ")" + long_value + "\"}", errs));
  REQUIRE(errs.size() == 1);
  CHECK(errs[0].keyword == "pattern");
  CHECK(errs[0].message.size() < 200);
  CHECK(clickstream::is_valid_utf8(errs[0].message));
}

TEST_CASE("schema: keywords beyond the raw-events schema map correctly", "[schema]") {
  const auto s = compiled_schema::compile(R"({
    "type": "object",
    "additionalProperties": false,
    "properties": {
      "n": {"type": "number", "exclusiveMaximum": 10, "multipleOf": 2},
      "m": {"type": "number", "maximum": 5},
      "arr": {"type": "array", "minItems": 2, "maxItems": 3, "uniqueItems": true,
              "items": {"type": "string"}},
      "c": {"const": "fixed"},
      "any": {"anyOf": [{"type": "string"}, {"type": "integer"}]},
      "one": {"oneOf": [{"type": "integer"}, {"minimum": 0}]},
      "not": {"not": {"type": "string"}},
      "o": {"type": "object", "minProperties": 1, "maxProperties": 1},
      "big": {"type": "integer"}
    }
  })",
                                          1, 1, "k");
  event_validator v(s);
  struct expect {
    std::string text, pointer, keyword;
  };
  const std::vector<expect> cases = {
      {R"({"n": 12})", "/n", "exclusiveMaximum"},
      {R"({"n": 10.5})", "/n", "exclusiveMaximum"},
      {R"({"n": 3})", "/n", "multipleOf"},
      {R"({"m": 6})", "/m", "maximum"},
      {R"({"arr": ["a"]})", "/arr", "minItems"},
      {R"({"arr": ["a","b","c","d"]})", "/arr", "maxItems"},
      {R"({"arr": ["a","a"]})", "/arr", "uniqueItems"},
      {R"({"arr": ["a", 1]})", "/arr/1", "type"},
      {R"({"c": "other"})", "/c", "const"},
      {R"({"any": 1.5})", "/any", "anyOf"},
      {R"({"one": 5})", "/one", "oneOf"},
      {R"({"not": "s"})", "/not", "not"},
      {R"({"o": {}})", "/o", "minProperties"},
      {R"({"o": {"a":1,"b":2}})", "/o", "maxProperties"},
      {R"({"extra": 1})", "", "additionalProperties"},
      // an unsigned value above INT64_MAX is a number, not an int64: refused by "integer", no crash
      {R"({"big": 18446744073709551615})", "/big", "type"},
  };
  for (const auto& c : cases) {
    std::vector<validation_error> errs;
    INFO(c.text);
    CHECK_FALSE(validate_text(v, c.text, errs));
    INFO(describe(errs));
    bool found = false;
    for (const auto& e : errs) found = found || (e.pointer == c.pointer && e.keyword == c.keyword);
    CHECK(found);
  }
  {
    std::vector<validation_error> errs;
    CHECK_FALSE(validate_text(v, R"({"m": 6.5})", errs));
    REQUIRE(errs.size() == 1);
    CHECK(errs[0].message == "Expected number less than or equal to 5; got 6.5");
  }
  std::vector<validation_error> errs;
  CHECK(validate_text(v,
                      R"({"n": 4, "m": -3, "arr": ["a","b"], "c": "fixed", "any": "x",)"
                      R"( "one": -1, "not": 1, "o": {"k": null}, "big": 9223372036854775807})",
                      errs));
  CHECK(errs.empty());
}

TEST_CASE("schema: invalid schemas are refused with a clear message", "[schema]") {
  const std::vector<std::pair<std::string, std::string>> bad = {
      {"{\"type\": ", "not valid JSON"},
      {"42", "must be an object or a boolean"},
      {R"({"type": "strin"})", "not a valid JSON Schema"},
      {R"({"required": "id"})", "not a valid JSON Schema"},
      {R"({"properties": {"ip": {"pattern": "(unclosed"}}})", "pattern"},
      {R"({"$ref": "https://example.com/remote.json"})", "not a valid JSON Schema"},
  };
  for (const auto& [text, why] : bad) {
    INFO(text);
    try {
      compiled_schema::compile(text, 1, 1, "bad-value");
      FAIL("accepted an invalid schema");
    } catch (const std::invalid_argument& e) {
      CHECK_THAT(e.what(), Catch::Contains(why));
      CHECK_THAT(e.what(), Catch::Contains("bad-value"));
    }
  }
  // boolean schemas are valid
  auto t = compiled_schema::compile("true", 1, 1, "t");
  event_validator v(t);
  std::vector<validation_error> errs;
  CHECK(validate_text(v, "{}", errs));
  auto f = compiled_schema::compile("false", 1, 1, "f");
  v.set_schema(f);
  CHECK_FALSE(validate_text(v, "{}", errs));
  REQUIRE(errs.size() == 1);
  CHECK(errs[0].pointer == "");
}

TEST_CASE("schema: a validator switches schema versions", "[schema]") {
  auto v1 = compiled_schema::compile(R"({"required": ["a"]})", 10, 1, "s");
  auto v2 = compiled_schema::compile(R"({"required": ["a", "b"]})", 11, 2, "s");
  event_validator v(v1);
  std::vector<validation_error> errs;
  CHECK(validate_text(v, R"({"a": 1})", errs));
  v.set_schema(v2);
  CHECK(v.schema().id() == 11);
  CHECK(v.schema().version() == 2);
  CHECK_FALSE(validate_text(v, R"({"a": 1})", errs));
  REQUIRE(errs.size() == 1);
  CHECK(errs[0].keyword == "required");
  CHECK_THAT(errs[0].message, Catch::Contains("'b'"));
}
