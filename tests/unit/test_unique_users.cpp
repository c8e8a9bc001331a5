// Exact daily unique users: day boundaries, null customers, duplicates, window, throttling,
// restart.
#include <catch2/catch.hpp>

#include "tests/unit/shared_data.hpp"

#include <algorithm>
#include <fstream>
#include <map>
#include <random>
#include <set>
#include <string>
#include <vector>

#include <simdjson.h>

#include "runtime/event_day.hpp"
#include "runtime/unique_users.hpp"

using namespace clickstream;

namespace {
std::int32_t day_of(const char* ts) {
  auto d = event_utc_day(ts);
  REQUIRE(d);
  return *d;
}
}  // namespace

TEST_CASE("event day: UTC day of zone-less timestamps, boundaries", "[unique_users]") {
  CHECK(day_of("1970-01-01T00:00:00") == 0);
  CHECK(day_of("2022-04-28T07:38:46.290271") == 19110);
  CHECK(day_of("2022-04-28T23:59:59.999999") == 19110);
  CHECK(day_of("2022-04-29T00:00:00.000000") == 19111);
  CHECK(day_of("2024-02-29T12:00:00") == *parse_day("2024-02-29"));
  CHECK(day_of("2022-04-28T23:30:00-01:00") == 19111);  // an explicit offset is honoured
  CHECK(day_of("2022-04-28T00:30:00+02:00") == 19109);
  CHECK(day_of("2022-04-28T10:00:00Z") == 19110);
  CHECK_FALSE(event_utc_day("2022-02-30T00:00:00"));
  CHECK_FALSE(event_utc_day("2022-04-28"));
  CHECK_FALSE(event_utc_day("2022-04-28T24:00:00"));
  CHECK_FALSE(event_utc_day("2022-04-28T10:00:00."));
  CHECK_FALSE(event_utc_day("garbage"));
  CHECK_FALSE(event_utc_day(""));
  CHECK(day_view(format_day(19110)) == "2022-04-28");
  CHECK(day_view(format_day(0)) == "1970-01-01");
  for (std::int32_t d = -1000; d < 30000; d += 7) CHECK(*parse_day(day_view(format_day(d))) == d);
}

TEST_CASE("id_set: inserts, duplicates, growth, the sentinel value", "[unique_users]") {
  id_set s;
  CHECK_FALSE(s.contains(5));
  for (std::uint64_t i = 0; i < 10000; ++i) CHECK(s.insert(i * 7919));
  for (std::uint64_t i = 0; i < 10000; ++i) CHECK_FALSE(s.insert(i * 7919));
  CHECK(s.size() == 10000);
  CHECK(s.capacity() >= 20000);
  CHECK(s.insert(~std::uint64_t{0}));
  CHECK_FALSE(s.insert(~std::uint64_t{0}));
  CHECK(s.contains(~std::uint64_t{0}));
  CHECK(s.size() == 10001);
}

TEST_CASE("unique users: day boundaries, null customers, duplicates", "[unique_users]") {
  unique_users_counter c({30, 1000});
  const auto d1 = day_of("2022-04-28T23:59:59.999999");
  const auto d2 = day_of("2022-04-29T00:00:00");
  CHECK(c.add(d1, 1) == add_result::added);
  CHECK(c.add(d2, 1) == add_result::added);      // same customer, next day: counted there too
  CHECK(c.add(d1, 1) == add_result::duplicate);  // a retried duplicate does not double count
  CHECK(c.add(d1, std::nullopt) == add_result::anonymous);
  CHECK(c.add(d1, 2) == add_result::added);
  CHECK(c.count(d1) == 2);
  CHECK(c.count(d2) == 1);
  CHECK(c.ids() == 3);
  CHECK(c.days() == 2);
  // A day with only anonymous visitors exists with 0.
  const auto d3 = d2 + 1;
  CHECK(c.add(d3, std::nullopt) == add_result::anonymous);
  CHECK(c.days() == 3);
  CHECK(c.count(d3) == 0);
}

