#include <zlib.h>

#include <unistd.h>

#include <catch2/catch.hpp>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "runtime/generator.hpp"

using namespace clickstream;
namespace fs = std::filesystem;

namespace {

fs::path temp_dir() {
  fs::path p =
      fs::temp_directory_path() / ("clickstream-gen-test-" + std::to_string(::getpid()) + "-" +
                                   std::to_string(reinterpret_cast<std::uintptr_t>(&p) & 0xffff));
  fs::create_directories(p);
  return p;
}

}  // namespace

TEST_CASE("generator args: defaults and positionals", "[generator]") {
  auto r = parse_generator_args({});
  REQUIRE(r.ok());
  CHECK(r.options.url == "http://localhost:60000");
  CHECK(r.options.dataset.empty());
  CHECK(r.options.min_batch == 1);
  CHECK(r.options.max_batch == 10);
  CHECK(r.options.loops == 1);
  CHECK(r.options.concurrency == 1);

  r = parse_generator_args({"localhost:61000", "/tmp/x.jsonl"});
  REQUIRE(r.ok());
  CHECK(r.options.url == "http://localhost:61000");
  CHECK(r.options.dataset == "/tmp/x.jsonl");

  r = parse_generator_args({"--rate", "500", "--concurrency", "4", "--duration", "2.5", "--seed",
                            "7", "--batch", "2-3", "http://h:1/"});
  REQUIRE(r.ok());
  CHECK(r.options.rate == 500);
  CHECK(r.options.concurrency == 4);
  CHECK(r.options.duration_s == 2.5);
  CHECK(r.options.seed == 7);
  CHECK(r.options.min_batch == 2);
  CHECK(r.options.max_batch == 3);
  CHECK(r.options.url == "http://h:1");
  CHECK(parse_generator_args({"--answers", "a.txt"}).options.answers_file == "a.txt");

  r = parse_generator_args({"--synthesize", "100", "out.jsonl.gz", "--invalid-share", "0.5"});
  REQUIRE(r.ok());
  REQUIRE(r.options.synthesize_count);
  CHECK(*r.options.synthesize_count == 100);
  CHECK(r.options.synthesize_file == "out.jsonl.gz");
  CHECK(r.options.invalid_share == 0.5);

  r = parse_generator_args({"--synth-end-date", "2031-02-03", "--synth-days", "2"});
  REQUIRE(r.ok());
  CHECK(r.options.synth_year == 2031);
  CHECK(r.options.synth_month == 2);
  CHECK(r.options.synth_day == 3);
  CHECK(r.options.synth_days == 2);
  CHECK_THAT(parse_generator_args({"--synth-end-date", "2031-2-3"}).error,
             Catch::Contains("YYYY-MM-DD"));
  CHECK_THAT(parse_generator_args({"--synth-end-date", "2031-13-03"}).error,
             Catch::Contains("YYYY-MM-DD"));

  r = parse_generator_args({"--serve-null", "18080"});
  REQUIRE(r.ok());
  CHECK(r.options.serve_null_port == 18080);
  CHECK(r.options.serve_kafka_topic.empty());
  r = parse_generator_args({"--serve-null", "18080", "--serve-kafka", "bench.floor"});
  REQUIRE(r.ok());
  CHECK(r.options.serve_kafka_topic == "bench.floor");
  CHECK(parse_generator_args({"--help"}).options.help);
}

TEST_CASE("generator args: errors are explained", "[generator]") {
  CHECK_THAT(parse_generator_args({"--rate"}).error, Catch::Contains("--rate needs a value"));
  CHECK_THAT(parse_generator_args({"--rate", "fast"}).error, Catch::Contains("--rate"));
  CHECK_THAT(parse_generator_args({"--concurrency", "0"}).error, Catch::Contains("1..1024"));
  CHECK_THAT(parse_generator_args({"--loops", "0"}).error, Catch::Contains("--loops"));
  CHECK_THAT(parse_generator_args({"--batch", "5-2"}).error, Catch::Contains("MIN-MAX"));
  CHECK_THAT(parse_generator_args({"--invalid-share", "1.5"}).error, Catch::Contains("[0, 1]"));
  CHECK_THAT(parse_generator_args({"--synthesize", "10"}).error, Catch::Contains("N and FILE"));
  CHECK_THAT(parse_generator_args({"--bogus"}).error, Catch::Contains("unknown option"));
  CHECK_THAT(parse_generator_args({"a", "b", "c"}).error, Catch::Contains("too many"));
  CHECK_THAT(parse_generator_args({"--serve-null", "70000"}).error, Catch::Contains("port"));
  CHECK_THAT(parse_generator_args({"--serve-kafka", "t"}).error,
             Catch::Contains("goes with --serve-null"));
  CHECK_THAT(parse_generator_args({"--serve-null", "1", "--serve-kafka", ""}).error,
             Catch::Contains("topic name"));
  CHECK_THAT(generator_usage(), Catch::Contains("--synthesize N FILE"));
}

