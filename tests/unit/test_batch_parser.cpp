#include <catch2/catch.hpp>

#include "runtime/batch_parser.hpp"

#include <random>
#include <string>
#include <vector>

using clickstream::batch_error;
using clickstream::batch_limits;
using clickstream::batch_parser;
using clickstream::event_span;

namespace {

struct parsed {
  batch_error error;
  std::vector<event_span> events;
  std::string message;
};

parsed run(batch_parser& p, std::string_view body) {
  parsed r;
  r.error = p.parse(body, r.events, r.message);
  return r;
}

std::string nested_arrays(std::size_t depth, bool closed = true) {
  std::string s(depth, '[');
  if (closed) s.append(depth, ']');
  return s;
}

}  // namespace

TEST_CASE("batch_parser: a good batch yields one span per event", "[batch_parser]") {
  batch_parser p;
  const std::string body =
      R"([{"id": 1, "type": "search"}, {"id": 2, "type": "page_view"},{"id":3,"type":"x"}])";
  auto r = run(p, body);
  REQUIRE(r.error == batch_error::none);
  REQUIRE(r.message.empty());
  REQUIRE(r.events.size() == 3);
  CHECK(r.events[0].raw == R"({"id": 1, "type": "search"})");
  CHECK(r.events[1].raw == R"({"id": 2, "type": "page_view"})");
  CHECK(r.events[2].raw == R"({"id":3,"type":"x"})");
  for (std::size_t i = 0; i < 3; ++i) {
    REQUIRE(r.events[i].element.is_object());
    CHECK(int64_t(r.events[i].element["id"]) == static_cast<int64_t>(i + 1));
    // raw is a view into the body, not a copy
    CHECK(r.events[i].raw.data() >= body.data());
    CHECK(r.events[i].raw.data() + r.events[i].raw.size() <= body.data() + body.size());
  }
}

TEST_CASE("batch_parser: raw bytes are exactly the input bytes", "[batch_parser]") {
  batch_parser p;
  // Odd spacing, escapes that look like structure, unicode escapes, raw UTF-8, scalars, nesting.
  const std::vector<std::string> elements = {
      "{ \"a\" : \"x\\\"],{\" ,\n  \"b\":[1,{},\"}\"] }",
      "\"str,]\\\\\"",
      "12.5e3",
      "null",
      "[ ]",
      "{\"u\":\"\\u00e9\\ud83d\\ude00 caf\xc3\xa9 \xf0\x9f\x98\x80\"}",
      "-0",
      "true",
      "{\"k\\\\\":\"\\\\\"}",
  };
  std::string body = " \r\n[ \t";
  for (std::size_t i = 0; i < elements.size(); ++i) {
    if (i > 0) body += (i % 2 == 0) ? " ,\n\t " : ",";
    body += elements[i];
  }
  body += " \n] \n";
  auto r = run(p, body);
  REQUIRE(r.error == batch_error::none);
  REQUIRE(r.events.size() == elements.size());
  for (std::size_t i = 0; i < elements.size(); ++i) {
    CHECK(r.events[i].raw == elements[i]);
  }
  CHECK(r.events[0].element.is_object());
  CHECK(r.events[1].element.is_string());
  CHECK(r.events[2].element.is_double());
  CHECK(r.events[3].element.is_null());
  CHECK(r.events[4].element.is_array());
  CHECK(std::string_view(r.events[5].element["u"]) ==
        "\xc3\xa9\xf0\x9f\x98\x80 caf\xc3\xa9 \xf0\x9f\x98\x80");
}

TEST_CASE("batch_parser: empty array and empty body", "[batch_parser]") {
  batch_parser p;
  for (const char* body : {"[]", "  [ \n ]  ", "\t[\r\n]"}) {
    auto r = run(p, body);
    CHECK(r.error == batch_error::none);
    CHECK(r.events.empty());
  }
  for (const char* body : {"", "   ", "\n\r\t "}) {
    auto r = run(p, body);
    CHECK(r.error == batch_error::empty_body);
    CHECK(clickstream::to_string(r.error) == "empty_body");
    CHECK_FALSE(r.message.empty());
  }
}

