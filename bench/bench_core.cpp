// Micro benchmark of the collector's pure hot path on one core: parse a body (1-10 real events),
// validate every event, encode raw records (Confluent value + visitor key) and invalid records.
// Usage: bench_core <schema.json> <sample-events.jsonl> [repetitions] [fixture-invalid.jsonl]
#include <chrono>
#include <fstream>
#include <iomanip>
#include <iostream>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "runtime/batch_parser.hpp"
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
  event_validator fast(schema);
  event_validator slow(schema);
  slow.set_fast_path(false);
  report("parse", run(bodies, reps, fast, mode::parse));
  report("parse + validate (fast path)", run(bodies, reps, fast, mode::validate));
  report("parse + validate (valijson only)",
         run(bodies, std::max(1, reps / 5), slow, mode::validate));
  report("parse + validate + encode (fast path)", run(bodies, reps, fast, mode::encode));
  if (argc > 4) {
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
