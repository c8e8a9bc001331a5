#include <unistd.h>

#include <catch2/catch.hpp>
#include <filesystem>
#include <map>
#include <nlohmann/json.hpp>
#include <regex>
#include <set>

#include "runtime/generator.hpp"
#include "runtime/synthesizer.hpp"

using namespace clickstream;
using nlohmann::json;

namespace {

const std::regex kIp(R"(^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$)");
const std::regex kTimestamp(
    R"(^\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])T([01]\d|2[0-3]):[0-5]\d:[0-5]\d\.\d{6}$)");
const std::regex kPage(
    R"(^https://xcc-webshop\.com(/cart|/checkout|/category/\d+|/products/\d+)?$)");

const std::set<std::string> kTypes = {"page_view",
                                      "search",
                                      "add_product_to_cart",
                                      "remove_product_from_cart",
                                      "visit_personal_recommendation",
                                      "visit_related_product",
                                      "visit_recently_visited_product",
                                      "placed_order",
                                      "sign_up_success"};

// The keys each type carries in the real sample (besides user-agent, ip, customer-id, timestamp).
std::set<std::string> extra_keys(const std::string& type) {
  if (type == "page_view") return {"page"};  // + optional referrer
  if (type == "search") return {"query"};
  if (type == "add_product_to_cart" || type == "remove_product_from_cart") return {"product"};
  if (type.rfind("visit_", 0) == 0) return {"product", "position"};
  return {};
}

// A plain re-statement of the schema's rules (schemas/acme.clickstream.raw.events.json), used to
// check that valid synthetic events are valid and invalid ones are not.
bool valid_ip(const std::string& s) {
  std::smatch m;
  if (!std::regex_match(s, m, kIp)) return false;
  for (int i = 1; i <= 4; ++i)
    if (std::stoi(m[i]) > 255) return false;
  return true;
}

bool schema_valid(const json& j) {
  if (!j.is_object() || !j.contains("id") || !j.contains("type") || !j.contains("event"))
    return false;
  if (!j["id"].is_number_unsigned()) return false;
  if (!j["type"].is_string() || kTypes.count(j["type"].get<std::string>()) == 0) return false;
  const json& e = j["event"];
  for (const char* k : {"user-agent", "ip", "customer-id", "timestamp"})
    if (!e.contains(k)) return false;
  if (!e["user-agent"].is_string() || e["user-agent"].get<std::string>().empty()) return false;
  if (!e["ip"].is_string() || !valid_ip(e["ip"].get<std::string>())) return false;
  if (!e["customer-id"].is_null() && !e["customer-id"].is_number_unsigned()) return false;
  if (!e["timestamp"].is_string() ||
      !std::regex_match(e["timestamp"].get<std::string>(), kTimestamp))
    return false;
  for (const auto& k : extra_keys(j["type"].get<std::string>()))
    if (!e.contains(k)) return false;
  for (const char* k : {"product", "position"})
    if (e.contains(k) && !e[k].is_number_unsigned()) return false;
  return true;
}

}  // namespace

TEST_CASE("synthesizer follows the real sample's types, keys and shapes", "[synthesizer]") {
  SynthesizerConfig cfg;
  cfg.seed = 1;
  cfg.invalid_share = 0;
  Synthesizer s(cfg);
  const int n = 20000;
  std::map<std::string, int> types;
  int anonymous = 0, page_views = 0, referrers = 0;
  std::set<std::string> days;
  for (int i = 0; i < n; ++i) {
    SyntheticEvent ev = s.next();
    json j = json::parse(ev.json);
    REQUIRE(ev.invalid == InvalidKind::none);
    INFO(ev.json);
    REQUIRE(schema_valid(j));
    const std::string type = j["type"];
    REQUIRE(type == ev.type);
    types[type]++;
    const json& e = j["event"];
    std::set<std::string> keys;
    for (auto it = e.begin(); it != e.end(); ++it) keys.insert(it.key());
    std::set<std::string> want = {"user-agent", "ip", "customer-id", "timestamp"};
    for (const auto& k : extra_keys(type)) want.insert(k);
    if (type == "page_view") {
      ++page_views;
      REQUIRE(std::regex_match(e["page"].get<std::string>(), kPage));
      if (e.contains("referrer")) {
        ++referrers;
        REQUIRE(e["referrer"].get<std::string>().rfind("https://", 0) == 0);
        want.insert("referrer");
      }
    }
    REQUIRE(keys == want);
    if (e["customer-id"].is_null()) {
      ++anonymous;
      REQUIRE_FALSE(ev.customer_id);
    } else {
      REQUIRE(ev.customer_id == e["customer-id"].get<std::int64_t>());
    }
    if (type == "placed_order") REQUIRE_FALSE(e["customer-id"].is_null());
    if (type == "sign_up_success") REQUIRE(e["customer-id"].is_null());
    REQUIRE(ev.day == e["timestamp"].get<std::string>().substr(0, 10));
    days.insert(ev.day);
  }
  // Proportions of the 1,178-event sample, within a few standard deviations.
  for (const auto& t : kSampleTypeCounts) {
    const double want = n * static_cast<double>(t.count) / 1178.0;
    INFO(t.type << " got " << types[std::string(t.type)] << " want ~" << want);
    CHECK(std::abs(types[std::string(t.type)] - want) < 5 * std::sqrt(want) + 2);
  }
  CHECK(anonymous / double(n) > 0.66);
  CHECK(anonymous / double(n) < 0.76);
  CHECK(referrers / double(page_views) > 0.10);
  CHECK(referrers / double(page_views) < 0.14);
  CHECK(days.size() == 7);
  CHECK(*days.begin() == "2022-06-01");
  CHECK(*days.rbegin() == "2022-06-07");
}