TEST_CASE("batch_parser: bodies that are not JSON", "[batch_parser]") {
  batch_parser p;
  for (const char* body :
       {"hello", "{", "[1,2", R"([{"id": 1}, {"id": 2)", R"([{"id": 1},])", R"([{"id" 1}])",
        "[1] [2]", "[01]", "[\"a\" \"b\"]", "[nul]", "[{\"a\":\"\x01\"}]", "[1,]", "{\"a\":1}}"}) {
    INFO(body);
    auto r = run(p, body);
    CHECK(r.error == batch_error::not_json);
    CHECK(clickstream::to_string(r.error) == "not_json");
    CHECK(r.events.empty());
    CHECK(r.message.rfind("body is not valid JSON", 0) == 0);
  }
  auto r = run(p, R"([{"id": 1}, {"id": 2)");
  INFO(r.message);
  CHECK(r.message.find("near byte 20") != std::string::npos);
  auto r2 = run(p, R"([{"id": 1}, {"id" 2}])");
  INFO(r2.message);
  CHECK(r2.message.find("near byte 18") != std::string::npos);
}

TEST_CASE("batch_parser: JSON that is not an array", "[batch_parser]") {
  batch_parser p;
  const std::vector<std::pair<std::string, std::string>> cases = {
      {R"({"id": 1, "type": "search"})", "an object"},
      {R"("a string")", "a string"},
      {"42", "a number"},
      {"-1.5e3", "a number"},
      {"true", "a boolean"},
      {"null", "null"},
  };
  for (const auto& [body, what] : cases) {
    INFO(body);
    auto r = run(p, body);
    CHECK(r.error == batch_error::not_array);
    CHECK(clickstream::to_string(r.error) == "not_array");
    CHECK(r.message == "body must be a JSON array of events, got " + what);
    CHECK(r.events.empty());
  }
}

TEST_CASE("batch_parser: array elements that are not objects are not a batch error",
          "[batch_parser]") {
  batch_parser p;
  auto r = run(p, R"([1, "two", {"id": 3}, [4], null])");
  REQUIRE(r.error == batch_error::none);
  REQUIRE(r.events.size() == 5);
  CHECK(r.events[0].raw == "1");
  CHECK(r.events[1].raw == "\"two\"");
  CHECK(r.events[3].raw == "[4]");
  CHECK(r.events[4].raw == "null");
}

TEST_CASE("batch_parser: invalid UTF-8 is reported, not crashed on", "[batch_parser]") {
  batch_parser p;
  const std::vector<std::string> bodies = {
      "[{\"ip\": \"\xff\"}]",               // invalid byte inside a string
      "[{\"ip\": \"\xc3\x28\"}]",           // bad continuation
      "[{\"ip\": \"\xed\xa0\x80\"}]",       // UTF-16 surrogate encoded in UTF-8
      "[{\"ip\": \"\xc0\xaf\"}]",           // overlong
      "[{\"ip\": \"abc\xf0\x9f\x98\"}]",    // truncated 4-byte sequence
      "[\xfe]",                             // outside a string
      "[{\"a\": 1, \"b\": \"\xe9t\xe9\"}",  // latin-1 and truncated
  };
  for (const auto& body : bodies) {
    auto r = run(p, body);
    CHECK(r.error == batch_error::invalid_utf8);
    CHECK(clickstream::to_string(r.error) == "invalid_utf8");
    CHECK(r.message.find("UTF-8") != std::string::npos);
  }
  auto r = run(p, "[{\"ip\": \"\xff\"}]");
  CHECK(r.message.find("at byte 9") != std::string::npos);
}

TEST_CASE("first_invalid_utf8", "[batch_parser]") {
  using clickstream::first_invalid_utf8;
  constexpr auto npos = std::string_view::npos;
  CHECK(first_invalid_utf8("") == npos);
  CHECK(first_invalid_utf8("plain ascii text that is longer than eight bytes") == npos);
  CHECK(first_invalid_utf8("caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80 \xf4\x8f\xbf\xbf") == npos);
  CHECK(first_invalid_utf8("abcdefghij\xff") == 10);
  CHECK(first_invalid_utf8("\xc1\x81") == 0);            // overlong 2-byte
  CHECK(first_invalid_utf8("a\xe0\x80\xaf") == 1);       // overlong 3-byte
  CHECK(first_invalid_utf8("ab\xf0\x80\x80\xaf") == 2);  // overlong 4-byte
  CHECK(first_invalid_utf8("\xed\xbf\xbf") == 0);        // surrogate
  CHECK(first_invalid_utf8("\xf4\x90\x80\x80") == 0);    // above U+10FFFF
  CHECK(first_invalid_utf8("xyz\xe2\x82") == 3);         // truncated
  CHECK(clickstream::is_valid_utf8("\xe2\x82\xac"));
}

