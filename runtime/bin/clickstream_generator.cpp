// clickstream-generator: replays a JSON-lines dataset to POST /collect in random batches of 1 to
// 10, synthesizes datasets (--synthesize), or serves a do-nothing /collect endpoint (--serve-null;
// with --serve-kafka it writes the events to Kafka before answering).
// The logic lives in runtime/generator.* and runtime/synthesizer.*; this file is the HTTP plumbing.
#include <httplib.h>
#include <pthread.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <chrono>
#include <condition_variable>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <iostream>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "runtime/batch_parser.hpp"
#include "runtime/config.hpp"
#include "runtime/generator.hpp"
#include "runtime/kafka_producer.hpp"
#include "runtime/listen_backlog.hpp"
#include "runtime/records.hpp"
#include "runtime/synthesizer.hpp"

namespace {

using namespace clickstream;
using Clock = std::chrono::steady_clock;

std::atomic<bool> g_stop{false};

// Blocks SIGINT/SIGTERM in every thread and turns them into g_stop (plus an optional action) on a
// dedicated thread, so no work happens inside a signal handler.
std::thread start_signal_thread(std::function<void()> on_signal) {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGTERM);
  sigaddset(&set, SIGUSR1);  // used to wake the thread at exit
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
  return std::thread([set, on_signal] {
    int sig = 0;
    sigwait(&set, &sig);
    if (sig != SIGUSR1) std::fprintf(stderr, "generator: signal %d, stopping\n", sig);
    g_stop = true;
    if (on_signal) on_signal();
  });
}

void stop_signal_thread(std::thread& t) {
  if (!t.joinable()) return;
  if (!g_stop) pthread_kill(t.native_handle(), SIGUSR1);
  t.join();
}

std::string fmt_num(double v) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%g", v);
  return buf;
}

std::string exe_dir() {
  std::error_code ec;
  auto p = std::filesystem::read_symlink("/proc/self/exe", ec);
  return ec ? std::string() : p.parent_path().string();
}

int run_synthesize(const GeneratorOptions& o) {
  SynthesizerConfig cfg;
  cfg.seed = o.seed;
  cfg.invalid_share = o.invalid_share;
  cfg.last_year = o.synth_year;
  cfg.last_month = o.synth_month;
  cfg.last_day = o.synth_day;
  cfg.days = o.synth_days;
  try {
    SynthesisStats s = write_synthetic_dataset(o.synthesize_file, *o.synthesize_count, cfg);
    std::string kinds;
    for (std::size_t k = 0; k < kInvalidKinds.size(); ++k) {
      kinds += " " + std::string(invalid_kind_name(kInvalidKinds[k])) + "=" +
               std::to_string(s.invalid_by_kind[k]);
    }
    std::printf("synthesize: wrote events=%llu invalid=%llu (%s) seed=%llu to %s\n",
                static_cast<unsigned long long>(s.events),
                static_cast<unsigned long long>(s.invalid), kinds.c_str() + 1,
                static_cast<unsigned long long>(o.seed), o.synthesize_file.c_str());
    return 0;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "generator: %s\n", e.what());
    return 2;
  }
}

// The HTTP + Kafka floor (--serve-kafka): what answering after a durable write costs with the
// service's HTTP library, producer settings and way of waiting, without its validation, actors or
// consumers. One parse per body; each event's bytes go to the topic as they came, keyed like the
// service's records; the thread waits for the batch's last delivery report.
class batch_wait final : public delivery_handler {
 public:
  explicit batch_wait(std::size_t records) : left_(records) {}
  void on_delivery(rd_kafka_resp_err_t err, std::string_view) override {
    std::lock_guard<std::mutex> lock(mtx_);
    if (err != RD_KAFKA_RESP_ERR_NO_ERROR) ++failed_;
    if (--left_ == 0) cv_.notify_one();
  }
  // Every produced record gets a report within message.timeout.ms, so this wait ends.
  std::size_t wait() {
    std::unique_lock<std::mutex> lock(mtx_);
    cv_.wait(lock, [this] { return left_ == 0; });
    return failed_;
  }