TEST_CASE("normalize_base_url", "[generator]") {
  CHECK(normalize_base_url("localhost:60000") == "http://localhost:60000");
  CHECK(normalize_base_url("http://localhost:60000/") == "http://localhost:60000");
  CHECK(normalize_base_url("https://collector.example") == "https://collector.example");
}

TEST_CASE("default dataset: shared/data above a repo or a worktree, then data/events.json",
          "[generator]") {
  auto c = default_dataset_candidates({"/work/wt/gen/build", "/tmp/x"});
  REQUIRE(c.size() >= 5);
  CHECK(c[0] == "/work/wt/gen/build/shared/data/sample-events.jsonl");
  CHECK(std::find(c.begin(), c.end(), "/work/shared/data/sample-events.jsonl") != c.end());
  CHECK(std::find(c.begin(), c.end(), "/shared/data/sample-events.jsonl") != c.end());
  CHECK(c[c.size() - 2] == "/work/wt/gen/build/data/events.json");
  CHECK(c.back() == "/tmp/x/data/events.json");
  // Found from inside the repository (../shared/data relative to it, or its parents).
  const std::string real = CLICKSTREAM_SHARED_DATA_DIR "/sample-events.jsonl";
  auto found = resolve_default_dataset({CLICKSTREAM_SOURCE_DIR});
  if (fs::exists(real)) CHECK(fs::equivalent(found, real));
  auto dir = temp_dir();
  CHECK(resolve_default_dataset({(dir / "nowhere").string()}).empty() ==
        !fs::exists("/shared/data/sample-events.jsonl"));
  fs::create_directories(dir / "data");
  std::ofstream(dir / "data" / "events.json") << "{}\n";
  CHECK(resolve_default_dataset({dir.string()}) == (dir / "data" / "events.json").string());
  fs::remove_all(dir);
}

TEST_CASE("load_event_lines reads plain and gzip JSON lines", "[generator]") {
  auto dir = temp_dir();
  const std::string text = "{\"id\":1}\r\n\n   \n{\"id\":2}  \n{\"id\":3}";
  {
    std::ofstream(dir / "plain.jsonl", std::ios::binary) << text;
    gzFile f = gzopen((dir / "z.jsonl.gz").c_str(), "wb");
    REQUIRE(f != nullptr);
    REQUIRE(gzwrite(f, text.data(), static_cast<unsigned>(text.size())) ==
            static_cast<int>(text.size()));
    gzclose(f);
  }
  const std::vector<std::string> want = {"{\"id\":1}", "{\"id\":2}", "{\"id\":3}"};
  CHECK(load_event_lines((dir / "plain.jsonl").string()) == want);
  CHECK(load_event_lines((dir / "z.jsonl.gz").string()) == want);
  CHECK_THROWS_WITH(load_event_lines((dir / "missing.jsonl").string()),
                    Catch::Contains("missing.jsonl"));
  fs::remove_all(dir);
}

TEST_CASE("load_event_lines reads the real sample", "[generator]") {
  const std::string real = CLICKSTREAM_SHARED_DATA_DIR "/sample-events.jsonl";
  std::string path = fs::exists(real) ? real : resolve_default_dataset({CLICKSTREAM_SOURCE_DIR});
  if (path.empty() || path.find("sample-events") == std::string::npos) {
    WARN("real sample not present: skipped");
    return;
  }
  auto lines = load_event_lines(path);
  CHECK(lines.size() == 1178);
  for (const auto& l : lines) REQUIRE(nlohmann::json::parse(l).is_object());
}