TEST_CASE("batch_parser: deep nesting is refused without crashing", "[batch_parser]") {
  batch_parser p;
  SECTION("200,000 nested arrays") {
    auto r = run(p, nested_arrays(200000));
    CHECK(r.error == batch_error::too_deep);
    CHECK(clickstream::to_string(r.error) == "too_deep");
  }
  SECTION("200,000 unclosed arrays") {
    auto r = run(p, nested_arrays(200000, false));
    CHECK((r.error == batch_error::too_deep || r.error == batch_error::not_json));
  }
  SECTION("200,000 unclosed arrays ending in an unclosed string (the error locator runs)") {
    auto r = run(p, nested_arrays(200000, false) + "\"abc");
    CHECK((r.error == batch_error::too_deep || r.error == batch_error::not_json));
    CHECK_FALSE(r.message.empty());
  }
  SECTION("a huge unclosed string gives a short message") {
    auto r = run(p, "[\"" + std::string(500000, 'x'));
    CHECK(r.error == batch_error::not_json);
    CHECK(r.message.size() < 400);
    CHECK(r.message.find("near byte") != std::string::npos);
  }
  SECTION("200,000 nested objects inside an event") {
    std::string body = "[";
    for (int i = 0; i < 200000; ++i) body += "{\"a\":";
    body += "1";
    body.append(200000, '}');
    body += "]";
    batch_limits limits;
    limits.max_body_bytes = 4 << 20;
    batch_parser big(limits);
    auto r = run(big, body);
    CHECK(r.error == batch_error::too_deep);
  }
  SECTION("the limit counts value levels: the array is level 1, an event level 2") {
    CHECK(run(p, nested_arrays(64)).error == batch_error::none);
    CHECK(run(p, std::string(63, '[') + "1" + std::string(63, ']')).error == batch_error::none);
    auto deep = run(p, nested_arrays(65));
    CHECK(deep.error == batch_error::too_deep);
    CHECK(deep.message.find("64") != std::string::npos);
    CHECK(run(p, std::string(64, '[') + "1" + std::string(64, ']')).error == batch_error::too_deep);
  }
  SECTION("a smaller configured limit") {
    batch_limits limits;
    limits.max_depth = 4;
    batch_parser small(limits);
    CHECK(run(small, R"([{"event": {"ip": 1}}])").error == batch_error::none);
    CHECK(run(small, R"([{"event": {"ip": [1]}}])").error == batch_error::too_deep);
  }
}

TEST_CASE("batch_parser: event count limit", "[batch_parser]") {
  batch_limits limits;
  limits.max_events = 1000;
  batch_parser p(limits);
  auto body_of = [](std::size_t n) {
    std::string b = "[";
    for (std::size_t i = 0; i < n; ++i) {
      if (i) b += ',';
      b += R"({"id":)" + std::to_string(i) + "}";
    }
    return b + "]";
  };
  const std::string body = body_of(1000);  // raw views point into it: keep it alive
  auto ok = run(p, body);
  CHECK(ok.error == batch_error::none);
  CHECK(ok.events.size() == 1000);
  CHECK(ok.events[999].raw == R"({"id":999})");
  auto over = run(p, body_of(1001));
  CHECK(over.error == batch_error::too_many_events);
  CHECK(clickstream::to_string(over.error) == "too_many_events");
  CHECK(over.message == "batch has 1001 events, more than the limit of 1000");
  CHECK(over.events.empty());
}

TEST_CASE("batch_parser: body size limit", "[batch_parser]") {
  batch_limits limits;
  limits.max_body_bytes = 100;
  batch_parser p(limits);
  std::string body = "[\"" + std::string(200, 'x') + "\"]";
  auto r = run(p, body);
  CHECK(r.error == batch_error::too_large);
  CHECK(clickstream::to_string(r.error) == "too_large");
  CHECK(r.message.find("limit of 100") != std::string::npos);
  CHECK(run(p, "[\"" + std::string(96, 'x') + "\"]").error == batch_error::none);
}