 private:
  std::mutex mtx_;
  std::condition_variable cv_;
  std::size_t left_;
  std::size_t failed_ = 0;
};

// Answers one body through the producer: 200 with the count when every record is acknowledged.
void answer_durably(kafka_producer& producer, const std::string& body, std::uint64_t id,
                    httplib::Response& res) {
  thread_local batch_parser parser;
  thread_local std::vector<event_span> events;
  thread_local std::vector<std::string> keys;
  std::string message;
  if (const batch_error err = parser.parse(body, events, message); err != batch_error::none) {
    res.status = 400;
    res.set_content("{\"error\":\"the body is not a JSON array of events\",\"reason\":\"" +
                        std::string(to_string(err)) + "\"}",
                    "application/json");
    return;
  }
  if (keys.size() < events.size()) keys.resize(events.size());
  batch_wait wait(events.size());
  std::size_t refused = 0;
  for (std::size_t i = 0; i < events.size(); ++i) {
    visitor_key(events[i].element, keys[i]);
    if (producer.produce(0, keys[i], events[i].raw, nullptr, 0, &wait) !=
        RD_KAFKA_RESP_ERR_NO_ERROR) {
      ++refused;
    }
  }
  // A refused record gets no report: take it off the count (its report never comes).
  for (std::size_t i = 0; i < refused; ++i) wait.on_delivery(RD_KAFKA_RESP_ERR__QUEUE_FULL, {});
  const std::size_t failed = wait.wait();
  if (failed != 0) {
    res.status = 503;
    res.set_header("Retry-After", "1");
    res.set_content("{\"error\":\"" + std::to_string(failed) + " records not acknowledged\"}",
                    "application/json");
    return;
  }
  res.set_content("{\"correlation_id\":\"floor-" + std::to_string(id) +
                      "\",\"accepted\":" + std::to_string(events.size()) + ",\"rejected\":0}",
                  "application/json");
}

int run_serve_null(const GeneratorOptions& o) {
  std::unique_ptr<kafka_producer> producer;
  httplib::Server svr;
  svr.set_tcp_nodelay(true);
  svr.set_keep_alive_max_count(100000);
  svr.set_keep_alive_timeout(30);
  const unsigned threads = o.serve_threads;
  svr.new_task_queue = [threads] { return new httplib::ThreadPool(threads); };
  std::atomic<std::uint64_t> requests{0};
  svr.Post("/collect", [&requests, &producer](const httplib::Request& req, httplib::Response& res) {
    auto id = requests.fetch_add(1, std::memory_order_relaxed);
    if (producer) {
      answer_durably(*producer, req.body, id, res);
      return;
    }
    auto n = count_array_elements(req.body);
    if (!n) {
      res.status = 400;
      res.set_content(R"({"error":"body is not a JSON array"})", "application/json");
      return;
    }
    res.set_content("{\"correlation_id\":\"null-" + std::to_string(id) +
                        "\",\"accepted\":" + std::to_string(*n) + ",\"rejected\":0}",
                    "application/json");
  });
  svr.Get("/ping", [](const httplib::Request&, httplib::Response& res) {
    res.set_content("pong", "text/plain");
  });
  auto ok = [](const httplib::Request&, httplib::Response& res) {
    res.set_content("ok", "text/plain");
  };
  svr.Get("/health/ready", ok);
  svr.Get("/health/live", ok);
  std::thread sig = start_signal_thread([&svr] { svr.stop(); });
  // After the signal thread: librdkafka's threads inherit the blocked signals, so SIGTERM reaches
  // the signal thread and the producer is flushed.
  if (!o.serve_kafka_topic.empty()) {
    service_config cfg;
    apply_env_defaults(cfg, [](const char* k) { return std::getenv(k); });
    std::string error;
    producer = kafka_producer::create(producer_properties(cfg), {o.serve_kafka_topic},
                                      std::chrono::milliseconds(2000), error);
    if (producer && !producer->probe(std::chrono::milliseconds(10000))) {
      error = producer->unreachable_reason();
      producer.reset();
    }
    if (!producer) {
      std::fprintf(stderr, "generator: --serve-kafka: %s\n", error.c_str());
      stop_signal_thread(sig);
      return 2;
    }
  }
  if (!svr.bind_to_port("127.0.0.1", *o.serve_null_port)) {
    std::fprintf(stderr, "generator: --serve-null cannot listen on 127.0.0.1:%d (port taken?)\n",
                 *o.serve_null_port);
    stop_signal_thread(sig);
    return 2;
  }
  // The same listen backlog as the service (runtime/listen_backlog.hpp), so that the ceiling is
  // measured without dropped SYNs either.
  clickstream::raise_listen_backlog(static_cast<std::uint16_t>(*o.serve_null_port));
  std::fprintf(stderr, "generator: serve-null listening on 127.0.0.1:%d, %u threads\n",
               *o.serve_null_port, threads);
  svr.listen_after_bind();
  stop_signal_thread(sig);
  if (producer) {
    producer->flush(std::chrono::milliseconds(10000));
    producer->stop();
  }
  std::fprintf(stderr, "generator: serve-null stopped after %llu requests\n",
               static_cast<unsigned long long>(requests.load()));
  return 0;
}

