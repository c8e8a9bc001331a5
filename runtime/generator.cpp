#include "runtime/generator.hpp"

#include <zlib.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <random>
#include <sstream>
#include <stdexcept>

namespace clickstream {

namespace {

bool parse_u64(const std::string& s, std::uint64_t& out) {
  if (s.empty()) return false;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
  return ec == std::errc() && p == s.data() + s.size();
}

bool parse_double(const std::string& s, double& out) {
  if (s.empty()) return false;
  char* end = nullptr;
  errno = 0;
  out = std::strtod(s.c_str(), &end);
  return errno == 0 && end == s.c_str() + s.size() && std::isfinite(out);
}

}  // namespace

std::string generator_usage() {
  return R"(usage: clickstream-generator [options] [hostname] [filename]
       clickstream-generator --synthesize N FILE [--seed S] [--invalid-share F]
       clickstream-generator --serve-null PORT [--serve-threads T] [--serve-kafka TOPIC]

Replays a JSON-lines dataset (plain or gzip) to POST <hostname>/collect in random batches of 1 to 10
events and prints one summary line on stdout:
  generator: sent=N accepted=A rejected=R failed=F events_per_s=X p50_ms=P p99_ms=Q

positional:
  hostname               collector base URL (default http://localhost:60000; "host:port" works too)
  filename               dataset (default: the nearest shared/data/sample-events.jsonl above the
                         binary or the working directory, else data/events.json; env
                         CLICKSTREAM_DATASET overrides)
options:
  --seed S               batch sizes and synthesized data are reproducible per seed (default 42)
  --rate R               events per second over all connections (default 0: as fast as possible)
  --concurrency C        connections, one thread each (default 1)
  --duration SECONDS     run this long, cycling over the dataset (overrides --loops)
  --loops N              send the dataset N times (default 1)
  --batch MIN-MAX        batch size range (default 1-10)
  --max-retries N        retries per batch on 429/503/connection errors (default 5)
  --max-retry-wait S     cap on an honoured Retry-After, seconds (default 10)
  --timeout S            connect/read/write timeout per request, seconds (default 10)
  --progress S           progress line on stderr every S seconds (default 5; 0 = off)
  --quiet                no progress lines
  --answers FILE         write one line per 200 answer: "<correlation_id> <accepted> <rejected>"
  --synthesize N FILE    write N synthetic events following the real sample's shape (".gz": gzip)
  --invalid-share F      share of invalid events when synthesizing (default 0.02)
  --synth-end-date D     synthesized timestamps end on day D, YYYY-MM-DD (default 2022-06-07)
  --synth-days N         ... and spread over N days (default 7)
  --serve-null PORT      run a do-nothing endpoint answering 200 to POST /collect (HTTP ceiling)
  --serve-threads T      its thread pool (default 8)
  --serve-kafka TOPIC    with --serve-null: produce each event of a body as it came to TOPIC
                         (KAFKA_BOOTSTRAP_SERVERS, the service's producer defaults: acks=all,
                         idempotent, lz4, linger 5 ms) and answer after the last delivery report;
                         no validation, no actors (the HTTP + Kafka floor of make bench)
  -h, --help             this text
exit status: 0 when every batch got a 200 answer, 1 when some failed, 2 on a usage or input error.
)";
}

ParseResult parse_generator_args(const std::vector<std::string>& args) {
  ParseResult r;
  GeneratorOptions& o = r.options;
  std::vector<std::string> positional;
  auto need = [&](std::size_t& i, const std::string& name) -> const std::string* {
    if (i + 1 >= args.size()) {
      r.error = name + " needs a value";
      return nullptr;
    }
    return &args[++i];
  };
  for (std::size_t i = 0; i < args.size() && r.ok(); ++i) {
    const std::string& a = args[i];
    std::uint64_t u = 0;
    double d = 0;
    if (a == "-h" || a == "--help") {
      o.help = true;
    } else if (a == "--quiet") {
      o.quiet = true;
    } else if (a == "--seed") {
      if (auto v = need(i, a)) {
        if (!parse_u64(*v, o.seed))
          r.error = "--seed wants a non-negative integer, got '" + *v + "'";
      }
    } else if (a == "--rate") {
      if (auto v = need(i, a)) {
        if (!parse_double(*v, d) || d < 0) r.error = "--rate wants events/s >= 0, got '" + *v + "'";
        o.rate = d;
      }
    } else if (a == "--concurrency") {
      if (auto v = need(i, a)) {
        if (!parse_u64(*v, u) || u < 1 || u > 1024)
          r.error = "--concurrency wants 1..1024, got '" + *v + "'";
        o.concurrency = static_cast<unsigned>(u);
      }
    } else if (a == "--duration") {
      if (auto v = need(i, a)) {
        if (!parse_double(*v, d) || d <= 0)
          r.error = "--duration wants seconds > 0, got '" + *v + "'";
        o.duration_s = d;
      }
    } else if (a == "--loops") {
      if (auto v = need(i, a)) {
        if (!parse_u64(*v, o.loops) || o.loops < 1)
          r.error = "--loops wants an integer >= 1, got '" + *v + "'";
      }
    } else if (a == "--batch") {
      if (auto v = need(i, a)) {
        auto dash = v->find('-');
        std::uint64_t lo = 0, hi = 0;
        if (dash == std::string::npos || !parse_u64(v->substr(0, dash), lo) ||
            !parse_u64(v->substr(dash + 1), hi) || lo < 1 || hi < lo || hi > 100000)
          r.error = "--batch wants MIN-MAX with 1 <= MIN <= MAX, got '" + *v + "'";
        o.min_batch = lo;
        o.max_batch = hi;
      }
    } else if (a == "--max-retries") {
      if (auto v = need(i, a)) {
        if (!parse_u64(*v, u) || u > 1000)
          r.error = "--max-retries wants 0..1000, got '" + *v + "'";
        o.max_retries = static_cast<unsigned>(u);
      }
    } else if (a == "--max-retry-wait") {
      if (auto v = need(i, a)) {
        if (!parse_double(*v, d) || d < 0)
          r.error = "--max-retry-wait wants seconds >= 0, got '" + *v + "'";
        o.max_retry_wait_s = d;
      }
    } else if (a == "--timeout") {
      if (auto v = need(i, a)) {
        if (!parse_double(*v, d) || d <= 0)
          r.error = "--timeout wants seconds > 0, got '" + *v + "'";
        o.timeout_s = d;
      }
    } else if (a == "--progress") {
      if (auto v = need(i, a)) {
        if (!parse_double(*v, d) || d < 0)
          r.error = "--progress wants seconds >= 0, got '" + *v + "'";
        o.progress_s = d;
      }
    } else if (a == "--answers") {
      if (auto v = need(i, a)) o.answers_file = *v;
    } else if (a == "--synthesize") {
      if (i + 2 >= args.size()) {
        r.error = "--synthesize needs N and FILE";
      } else {
        if (!parse_u64(args[i + 1], u))
          r.error = "--synthesize wants a count N, got '" + args[i + 1] + "'";
        o.synthesize_count = u;
        o.synthesize_file = args[i + 2];
        i += 2;
      }
    } else if (a == "--invalid-share") {
      if (auto v = need(i, a)) {
        if (!parse_double(*v, d) || d < 0 || d > 1)
          r.error = "--invalid-share wants a fraction in [0, 1], got '" + *v + "'";
        o.invalid_share = d;
      }
    } else if (a == "--synth-end-date") {
      if (auto v = need(i, a)) {
        int y = 0, m = 0, d = 0;
        char extra = 0;
        if (v->size() != 10 || std::sscanf(v->c_str(), "%4d-%2d-%2d%c", &y, &m, &d, &extra) != 3 ||
            y < 1970 || y > 9999 || m < 1 || m > 12 || d < 1 || d > 31)
          r.error = "--synth-end-date wants YYYY-MM-DD, got '" + *v + "'";
        o.synth_year = y;
        o.synth_month = m;
        o.synth_day = d;
      }
    } else if (a == "--synth-days") {
      if (auto v = need(i, a)) {
        if (!parse_u64(*v, u) || u < 1 || u > 3650)
          r.error = "--synth-days wants 1..3650, got '" + *v + "'";
        o.synth_days = static_cast<int>(u);
      }
    } else if (a == "--serve-null") {
      if (auto v = need(i, a)) {
        if (!parse_u64(*v, u) || u > 65535) r.error = "--serve-null wants a port, got '" + *v + "'";
        o.serve_null_port = static_cast<int>(u);
      }
    } else if (a == "--serve-kafka") {
      if (auto v = need(i, a)) {
        if (v->empty()) r.error = "--serve-kafka wants a topic name";
        o.serve_kafka_topic = *v;
      }
    } else if (a == "--serve-threads") {
      if (auto v = need(i, a)) {
        if (!parse_u64(*v, u) || u < 1 || u > 1024)
          r.error = "--serve-threads wants 1..1024, got '" + *v + "'";
        o.serve_threads = static_cast<unsigned>(u);
      }
    } else if (a.size() > 1 && a[0] == '-') {
      r.error = "unknown option '" + a + "' (see --help)";
    } else {
      positional.push_back(a);
    }
  }
  if (!r.ok()) return r;
  if (!o.serve_kafka_topic.empty() && !o.serve_null_port) {
    r.error = "--serve-kafka goes with --serve-null PORT";
    return r;
  }
  if (positional.size() > 2) {
    r.error = "too many arguments: at most [hostname] [filename]";
    return r;
  }
  if (positional.size() >= 1) {
    if (positional[0].empty()) {
      r.error = "hostname is empty";
      return r;
    }
    o.url = normalize_base_url(positional[0]);
  }
  if (positional.size() == 2) o.dataset = positional[1];
  return r;
}

std::string normalize_base_url(std::string_view hostname) {
  std::string s(hostname);
  if (s.rfind("http://", 0) != 0 && s.rfind("https://", 0) != 0) s = "http://" + s;
  while (s.size() > 8 && s.back() == '/') s.pop_back();
  return s;
}

std::vector<std::string> default_dataset_candidates(const std::vector<std::string>& start_dirs) {
  namespace fs = std::filesystem;
  std::vector<std::string> out;
  auto add = [&](const fs::path& p) {
    std::string s = p.lexically_normal().string();
    if (std::find(out.begin(), out.end(), s) == out.end()) out.push_back(s);
  };
  for (const auto& start : start_dirs) {
    if (start.empty()) continue;
    fs::path dir = fs::path(start).lexically_normal();
    while (true) {
      add(dir / "shared" / "data" / "sample-events.jsonl");
      if (!dir.has_relative_path()) break;
      fs::path parent = dir.parent_path();
      if (parent == dir) break;
      dir = parent;
    }
  }
  for (const auto& start : start_dirs) {
    if (!start.empty()) add(fs::path(start) / "data" / "events.json");
  }
  return out;
}

std::string resolve_default_dataset(const std::vector<std::string>& start_dirs) {
  std::error_code ec;
  for (const auto& c : default_dataset_candidates(start_dirs)) {
    if (std::filesystem::is_regular_file(c, ec)) return c;
  }
  return {};
}

std::vector<std::string> load_event_lines(const std::string& path) {
  gzFile f = gzopen(path.c_str(), "rb");
  if (f == nullptr) {
    throw std::runtime_error("cannot open dataset '" + path + "': " + std::strerror(errno));
  }
  gzbuffer(f, 1 << 17);
  std::vector<std::string> lines;
  std::string current;
  char buf[1 << 16];
  while (true) {
    int n = gzread(f, buf, sizeof buf);
    if (n < 0) {
      int code = 0;
      std::string msg = gzerror(f, &code);
      gzclose(f);
      throw std::runtime_error("cannot read dataset '" + path + "': " + msg);
    }
    if (n == 0) break;
    const char* p = buf;
    const char* end = buf + n;
    while (p < end) {
      const char* nl = static_cast<const char*>(std::memchr(p, '\n', static_cast<size_t>(end - p)));
      if (nl == nullptr) {
        current.append(p, end);
        break;
      }
      current.append(p, nl);
      lines.push_back(std::move(current));
      current.clear();
      p = nl + 1;
    }
  }
  gzclose(f);
  if (!current.empty()) lines.push_back(std::move(current));
  std::vector<std::string> out;
  out.reserve(lines.size());
  for (auto& l : lines) {
    std::size_t b = 0, e = l.size();
    while (b < e && std::isspace(static_cast<unsigned char>(l[b]))) ++b;
    while (e > b && std::isspace(static_cast<unsigned char>(l[e - 1]))) --e;
    if (b == e) continue;
    out.push_back(l.substr(b, e - b));
  }
  return out;
}

std::vector<std::pair<std::size_t, std::size_t>> plan_batches(std::size_t event_count,
                                                              std::size_t min_batch,
                                                              std::size_t max_batch,
                                                              std::uint64_t seed) {
  if (min_batch < 1) min_batch = 1;
  if (max_batch < min_batch) max_batch = min_batch;
  std::mt19937_64 rng(seed);
  std::vector<std::pair<std::size_t, std::size_t>> plan;
  plan.reserve(event_count / ((min_batch + max_batch) / 2 + 1) + 1);
  std::size_t pos = 0;
  while (pos < event_count) {
    // Not std::uniform_int_distribution: its output differs between standard libraries.
    std::size_t span = max_batch - min_batch + 1;
    std::size_t size = min_batch + static_cast<std::size_t>(rng() % span);
    std::size_t end = std::min(event_count, pos + size);
    plan.emplace_back(pos, end);
    pos = end;
  }
  return plan;
}

std::string build_batch_body(const std::vector<std::string>& events, std::size_t begin,
                             std::size_t end) {
  std::size_t total = 2;
  for (std::size_t i = begin; i < end; ++i) total += events[i].size() + 1;
  std::string body;
  body.reserve(total);
  body.push_back('[');
  for (std::size_t i = begin; i < end; ++i) {
    if (i != begin) body.push_back(',');
    body.append(events[i]);
  }
  body.push_back(']');
  return body;
}

std::optional<CollectAnswer> parse_collect_answer(std::string_view body) {
  auto j = nlohmann::json::parse(body.begin(), body.end(), nullptr, false);
  if (j.is_discarded() || !j.is_object()) return std::nullopt;
  auto acc = j.find("accepted");
  auto rej = j.find("rejected");
  if (acc == j.end() || rej == j.end() || !acc->is_number_integer() || !rej->is_number_integer())
    return std::nullopt;
  CollectAnswer a;
  a.accepted = acc->get<std::int64_t>();
  a.rejected = rej->get<std::int64_t>();
  if (a.accepted < 0 || a.rejected < 0) return std::nullopt;
  auto cid = j.find("correlation_id");
  if (cid != j.end() && cid->is_string()) a.correlation_id = cid->get<std::string>();
  return a;
}

std::int64_t retry_after_ms(std::string_view header, std::int64_t fallback_ms,
                            std::int64_t cap_ms) {
  std::string s(header);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.pop_back();
  std::size_t b = 0;
  while (b < s.size() && std::isspace(static_cast<unsigned char>(s[b]))) ++b;
  s = s.substr(b);
  double secs = 0;
  std::int64_t ms = fallback_ms;
  if (!s.empty() && std::isdigit(static_cast<unsigned char>(s[0])) && parse_double(s, secs) &&
      secs >= 0) {
    ms = static_cast<std::int64_t>(std::llround(secs * 1000.0));
  }
  return std::min(std::max<std::int64_t>(ms, 0), cap_ms);
}

double percentile(std::vector<double>& samples, double p) {
  if (samples.empty()) return 0;
  p = std::min(100.0, std::max(0.0, p));
  auto rank = static_cast<std::size_t>(std::ceil(p / 100.0 * static_cast<double>(samples.size())));
  std::size_t idx = rank == 0 ? 0 : rank - 1;
  std::nth_element(samples.begin(), samples.begin() + static_cast<std::ptrdiff_t>(idx),
                   samples.end());
  return samples[idx];
}

double events_per_second(const GeneratorTotals& t) {
  if (t.elapsed_s <= 0) return 0;
  return static_cast<double>(t.accepted + t.rejected) / t.elapsed_s;
}

std::string format_summary(const GeneratorTotals& t) {
  char buf[256];
  std::snprintf(
      buf, sizeof buf,
      "generator: sent=%llu accepted=%llu rejected=%llu failed=%llu events_per_s=%.1f "
      "p50_ms=%.3f p99_ms=%.3f",
      static_cast<unsigned long long>(t.sent), static_cast<unsigned long long>(t.accepted),
      static_cast<unsigned long long>(t.rejected), static_cast<unsigned long long>(t.failed),
      events_per_second(t), t.p50_ms, t.p99_ms);
  return buf;
}

std::optional<std::size_t> count_array_elements(std::string_view body) {
  std::size_t i = 0;
  auto skip_ws = [&] {
    while (i < body.size() &&
           (body[i] == ' ' || body[i] == '\n' || body[i] == '\r' || body[i] == '\t'))
      ++i;
  };
  skip_ws();
  if (i >= body.size() || body[i] != '[') return std::nullopt;
  ++i;
  int depth = 1;
  std::size_t count = 0;
  bool element_open = false;
  bool in_string = false;
  for (; i < body.size(); ++i) {
    char c = body[i];
    if (in_string) {
      if (c == '\\') {
        ++i;
      } else if (c == '"') {
        in_string = false;
      }
      continue;
    }
    switch (c) {
      case '"':
        in_string = true;
        if (depth == 1 && !element_open) element_open = true, ++count;
        break;
      case '[':
      case '{':
        if (depth == 1 && !element_open) element_open = true, ++count;
        ++depth;
        break;
      case ']':
      case '}':
        --depth;
        if (depth == 0) {
          ++i;
          skip_ws();
          if (i != body.size()) return std::nullopt;
          return count;
        }
        break;
      case ',':
        if (depth == 1) {
          if (!element_open) return std::nullopt;
          element_open = false;
        }
        break;
      case ' ':
      case '\n':
      case '\r':
      case '\t':
        break;
      default:
        if (depth == 1 && !element_open) element_open = true, ++count;
        break;
    }
  }
  return std::nullopt;
}

}  // namespace clickstream
