// Pure logic of clickstream-generator: command line, dataset loading, batch planning, the service's
// answer, Retry-After, latency percentiles and the summary line. The HTTP plumbing lives in
// runtime/bin/clickstream_generator.cpp.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace clickstream {

struct GeneratorOptions {
  std::string url = "http://localhost:60000";  // scheme://host:port of the collector
  std::string path = "/collect";
  std::string dataset;  // empty: resolved by resolve_default_dataset()
  std::uint64_t seed = 42;
  double rate = 0;            // events per second over all connections; 0 = as fast as possible
  unsigned concurrency = 1;   // connections (one thread each)
  double duration_s = 0;      // > 0: run for this long, cycling over the dataset
  std::uint64_t loops = 1;    // times the dataset is sent (ignored when duration_s > 0)
  std::size_t min_batch = 1;  // batch sizes are uniform in [min_batch, max_batch]
  std::size_t max_batch = 10;
  unsigned max_retries = 5;      // per batch, for 429/503 and connection errors
  double max_retry_wait_s = 10;  // cap on a Retry-After wait
  double timeout_s = 10;         // connect/read/write timeout of one request
  double progress_s = 5;         // progress line on stderr every this many seconds (0 = never)
  bool quiet = false;            // no progress lines
  std::string
      answers_file;  // --answers FILE: one line per 200 answer: correlation_id accepted rejected

  // --synthesize N FILE
  std::optional<std::uint64_t> synthesize_count;
  std::string synthesize_file;
  double invalid_share = 0.02;
  int synth_year = 2022, synth_month = 6, synth_day = 7;  // --synth-end-date YYYY-MM-DD
  int synth_days = 7;                                     // --synth-days N

  // --serve-null PORT
  std::optional<int> serve_null_port;
  unsigned serve_threads = 8;
  // --serve-kafka TOPIC (with --serve-null): the endpoint also produces every event to TOPIC and
  // answers after the last delivery report (the HTTP + Kafka floor of `make bench`)
  std::string serve_kafka_topic;

  bool help = false;
};

struct ParseResult {
  GeneratorOptions options;
  std::string error;  // non-empty: usage error, explained
  bool ok() const { return error.empty(); }
};

// Parses argv (argv[0] excluded). Positional: [hostname] [filename].
ParseResult parse_generator_args(const std::vector<std::string>& args);
std::string generator_usage();

// "localhost:60000" -> "http://localhost:60000"; strips a trailing slash; keeps http:// and
// https://.
std::string normalize_base_url(std::string_view hostname);

// Candidate dataset paths, in order: for every ancestor of each start directory, its
// shared/data/sample-events.jsonl (so ../shared/data relative to a repo or a worktree is found),
// then <start>/data/events.json.
std::vector<std::string> default_dataset_candidates(const std::vector<std::string>& start_dirs);
// First candidate that exists, or "" when none does.
std::string resolve_default_dataset(const std::vector<std::string>& start_dirs);

// Reads JSON lines from a plain or gzip file (zlib detects which). Blank lines are skipped;
// trailing CR/whitespace removed. Throws std::runtime_error with the path on failure.
std::vector<std::string> load_event_lines(const std::string& path);

// One pass over the dataset in file order, cut into batches whose sizes are drawn uniformly from
// [min_batch, max_batch] with a generator seeded by `seed`: same seed, same plan. Every event
// appears exactly once. Each entry is [begin, end) into the event list.
std::vector<std::pair<std::size_t, std::size_t>> plan_batches(std::size_t event_count,
                                                              std::size_t min_batch,
                                                              std::size_t max_batch,
                                                              std::uint64_t seed);

// "[e1,e2,...]" from events [begin, end).
std::string build_batch_body(const std::vector<std::string>& events, std::size_t begin,
                             std::size_t end);

struct CollectAnswer {
  std::string correlation_id;
  std::int64_t accepted = 0;
  std::int64_t rejected = 0;
};
// Parses the service's 200 answer {"correlation_id","accepted","rejected"}; nullopt when it is not
// such an object (missing keys, wrong types, negative counts).
std::optional<CollectAnswer> parse_collect_answer(std::string_view body);

// Retry-After as delay-seconds ("2", "0.5") -> milliseconds, capped at cap_ms; an HTTP-date or an
// unparsable/missing value -> fallback_ms.
std::int64_t retry_after_ms(std::string_view header, std::int64_t fallback_ms, std::int64_t cap_ms);

// Nearest-rank percentile (p in [0, 100]) of the samples; 0 for no samples. Reorders `samples`.
double percentile(std::vector<double>& samples, double p);

struct GeneratorTotals {
  std::uint64_t sent = 0;      // events in batches posted at least once
  std::uint64_t accepted = 0;  // as the service's 200 answers say
  std::uint64_t rejected = 0;  // as the service's 200 answers say
  std::uint64_t failed = 0;    // events in batches that never got a 200 with a valid answer
  double elapsed_s = 0;
  double p50_ms = 0;
  double p99_ms = 0;
};
// events_per_s counts the events the service answered for (accepted + rejected) over the wall time.
double events_per_second(const GeneratorTotals& t);
// generator: sent=N accepted=A rejected=R failed=F events_per_s=X p50_ms=P p99_ms=Q
std::string format_summary(const GeneratorTotals& t);

// Number of top-level elements of a JSON array text, scanning brackets and strings only (no full
// parse): the do-nothing endpoint's cheap answer. Returns nullopt when the text is not an array.
std::optional<std::size_t> count_array_elements(std::string_view body);

}  // namespace clickstream