struct Shared {
  std::atomic<std::uint64_t> next_batch{0};
  std::atomic<std::uint64_t> sent{0}, accepted{0}, rejected{0}, failed{0}, requests{0}, retries{0};
  std::atomic<int> warnings{0};
  std::mutex latency_mutex;
  std::vector<double> latencies_ms;
  std::mutex answers_mutex;
  std::FILE* answers = nullptr;
};

void warn_limited(Shared& sh, const char* fmt, const std::string& a, const std::string& b) {
  int n = sh.warnings.fetch_add(1);
  if (n < 10) std::fprintf(stderr, fmt, a.c_str(), b.c_str());
  if (n == 10) std::fprintf(stderr, "generator: (further warnings suppressed)\n");
}

int run_replay(const GeneratorOptions& o) {
  std::string dataset = o.dataset;
  if (dataset.empty()) {
    const char* env = std::getenv("CLICKSTREAM_DATASET");
    if (env != nullptr && *env != '\0') {
      dataset = env;
    } else {
      std::error_code ec;
      dataset = resolve_default_dataset({exe_dir(), std::filesystem::current_path(ec).string()});
    }
    if (dataset.empty()) {
      std::fprintf(stderr,
                   "generator: no dataset given and none found (looked for shared/data/"
                   "sample-events.jsonl above the binary and the working directory, and "
                   "data/events.json); pass a filename or synthesize one with --synthesize\n");
      return 2;
    }
  }
  std::vector<std::string> events;
  try {
    events = load_event_lines(dataset);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "generator: %s\n", e.what());
    return 2;
  }
  if (events.empty()) {
    std::fprintf(stderr, "generator: dataset '%s' has no events\n", dataset.c_str());
    return 2;
  }
  const auto plan = plan_batches(events.size(), o.min_batch, o.max_batch, o.seed);
  std::vector<std::string> bodies;
  std::vector<std::uint64_t> sizes, prefix;  // prefix[i]: events before batch i within one pass
  bodies.reserve(plan.size());
  std::uint64_t acc = 0;
  for (const auto& [b, e] : plan) {
    bodies.push_back(build_batch_body(events, b, e));
    sizes.push_back(e - b);
    prefix.push_back(acc);
    acc += e - b;
  }
  events.clear();
  events.shrink_to_fit();
  const std::uint64_t per_pass = acc;
  const std::uint64_t batches_per_pass = bodies.size();
  const bool timed = o.duration_s > 0;
  const std::uint64_t total_batches = timed ? UINT64_MAX : o.loops * batches_per_pass;
  std::fprintf(stderr,
               "generator: %s -> %s/collect: %llu events in %llu batches per pass, %s, "
               "concurrency %u, rate %s, seed %llu\n",
               dataset.c_str(), o.url.c_str(), static_cast<unsigned long long>(per_pass),
               static_cast<unsigned long long>(batches_per_pass),
               timed ? (fmt_num(o.duration_s) + " s").c_str()
                     : (std::to_string(o.loops) + " loop(s)").c_str(),
               o.concurrency, o.rate > 0 ? (fmt_num(o.rate) + " events/s").c_str() : "max",
               static_cast<unsigned long long>(o.seed));

  Shared sh;
  if (!o.answers_file.empty()) {
    sh.answers = std::fopen(o.answers_file.c_str(), "w");
    if (sh.answers == nullptr) {
      std::fprintf(stderr, "generator: cannot create --answers file '%s': %s\n",
                   o.answers_file.c_str(), std::strerror(errno));
      return 2;
    }
  }
  std::thread sig = start_signal_thread(nullptr);
  const auto t0 = Clock::now();
  const auto deadline = t0 + std::chrono::duration_cast<Clock::duration>(
                                 std::chrono::duration<double>(timed ? o.duration_s : 0));
  const auto timeout = std::chrono::duration<double>(o.timeout_s);
  const std::int64_t cap_ms = static_cast<std::int64_t>(o.max_retry_wait_s * 1000);

  auto worker = [&] {
    httplib::Client cli(o.url);
    cli.set_tcp_nodelay(true);
    cli.set_keep_alive(true);
    cli.set_connection_timeout(timeout);
    cli.set_read_timeout(timeout);
    cli.set_write_timeout(timeout);
    std::vector<double> lat;
    lat.reserve(1 << 16);
    while (!g_stop) {
      const std::uint64_t idx = sh.next_batch.fetch_add(1);
      if (idx >= total_batches) break;
      const std::uint64_t pass = idx / batches_per_pass;
      const std::uint64_t slot = idx % batches_per_pass;
      if (o.rate > 0) {  // global schedule: batch idx starts when its first event is due
        const double due_s = static_cast<double>(pass * per_pass + prefix[slot]) / o.rate;
        const auto due =
            t0 + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(due_s));
        if (timed && due >= deadline) break;
        while (!g_stop && Clock::now() < due) {
          std::this_thread::sleep_until(
              std::min(due, Clock::now() + std::chrono::milliseconds(200)));
        }
        if (g_stop) break;
      }
      if (timed && Clock::now() >= deadline) break;
      const std::string& body = bodies[slot];
      const std::uint64_t n = sizes[slot];
      sh.sent += n;
      bool done = false;
      for (unsigned attempt = 0; attempt <= o.max_retries && !done; ++attempt) {
        if (attempt > 0) sh.retries++;
        const auto start = Clock::now();
        auto res = cli.Post(o.path, body.data(), body.size(), "application/json");
        const double ms = std::chrono::duration<double, std::milli>(Clock::now() - start).count();
        sh.requests++;
        std::int64_t wait_ms = 0;
        if (!res) {
          warn_limited(sh, "generator: request failed: %s%s (retrying)\n",
                       httplib::to_string(res.error()), "");
          wait_ms = std::min<std::int64_t>(100LL << std::min(attempt, 5u), 2000);
        } else {
          lat.push_back(ms);
          if (res->status == 200) {
            auto answer = parse_collect_answer(res->body);
            if (answer) {
              sh.accepted += static_cast<std::uint64_t>(answer->accepted);
              sh.rejected += static_cast<std::uint64_t>(answer->rejected);
              if (sh.answers != nullptr) {
                std::lock_guard<std::mutex> lk(sh.answers_mutex);
                std::fprintf(sh.answers, "%s %lld %lld\n",
                             answer->correlation_id.empty() ? "-" : answer->correlation_id.c_str(),
                             static_cast<long long>(answer->accepted),
                             static_cast<long long>(answer->rejected));
              }
            } else {
              sh.failed += n;
              warn_limited(sh, "generator: 200 without a valid answer: %s%s\n",
                           res->body.substr(0, 200), "");
            }
            done = true;
          } else if (res->status == 429 || res->status == 503) {
            const std::int64_t fallback =
                std::min<std::int64_t>(100LL << std::min(attempt, 5u), cap_ms);
            wait_ms = retry_after_ms(res->get_header_value("Retry-After"), fallback, cap_ms);
          } else {
            sh.failed += n;
            warn_limited(sh, "generator: HTTP %s: %s\n", std::to_string(res->status),
                         res->body.substr(0, 200));
            done = true;
          }
        }
        if (!done) {
          if (attempt == o.max_retries) {
            sh.failed += n;
            break;
          }
          const auto until = Clock::now() + std::chrono::milliseconds(wait_ms);
          while (!g_stop && Clock::now() < until) {
            std::this_thread::sleep_until(
                std::min(until, Clock::now() + std::chrono::milliseconds(100)));
          }
          if (g_stop) {  // interrupted while waiting to retry: the batch was not stored
            sh.failed += n;
            break;
          }
        }
      }
    }
    std::lock_guard<std::mutex> lk(sh.latency_mutex);
    sh.latencies_ms.insert(sh.latencies_ms.end(), lat.begin(), lat.end());
  };

  std::vector<std::thread> threads;
  for (unsigned i = 0; i < o.concurrency; ++i) threads.emplace_back(worker);

  std::atomic<bool> finished{false};
  std::thread progress;
  if (!o.quiet && o.progress_s > 0) {
    progress = std::thread([&] {
      auto next = t0 + std::chrono::duration_cast<Clock::duration>(
                           std::chrono::duration<double>(o.progress_s));
      std::uint64_t last_done = 0;
      auto last_t = t0;
      while (!finished) {
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
        auto now = Clock::now();
        if (now < next) continue;
        next += std::chrono::duration_cast<Clock::duration>(
            std::chrono::duration<double>(o.progress_s));
        std::uint64_t done = sh.accepted + sh.rejected;
        double dt = std::chrono::duration<double>(now - last_t).count();
        double elapsed = std::chrono::duration<double>(now - t0).count();
        std::string goal = timed ? " of " + std::to_string(static_cast<long>(o.duration_s)) + " s"
                                 : " of " + std::to_string(o.loops * per_pass) + " events";
        std::fprintf(stderr,
                     "generator: progress %.0f s%s: sent=%llu accepted=%llu rejected=%llu "
                     "failed=%llu retries=%llu, %.0f events/s now\n",
                     elapsed, goal.c_str(), static_cast<unsigned long long>(sh.sent.load()),
                     static_cast<unsigned long long>(sh.accepted.load()),
                     static_cast<unsigned long long>(sh.rejected.load()),
                     static_cast<unsigned long long>(sh.failed.load()),
                     static_cast<unsigned long long>(sh.retries.load()),
                     dt > 0 ? static_cast<double>(done - last_done) / dt : 0.0);
        last_done = done;
        last_t = now;
      }
    });
  }
  for (auto& t : threads) t.join();
  const auto t1 = Clock::now();
  finished = true;
  if (progress.joinable()) progress.join();
  stop_signal_thread(sig);

  if (sh.answers != nullptr && std::fclose(sh.answers) != 0) {
    std::fprintf(stderr, "generator: cannot write --answers file '%s'\n", o.answers_file.c_str());
  }
  GeneratorTotals t;
  t.sent = sh.sent;
  t.accepted = sh.accepted;
  t.rejected = sh.rejected;
  t.failed = sh.failed;
  t.elapsed_s = std::chrono::duration<double>(t1 - t0).count();
  t.p50_ms = percentile(sh.latencies_ms, 50);
  t.p99_ms = percentile(sh.latencies_ms, 99);
  if (sh.retries > 0) {
    std::fprintf(stderr, "generator: %llu requests, %llu retries (429/503/connection errors)\n",
                 static_cast<unsigned long long>(sh.requests.load()),
                 static_cast<unsigned long long>(sh.retries.load()));
  }
  std::printf("%s\n", format_summary(t).c_str());
  std::fflush(stdout);
  return t.failed == 0 && t.sent == t.accepted + t.rejected ? 0 : 1;
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  ParseResult r = parse_generator_args(args);
  if (!r.ok()) {
    std::fprintf(stderr, "generator: %s\n", r.error.c_str());
    return 2;
  }
  const GeneratorOptions& o = r.options;
  if (o.help) {
    std::fputs(generator_usage().c_str(), stdout);
    return 0;
  }
  if (o.synthesize_count) return run_synthesize(o);
  if (o.serve_null_port) return run_serve_null(o);
  return run_replay(o);
}