TEST_CASE("unique users: window eviction and late events", "[unique_users]") {
  unique_users_counter c({3, 0});
  CHECK(c.add(100, 1) == add_result::added);
  CHECK(c.add(102, 1) == add_result::added);
  CHECK(c.days() == 2);
  CHECK(c.add(100, 2) == add_result::added);  // late but inside the window [100, 102]
  CHECK(c.count(100) == 2);
  CHECK(c.add(103, 1) == add_result::added);  // window moves to [101, 103]: day 100 dropped
  CHECK(c.days() == 2);
  CHECK(c.count(100) == 0);
  CHECK(c.add(100, 3) == add_result::too_old);
  CHECK(c.add(101, 3) == add_result::added);
  CHECK(*c.newest_day() == 103);
  CHECK(*c.oldest_kept_day() == 101);
  // A timestamp far in the future cannot wipe the window.
  CHECK(c.add(90000, 9, /*latest_allowed_day=*/104) == add_result::too_new);
  CHECK(c.days() == 3);
}

TEST_CASE("unique users: throttled emission of changed days only", "[unique_users]") {
  unique_users_counter c({30, 1000});
  std::vector<day_count> out;
  c.add(10, 1);
  c.add(11, 1);
  c.collect_due(0, out);
  REQUIRE(out.size() == 2);
  CHECK(out[0].day == 10);
  CHECK(out[0].unique_users == 1);
  out.clear();
  c.collect_due(5000, out);  // nothing changed: nothing emitted
  CHECK(out.empty());
  c.add(10, 2);
  c.add(10, 2);              // duplicate: not a change
  c.collect_due(5500, out);  // day 10 last emitted at 0: due
  REQUIRE(out.size() == 1);
  CHECK(out[0].unique_users == 2);
  out.clear();
  c.add(10, 3);
  c.collect_due(6000, out);  // changed, but emitted 500 ms ago: throttled
  CHECK(out.empty());
  CHECK(c.dirty_days() == 1);
  c.collect_due(6500, out);
  REQUIRE(out.size() == 1);
  CHECK(out[0].unique_users == 3);
  out.clear();
  c.mark_dirty(10);  // a failed delivery
  c.collect_due(7500, out);
  CHECK(out.size() == 1);
  out.clear();
  c.mark_all_dirty();  // after a rebuild: everything once, at once
  c.collect_due(7600, out);
  CHECK(out.size() == 2);
}

TEST_CASE("unique users: the sample, and a restart rebuilding from the same records",
          "[unique_users]") {
  std::ifstream in(clickstream::test::shared_data_file("sample-events.jsonl"));
  if (!in) {
    WARN("sample not found; skipped");
    return;
  }
  struct rec {
    std::int32_t day;
    std::optional<std::int64_t> customer;
  };
  std::vector<rec> records;
  std::map<std::int32_t, std::set<std::int64_t>> expected;
  simdjson::dom::parser parser;
  std::string line;
  while (std::getline(in, line)) {
    auto doc = parser.parse(line);
    std::string_view ts = doc["event"]["timestamp"].get_string();
    auto customer = doc["event"]["customer-id"];
    rec r{day_of(std::string(ts).c_str()), std::nullopt};
    if (!customer.is_null()) r.customer = std::int64_t(customer.get_int64());
    records.push_back(r);
    auto& set = expected[r.day];
    if (r.customer) set.insert(*r.customer);
  }
  REQUIRE(records.size() == 1178);

  unique_users_counter live({90, 1000});
  for (const auto& r : records) live.add(r.day, r.customer);
  for (const auto& [day, ids] : expected) CHECK(live.count(day) == ids.size());
  CHECK(live.days() == expected.size());

  // Restart: the topic replays the same records, possibly with retried duplicates and in another
  // interleaving of partitions; the counts are the same.
  unique_users_counter rebuilt({90, 1000});
  std::vector<rec> replay = records;
  replay.insert(replay.end(), records.begin(), records.begin() + 300);  // duplicates
  std::shuffle(replay.begin(), replay.end(), std::mt19937(42));
  for (const auto& r : replay) rebuilt.add(r.day, r.customer);
  for (const auto& [day, ids] : expected) CHECK(rebuilt.count(day) == live.count(day));

  std::vector<day_count> out;
  rebuilt.mark_all_dirty();
  rebuilt.collect_due(0, out);
  CHECK(out.size() == expected.size());
}

TEST_CASE("unique users: JSON value", "[unique_users]") {
  CHECK(unique_users_json({19110, 42}, 1764092400123456) ==
        R"({"date":"2022-04-28","unique_users":42,"updated_at":"2025-11-25T17:40:00.123456Z"})");
}
