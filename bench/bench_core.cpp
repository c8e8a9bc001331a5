// Micro benchmark of the pure hot paths on one core. The collector's: parse a body (1-10 real
// events), validate every event, encode raw records (Confluent value + visitor key) and invalid
// records. The enricher's: parse one event, validate it again, build the metadata (user agent,
// page, referrer, day) and the enriched event. Under valgrind --tool=callgrind the same runs give
// instruction counts (bench/bench_core.sh --callgrind).
// Usage: bench_core <schema.json> <sample-events.jsonl> [repetitions] [fixture-invalid.jsonl]
#include <chrono>
#include <cstdlib>
#include <fstream>
#include <iomanip>
#include <iostream>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "runtime/batch_parser.hpp"
#include "runtime/metadata.hpp"
#include "runtime/records.hpp"
#include "runtime/schema_validator.hpp"

using namespace clickstream;

namespace {

std::string slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error("cannot read " + path);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::vector<std::string> bodies_of(const std::vector<std::string>& events, std::uint32_t seed) {
  std::mt19937 rng(seed);
  std::vector<std::string> bodies;
  for (std::size_t i = 0; i < events.size();) {
    const std::size_t n = 1 + rng() % 10;
    std::string b = "[";
    for (std::size_t k = 0; k < n && i < events.size(); ++k, ++i) {
      if (k) b += ", ";
      b += events[i];
    }
    bodies.push_back(b + "]");
  }
  return bodies;
}

struct result {
  std::size_t events = 0, invalid = 0, bytes = 0;
  double seconds = 0;
};

enum class mode { parse, validate, encode };

result run(const std::vector<std::string>& bodies, int reps, event_validator& validator, mode m) {
  batch_parser parser;
  std::vector<event_span> events;
  std::string message, value, key, invalid, cid = new_correlation_id();
  const std::string received_at = format_rfc3339_utc(std::chrono::system_clock::now());
  std::vector<validation_error> errors;
  result r;
  const auto t0 = std::chrono::steady_clock::now();
  for (int rep = 0; rep < reps; ++rep) {
    for (const auto& body : bodies) {
      if (parser.parse(body, events, message) != batch_error::none) {
        throw std::runtime_error("bad body: " + message);
      }
      r.events += events.size();
      if (m == mode::parse) continue;
      for (std::size_t i = 0; i < events.size(); ++i) {
        errors.clear();
        const bool ok = validator.validate(events[i].element, errors);
        if (!ok) ++r.invalid;
        if (m != mode::encode) continue;
        visitor_key(events[i].element, key);
        if (ok) {
          value.clear();
          append_confluent_value(value, validator.schema().id(), events[i].raw);
          r.bytes += value.size() + key.size();
        } else {
          invalid.clear();
          append_invalid_record(
              invalid, events[i].raw, errors,
              {"schema_validation", cid, received_at, validator.schema().subject(),
               validator.schema().version(), validator.schema().id(), static_cast<long>(i)});
          r.bytes += invalid.size() + key.size();
        }
      }
    }
  }
  r.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  return r;
}

// The enricher's per-record work (runtime/enricher.cpp, enricher::process) without Kafka.
result run_enrich(const std::vector<std::string>& events, int reps, event_validator& validator) {
  simdjson::dom::parser parser;
  std::vector<validation_error> errors;
  std::string meta, out, reason;
  const std::string cid = new_correlation_id();
  const std::string received_at = format_rfc3339_utc(std::chrono::system_clock::now());
  const enrichment_options opts;
  result r;
  const auto t0 = std::chrono::steady_clock::now();
  for (int rep = 0; rep < reps; ++rep) {
    std::int64_t offset = 0;
    for (const auto& e : events) {
      simdjson::dom::element doc;
      if (parser.parse(e.data(), e.size()).get(doc) != simdjson::SUCCESS) {
        throw std::runtime_error("bad event");
      }
      ++r.events;
      errors.clear();
      event_fields fields;
      if (!validator.validate(doc, errors) || !extract_event_fields(doc, fields, reason)) {
        ++r.invalid;
        continue;
      }
      metadata_context ctx;
      ctx.correlation_id = cid;
      ctx.received_at = received_at;
      ctx.received_at_us = 1764000000000000;
      ctx.processed_at_us = 1764000000100000 + offset;
      ctx.schema_subject = validator.schema().subject();
      ctx.schema_id = validator.schema().id();
      ctx.schema_version = validator.schema().version();
      ctx.source_topic = "acme.clickstream.raw.events";
      ctx.source_partition = 0;
      ctx.source_offset = offset++;
      meta.clear();
      append_metadata_json(meta, ctx, fields, opts);
      out.clear();
      append_enriched_event(out, e, meta);
      r.bytes += out.size();
    }
  }
  r.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  return r;
}

void report(const char* what, const result& r) {
  std::cout << std::left << std::setw(44) << what << std::right << std::setw(12)
            << static_cast<long>(static_cast<double>(r.events) / r.seconds) << " events/s"
            << std::setw(10) << std::fixed << std::setprecision(2)
            << 1e6 * r.seconds / static_cast<double>(r.events) << " us/event  (" << r.events
            << " events, " << r.invalid << " invalid)\n";
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 3) {
    std::cerr << "usage: bench_core <schema.json> <sample-events.jsonl> [repetitions] "
                 "[invalid-fixture.jsonl]\n";
    return 2;
  }
  const int reps = argc > 3 ? std::stoi(argv[3]) : 50;
  const auto schema =
      compiled_schema::compile(slurp(argv[1]), 1, 1, "acme.clickstream.raw.events-value");
  std::vector<std::string> sample;
  {
    std::istringstream in(slurp(argv[2]));
    for (std::string line; std::getline(in, line);) {
      if (!line.empty()) sample.push_back(line);
    }
  }
  const auto bodies = bodies_of(sample, 42);
  std::cout << "real sample: " << sample.size() << " events in " << bodies.size()
            << " bodies of 1-10 events, x" << reps
            << "; fast path: " << (schema->fast() ? "yes" : "no (" + schema->fast_path_note() + ")")
            << "\n";
  // BENCH_CORE_ONLY=collector|enricher runs one path (for callgrind's per-path counts).
  const char* only_env = std::getenv("BENCH_CORE_ONLY");
  const std::string only = only_env ? only_env : "";
  const bool collector = only.empty() || only == "collector";
  const bool enricher = only.empty() || only == "enricher";
  event_validator fast(schema);
  event_validator slow(schema);
  slow.set_fast_path(false);
  if (collector) {
    if (only.empty()) {
      report("parse", run(bodies, reps, fast, mode::parse));
      report("parse + validate (fast path)", run(bodies, reps, fast, mode::validate));
      report("parse + validate (valijson only)",
             run(bodies, std::max(1, reps / 5), slow, mode::validate));
    }
    report("parse + validate + encode (fast path)", run(bodies, reps, fast, mode::encode));
  }
  if (enricher)
    report("enricher: parse + validate + metadata + event", run_enrich(sample, reps, fast));
  if (argc > 4 && only.empty()) {
    std::vector<std::string> bad;
    std::istringstream in(slurp(argv[4]));
    for (std::string line; std::getline(in, line);) {
      if (!line.empty()) bad.push_back(nlohmann::json::parse(line).at("event").dump());
    }
    report("invalid events: parse + errors + encode",
           run(bodies_of(bad, 7), std::max(1, reps * 4), fast, mode::encode));
  }
  return 0;
}