TEST_CASE("plan_batches: every event once, sizes in range, reproducible per seed", "[generator]") {
  for (std::size_t n : {0u, 1u, 9u, 1178u, 10000u}) {
    auto plan = plan_batches(n, 1, 10, 42);
    std::size_t pos = 0;
    for (const auto& [b, e] : plan) {
      REQUIRE(b == pos);
      REQUIRE(e > b);
      REQUIRE(e - b <= 10);
      pos = e;
    }
    CHECK(pos == n);
  }
  auto a = plan_batches(10000, 1, 10, 1);
  CHECK(a == plan_batches(10000, 1, 10, 1));
  CHECK(a != plan_batches(10000, 1, 10, 2));
  // Random sizes: all of 1..10 occur, and the mean is near 5.5.
  std::vector<int> seen(11, 0);
  for (const auto& [b, e] : a) seen[e - b]++;
  for (int s = 1; s <= 10; ++s) CHECK(seen[static_cast<std::size_t>(s)] > 0);
  double mean = 10000.0 / static_cast<double>(a.size());
  CHECK(mean > 5.0);
  CHECK(mean < 6.0);
  for (const auto& [b, e] : plan_batches(100, 3, 3, 5)) CHECK((e - b == 3 || e == 100));
}

TEST_CASE("build_batch_body makes a JSON array", "[generator]") {
  std::vector<std::string> ev = {"{\"a\":1}", "{\"b\":2}", "{\"c\":3}"};
  CHECK(build_batch_body(ev, 0, 1) == "[{\"a\":1}]");
  CHECK(build_batch_body(ev, 0, 3) == "[{\"a\":1},{\"b\":2},{\"c\":3}]");
  CHECK(nlohmann::json::parse(build_batch_body(ev, 1, 3)).size() == 2);
}

TEST_CASE("parse_collect_answer", "[generator]") {
  auto a = parse_collect_answer(R"({"correlation_id":"abc","accepted":7,"rejected":2})");
  REQUIRE(a);
  CHECK(a->correlation_id == "abc");
  CHECK(a->accepted == 7);
  CHECK(a->rejected == 2);
  CHECK_FALSE(parse_collect_answer(""));
  CHECK_FALSE(parse_collect_answer("ok"));
  CHECK_FALSE(parse_collect_answer("[1]"));
  CHECK_FALSE(parse_collect_answer(R"({"accepted":1})"));
  CHECK_FALSE(parse_collect_answer(R"({"accepted":"1","rejected":0})"));
  CHECK_FALSE(parse_collect_answer(R"({"accepted":-1,"rejected":0})"));
}

TEST_CASE("retry_after_ms honours delay-seconds, caps, falls back", "[generator]") {
  CHECK(retry_after_ms("2", 100, 10000) == 2000);
  CHECK(retry_after_ms(" 0.5 ", 100, 10000) == 500);
  CHECK(retry_after_ms("0", 100, 10000) == 0);
  CHECK(retry_after_ms("3600", 100, 10000) == 10000);
  CHECK(retry_after_ms("", 100, 10000) == 100);
  CHECK(retry_after_ms("Wed, 21 Oct 2015 07:28:00 GMT", 250, 10000) == 250);
  CHECK(retry_after_ms("-5", 100, 10000) == 100);
}

TEST_CASE("percentile is nearest-rank", "[generator]") {
  std::vector<double> none;
  CHECK(percentile(none, 50) == 0);
  std::vector<double> v;
  for (int i = 100; i >= 1; --i) v.push_back(i);
  CHECK(percentile(v, 50) == 50);
  CHECK(percentile(v, 99) == 99);
  CHECK(percentile(v, 100) == 100);
  CHECK(percentile(v, 0) == 1);
  std::vector<double> one = {3.5};
  CHECK(percentile(one, 99) == 3.5);
}

TEST_CASE("format_summary is the one-line contract", "[generator]") {
  GeneratorTotals t;
  t.sent = 1178;
  t.accepted = 1170;
  t.rejected = 8;
  t.failed = 0;
  t.elapsed_s = 2;
  t.p50_ms = 0.8;
  t.p99_ms = 3.25;
  CHECK(events_per_second(t) == 589);
  CHECK(format_summary(t) ==
        "generator: sent=1178 accepted=1170 rejected=8 failed=0 events_per_s=589.0 p50_ms=0.800 "
        "p99_ms=3.250");
  t.elapsed_s = 0;
  CHECK(events_per_second(t) == 0);
}

TEST_CASE("count_array_elements counts top-level elements without parsing", "[generator]") {
  CHECK(count_array_elements("[]") == 0u);
  CHECK(count_array_elements(" [ ] ") == 0u);
  CHECK(count_array_elements("[{}]") == 1u);
  CHECK(count_array_elements(R"([{"a":[1,2,{"b":"],}"}]},{"c":"\"[{"}, 3, "x", null])") == 5u);
  CHECK_FALSE(count_array_elements("{}"));
  CHECK_FALSE(count_array_elements("[1,2"));
  CHECK_FALSE(count_array_elements("[1],"));
  CHECK_FALSE(count_array_elements("[,1]"));
  CHECK_FALSE(count_array_elements(""));
}