TEST_CASE("synthesizer date range crosses month and year ends", "[synthesizer]") {
  SynthesizerConfig cfg;
  cfg.last_year = 2031;
  cfg.last_month = 3;
  cfg.last_day = 1;
  cfg.days = 3;
  Synthesizer s(cfg);
  std::set<std::string> days;
  for (int i = 0; i < 2000; ++i) {
    auto ev = s.next();
    if (ev.invalid == InvalidKind::none) days.insert(ev.day);
  }
  CHECK(days == std::set<std::string>{"2031-02-27", "2031-02-28", "2031-03-01"});
  cfg.last_year = 2032;
  cfg.last_month = 1;
  cfg.last_day = 1;
  cfg.days = 2;
  Synthesizer s2(cfg);
  days.clear();
  for (int i = 0; i < 2000; ++i) {
    auto ev = s2.next();
    if (ev.invalid == InvalidKind::none) days.insert(ev.day);
  }
  CHECK(days == std::set<std::string>{"2031-12-31", "2032-01-01"});
}

TEST_CASE("synthesizer is reproducible per seed", "[synthesizer]") {
  SynthesizerConfig a;
  a.seed = 9;
  Synthesizer s1(a), s2(a);
  a.seed = 10;
  Synthesizer s3(a);
  bool differs = false;
  for (int i = 0; i < 200; ++i) {
    auto x = s1.next();
    REQUIRE(x.json == s2.next().json);
    differs = differs || x.json != s3.next().json;
  }
  CHECK(differs);
}

TEST_CASE("synthesizer invalid events: every kind, each one invalid", "[synthesizer]") {
  SynthesizerConfig cfg;
  cfg.seed = 3;
  cfg.invalid_share = 1.0;
  Synthesizer s(cfg);
  std::map<InvalidKind, int> kinds;
  for (int i = 0; i < 3000; ++i) {
    SyntheticEvent ev = s.next();
    REQUIRE(ev.invalid != InvalidKind::none);
    kinds[ev.invalid]++;
    json j = json::parse(ev.json);  // still well-formed JSON: only the schema rejects it
    INFO(invalid_kind_name(ev.invalid) << ": " << ev.json);
    REQUIRE_FALSE(schema_valid(j));
    REQUIRE_FALSE(ev.customer_id);
  }
  for (InvalidKind k : kInvalidKinds) {
    INFO(invalid_kind_name(k));
    CHECK(kinds[k] > 100);
  }
}

TEST_CASE("synthesizer invalid share is respected", "[synthesizer]") {
  SynthesizerConfig cfg;
  cfg.seed = 5;
  cfg.invalid_share = 0.02;
  Synthesizer s(cfg);
  int invalid = 0;
  const int n = 50000;
  for (int i = 0; i < n; ++i) invalid += s.next().invalid != InvalidKind::none;
  CHECK(invalid > 0.017 * n);
  CHECK(invalid < 0.023 * n);
}

TEST_CASE("write_synthetic_dataset writes plain and gzip files the generator reads back",
          "[synthesizer]") {
  namespace fs = std::filesystem;
  fs::path dir = fs::temp_directory_path() / ("clickstream-synth-" + std::to_string(::getpid()));
  fs::create_directories(dir);
  SynthesizerConfig cfg;
  cfg.seed = 11;
  cfg.invalid_share = 0.1;
  auto st = write_synthetic_dataset((dir / "a.jsonl").string(), 500, cfg);
  auto sz = write_synthetic_dataset((dir / "a.jsonl.gz").string(), 500, cfg);
  CHECK(st.events == 500);
  CHECK(st.invalid == sz.invalid);
  std::uint64_t by_kind = 0;
  for (auto c : st.invalid_by_kind) by_kind += c;
  CHECK(by_kind == st.invalid);
  CHECK(st.invalid > 20);
  auto plain = load_event_lines((dir / "a.jsonl").string());
  auto gz = load_event_lines((dir / "a.jsonl.gz").string());
  CHECK(plain.size() == 500);
  CHECK(plain == gz);
  CHECK(fs::file_size(dir / "a.jsonl.gz") < fs::file_size(dir / "a.jsonl"));
  CHECK_THROWS_WITH(write_synthetic_dataset((dir / "no" / "such" / "x.jsonl").string(), 1, cfg),
                    Catch::Contains("x.jsonl"));
  fs::remove_all(dir);
}