TEST_CASE("batch_parser: reused across bodies, including after a big one", "[batch_parser]") {
  batch_limits limits;
  limits.retain_capacity = 1024;
  batch_parser p(limits);
  auto a = run(p, R"([{"id":1}])");
  REQUIRE(a.error == batch_error::none);
  std::string big = "[";
  for (int i = 0; i < 500; ++i)
    big += std::string(i ? "," : "") + R"({"id":)" + std::to_string(i) + "}";
  big += "]";
  auto b = run(p, big);
  REQUIRE(b.error == batch_error::none);
  REQUIRE(b.events.size() == 500);
  auto c = run(p, R"([{"id":7}, {"id":8}])");
  REQUIRE(c.error == batch_error::none);
  REQUIRE(c.events.size() == 2);
  CHECK(int64_t(c.events[1].element["id"]) == 8);
  // an error after a success clears the events
  auto d = run(p, "[");
  CHECK(d.error == batch_error::not_json);
  CHECK(d.events.empty());
}

TEST_CASE("batch_parser: to_string is stable", "[batch_parser]") {
  using clickstream::to_string;
  CHECK(to_string(batch_error::none) == "none");
  CHECK(to_string(batch_error::empty_body) == "empty_body");
  CHECK(to_string(batch_error::invalid_utf8) == "invalid_utf8");
  CHECK(to_string(batch_error::not_json) == "not_json");
  CHECK(to_string(batch_error::not_array) == "not_array");
  CHECK(to_string(batch_error::too_deep) == "too_deep");
  CHECK(to_string(batch_error::too_many_events) == "too_many_events");
  CHECK(to_string(batch_error::too_large) == "too_large");
}

TEST_CASE("batch_parser: mutated bodies never crash and spans always re-parse to their element",
          "[batch_parser][fuzz]") {
  // Seeds exercise strings with escapes, unicode, nesting and odd whitespace; mutations insert,
  // delete and replace bytes (structural characters, quotes, backslashes, high bytes).
  const std::vector<std::string> seeds = {
      R"([{"id": 1, "type": "search", "event": {"ip": "1.2.3.4", "q": "a \"quoted\" \\ text"}}])",
      "[ {\"a\":[1,2,{\"b\":\"]}\"}]} ,\n\t\"s\\\\\" , 3.5e-2, true, null, "
      "{\"u\":\"\\u00e9\xc3\xa9\"} ]",
      R"([[], {}, "", 0, -0.0, [[[["deep"]]]], {"k": {"k": {"k": "v"}}}])",
  };
  const std::string alphabet = std::string("[]{},:\"\\ \n\tae0-.\x80\xc3\xa9tfnul", 26);
  std::mt19937 rng(2026);
  batch_parser p;
  simdjson::dom::parser single;
  std::size_t accepted = 0, refused = 0;
  for (int i = 0; i < 20000; ++i) {
    std::string body = seeds[rng() % seeds.size()];
    const int edits = 1 + static_cast<int>(rng() % 4);
    for (int k = 0; k < edits; ++k) {
      const std::size_t pos = rng() % (body.size() + 1);
      const char c = alphabet[rng() % alphabet.size()];
      switch (rng() % 3) {
        case 0:
          body.insert(body.begin() + static_cast<long>(pos), c);
          break;
        case 1:
          if (pos < body.size()) body.erase(pos, 1);
          break;
        default:
          if (pos < body.size()) body[pos] = c;
      }
    }
    auto r = run(p, body);
    if (r.error != batch_error::none) {
      ++refused;
      CHECK_FALSE(r.message.empty());
      CHECK(r.events.empty());
      continue;
    }
    ++accepted;
    for (const auto& e : r.events) {
      // the span is exactly one JSON value, equal to the DOM element
      simdjson::dom::element alone;
      INFO("body: " << body << "\nspan: " << e.raw);
      REQUIRE(single.parse(std::string(e.raw)).get(alone) == simdjson::SUCCESS);
      CHECK(simdjson::minify(alone) == simdjson::minify(e.element));
      CHECK(e.raw.front() != ' ');
      CHECK(e.raw.back() != ' ');
    }
  }
  CHECK(accepted > 100);
  CHECK(refused > 100);
}
