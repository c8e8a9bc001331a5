#include <catch2/catch.hpp>

#include <string>

#include "runtime/cors.hpp"

using namespace clickstream;

namespace {

std::string header(const cors_answer& a, const std::string& name) {
  for (const auto& [k, v] : a.headers)
    if (k == name) return v;
  return "<none>";
}

}  // namespace

TEST_CASE("cors patterns: valid and invalid entries", "[cors]") {
  CHECK_FALSE(cors_pattern_error("*"));
  CHECK_FALSE(cors_pattern_error("https://shop.example"));
  CHECK_FALSE(cors_pattern_error("http://localhost:8080"));
  CHECK_FALSE(cors_pattern_error("https://*.shop.example"));
  CHECK(cors_pattern_error("shop.example"));
  CHECK(cors_pattern_error("https://shop.example/"));
  CHECK(cors_pattern_error("https://shop.example/path"));
  CHECK(cors_pattern_error("https://"));
  CHECK(cors_pattern_error("ftp://shop.example"));
  CHECK(cors_pattern_error("https://*."));
}

TEST_CASE("cors off: no headers, every preflight with an Origin refused", "[cors]") {
  cors_policy off{{}, 600};
  CHECK_FALSE(off.enabled());
  CHECK_FALSE(off.allows("https://shop.example"));
  CHECK(off.answer_headers("https://shop.example").empty());
  auto a = off.preflight("https://shop.example", "POST");
  CHECK(a.status == 403);
  CHECK(a.body.find("cors_origin_not_allowed") != std::string::npos);
  CHECK(header(a, "Access-Control-Allow-Origin") == "<none>");
  auto plain = off.preflight("", "");
  CHECK(plain.status == 204);
  CHECK(header(plain, "Allow") == "POST, OPTIONS");
  CHECK(plain.body.empty());
}

TEST_CASE("cors: exact origins, case-insensitive, port significant", "[cors]") {
  cors_policy p{{"https://Shop.Example", "http://localhost:8080"}, 600};
  CHECK(p.enabled());
  CHECK(p.allows("https://shop.example"));
  CHECK(p.allows("HTTPS://SHOP.EXAMPLE"));
  CHECK(p.allows("http://localhost:8080"));
  CHECK_FALSE(p.allows("http://shop.example"));
  CHECK_FALSE(p.allows("https://shop.example:8443"));
  CHECK_FALSE(p.allows("https://shop.example.evil"));
  CHECK_FALSE(p.allows("https://evil.shop.example"));
  CHECK_FALSE(p.allows("null"));
  CHECK_FALSE(p.allows(""));
  CHECK(p.allow_origin("https://shop.example") == "https://shop.example");
  CHECK(p.allow_origin("https://evil.example").empty());
}

TEST_CASE("cors: subdomain wildcard", "[cors]") {
  cors_policy p{{"https://*.shop.example"}, 600};
  CHECK(p.allows("https://www.shop.example"));
  CHECK(p.allows("https://a.b.shop.example"));
  CHECK_FALSE(p.allows("https://shop.example"));
  CHECK_FALSE(p.allows("https://.shop.example"));
  CHECK_FALSE(p.allows("http://www.shop.example"));
  CHECK_FALSE(p.allows("https://evilshop.example"));
  CHECK_FALSE(p.allows("https://x/y.shop.example"));
  CHECK_FALSE(p.allows("https://www.shop.example:1"));
}

TEST_CASE("cors: * allows any origin and answers *", "[cors]") {
  cors_policy p{{"*"}, 60};
  CHECK(p.allows("https://anything.example"));
  CHECK(p.allows("null"));
  CHECK(p.allow_origin("https://a.example") == "*");
  auto h = p.answer_headers("https://a.example");
  REQUIRE(h.size() == 1);  // no Vary: the answer does not depend on the Origin
  CHECK(h[0].first == "Access-Control-Allow-Origin");
  CHECK(h[0].second == "*");
  CHECK(p.answer_headers("").empty());
}

TEST_CASE("cors preflight answers", "[cors]") {
  cors_policy p{{"https://shop.example"}, 600};
  SECTION("allowed origin, POST: 204 with every allow header") {
    auto a = p.preflight("https://shop.example", "POST");
    CHECK(a.status == 204);
    CHECK(a.body.empty());
    CHECK(header(a, "Access-Control-Allow-Origin") == "https://shop.example");
    CHECK(header(a, "Access-Control-Allow-Methods") == "POST, OPTIONS");
    CHECK(header(a, "Access-Control-Allow-Headers") == "Content-Type");
    CHECK(header(a, "Access-Control-Max-Age") == "600");
    CHECK(header(a, "Vary") == "Origin");
  }
  SECTION("disallowed origin: 403 JSON, no allow header") {
    auto a = p.preflight("https://evil.example", "POST");
    CHECK(a.status == 403);
    CHECK(a.body.find(R"("error":"cors_origin_not_allowed")") != std::string::npos);
    CHECK(header(a, "Access-Control-Allow-Origin") == "<none>");
    CHECK(header(a, "Vary") == "Origin");
  }
  SECTION("allowed origin, another method: 403") {
    auto a = p.preflight("https://shop.example", "DELETE");
    CHECK(a.status == 403);
    CHECK(a.body.find("cors_method_not_allowed") != std::string::npos);
  }
  SECTION("not a preflight (no request method): 204 Allow, origin allowed") {
    auto a = p.preflight("https://shop.example", "");
    CHECK(a.status == 204);
    CHECK(header(a, "Allow") == "POST, OPTIONS");
    CHECK(header(a, "Access-Control-Allow-Origin") == "https://shop.example");
  }
  SECTION("answer headers of POST /collect") {
    auto h = p.answer_headers("https://shop.example");
    REQUIRE(h.size() == 2);
    CHECK(h[0] == std::make_pair(std::string{"Vary"}, std::string{"Origin"}));
    CHECK(h[1].second == "https://shop.example");
    auto other = p.answer_headers("https://evil.example");
    REQUIRE(other.size() == 1);
    CHECK(other[0].first == "Vary");
  }
}
