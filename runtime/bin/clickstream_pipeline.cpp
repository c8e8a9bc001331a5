// clickstream-pipeline: the collector service (POST /collect -> validate -> Kafka).
//
// Config: config/clickstream.conf (--config-file=PATH) and --group.key=value flags; --help lists
// every option. Endpoint defaults come from KAFKA_BOOTSTRAP_SERVERS and SCHEMA_REGISTRY_URL.
// Exit codes: 0 clean shutdown (SIGTERM/SIGINT), 1 bad config or startup failure, 2 a
// component could not start (e.g. the HTTP port is taken), 3 too many crashes (escalation).
#include <caf/all.hpp>

#include <signal.h>

#include <chrono>
#include <cstdlib>
#include <iostream>

#include "actors/actors.hpp"
#include "actors/context.hpp"
#include "actors/enrich_metrics.hpp"
#include "actors/enricher.hpp"
#include "actors/pipeline_config.hpp"
#include "actors/supervisor.hpp"
#include "actors/unique_users.hpp"
#include "runtime/config.hpp"
#include "runtime/enrich_config.hpp"
#include "runtime/log.hpp"
#include "runtime/registry_client.hpp"

using namespace clickstream;

namespace {

constexpr const char* main_component = "main";

}  // namespace

int main(int argc, char** argv) {
  // Signals are taken by sigtimedwait() in this thread: block them before any thread starts.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  signal(SIGPIPE, SIG_IGN);

  pipeline_config cfg;
  // CAF's work-stealing workers poll their queues before blocking (100 attempts without sleeping,
  // then 500 with 50 us sleeps): with a request every few ms they never block, and on 2 shared
  // cores that polling took CPU from the HTTP threads and Kafka. Measured with make bench's load
  // (docs/bench.md): 9-15k -> 17-19k events/s at 32 connections, p99 down. A worker now waits on
  // its queue's condition variable almost at once (woken by the next enqueue); flags and a config
  // file still override these defaults.
  cfg.set("work-stealing.aggressive-poll-attempts", std::size_t{1});
  cfg.set("work-stealing.moderate-poll-attempts", std::size_t{1});
  // One scheduler thread for the validator and producer actors (CAF's default is one per core,
  // at least 4). Their work is ~1 us an event, so one thread validates ~900k events/s; with more,
  // each hand-off from validator to producer woke another sleeping worker. Measured (bench/ab.sh,
  // three alternating rounds): +4-6% max throughput, -6-10% service CPU at 20k events/s, paced
  // p99 lower in every round. --scheduler.max-threads=N restores parallel workers.
  cfg.set("scheduler.max-threads", std::size_t{1});
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    if (arg == "--help" || arg == "-h" || arg == "-?") {
      cfg.print_help(std::cout);
      return 0;
    }
  }
  if (auto err = cfg.parse_args(caf::actor_system_config::string_list(argv + 1, argv + argc))) {
    std::cerr << "clickstream-pipeline: bad configuration: " << cfg.render(err) << "\n";
    return 1;
  }
  if (cfg.cli_helptext_printed) return 0;
  if (!cfg.remainder.empty()) {
    std::cerr << "clickstream-pipeline: unknown argument '" << cfg.remainder.front()
              << "' (see --help)\n";
    return 1;
  }
  if (cfg.log_level == "debug")
    set_log_level(log_level::debug);
  else if (cfg.log_level == "warning")
    set_log_level(log_level::warning);
  else if (cfg.log_level == "error")
    set_log_level(log_level::error);
  if (auto problems = check(cfg.svc); !problems.empty()) {
    for (const auto& p : problems) std::cerr << "clickstream-pipeline: " << p << "\n";
    return 1;
  }
  if (auto problems = check(cfg.enrich); !problems.empty()) {
    for (const auto& p : problems) std::cerr << "clickstream-pipeline: " << p << "\n";
    return 1;
  }

  auto ctx = std::make_shared<service_context>(cfg.svc);
  const auto& sc = ctx->cfg;
  try {
    ctx->metrics.serve(sc.metrics.bind, sc.metrics.port);
  } catch (const std::exception& e) {
    log_error(main_component, e.what());
    return 2;
  }
  log_info(main_component, "metrics on http://" + sc.metrics.bind + ":" +
                               std::to_string(sc.metrics.port) + "/metrics");

  std::string error;
  ctx->kafka =
      kafka_producer::create(producer_properties(sc), {sc.kafka.raw_topic, sc.kafka.invalid_topic},
                             std::chrono::milliseconds{sc.producer.probe_interval_ms}, error,
                             [](int level, std::string_view msg) {
                               log(level >= 3   ? log_level::error
                                   : level == 2 ? log_level::warning
                                                : log_level::info,
                                   "kafka", msg);
                             });
  if (!ctx->kafka) {
    log_error(main_component, "cannot create the Kafka producer: " + error);
    return 1;
  }
  ctx->raw_topic = ctx->kafka->topic_index(sc.kafka.raw_topic);
  ctx->invalid_topic = ctx->kafka->topic_index(sc.kafka.invalid_topic);
  log_info(main_component, "Kafka " + sc.kafka.bootstrap_servers + ", topics " +
                               sc.kafka.raw_topic + " / " + sc.kafka.invalid_topic + "; registry " +
                               redact_url(sc.registry.url));

  ctx->metrics.set_scrape_hook([weak = std::weak_ptr<service_context>(ctx)](service_metrics& m) {
    auto c = weak.lock();
    if (!c) return;
    m.batches_in_flight.Set(static_cast<double>(c->batches_in_flight.load()));
    m.validator_queue.Set(static_cast<double>(c->validator_queue.load()));
    m.producer_queue.Set(static_cast<double>(c->producer_queue.load()));
    if (c->kafka) {
      m.kafka_queue.Set(c->kafka->queue_length());
      if (auto stats = c->kafka->statistics()) m.kafka_latency(*stats);
    }
    m.kafka_reachable.Set(c->kafka_reachable() ? 1 : 0);
  });

  int exit_code = 0;
  {
    caf::actor_system system{cfg};
    // Enrichment runs beside the collector; placed before the receiver so that a shutdown stops
    // the receiver first, then the enrichers (each finishes its transaction), then the counter.
    auto components = collector_components(ctx);
    auto enrich_obs = std::make_shared<enrich_metrics>(*ctx->metrics.registry());
    auto at = components.end();
    for (auto it = components.begin(); it != components.end(); ++it)
      if (it->name == "receiver") at = it;
    std::vector<component> enrichment;
    if (cfg.enrich.unique_users.enabled)
      enrichment.push_back(unique_users_component(ctx, cfg.enrich.unique_users,
                                                  cfg.enrich.enricher.latest_topic, enrich_obs));
    if (cfg.enrich.enricher.enabled && cfg.enrich.enricher.count > 0)
      enrichment.push_back(enricher_component(ctx, cfg.enrich.enricher, enrich_obs));
    components.insert(at, enrichment.begin(), enrichment.end());
    auto root = system.spawn(supervisor, ctx, components);

    // Wait for SIGTERM/SIGINT or a stop request (bind failure, escalation).
    timespec tick{0, 200 * 1000 * 1000};
    while (!ctx->stop_requested.load()) {
      int sig = sigtimedwait(&signals, nullptr, &tick);
      if (sig == SIGTERM || sig == SIGINT) {
        log_info(main_component, std::string{"received "} +
                                     (sig == SIGTERM ? "SIGTERM" : "SIGINT") + ": shutting down");
        ctx->request_stop(0, "signal");
        break;
      }
    }
    exit_code = ctx->exit_code.load();
    if (exit_code != 0) log_error(main_component, "stopping: " + ctx->stop_reason());

    // Reverse order: receiver (stop accepting, answer in-flight requests), validators,
    // producers, schema cache; then flush Kafka.
    caf::scoped_actor self{system};
    auto deadline = std::chrono::milliseconds{sc.supervisor.drain_timeout_ms};
    self->request(root, deadline, stop_atom::value)
        .receive([](bool) {},
                 [&](const caf::error& err) {
                   log_error(main_component,
                             "shutdown did not complete in time: " + system.render(err));
                   if (exit_code == 0) exit_code = 1;
                 });
    self->send_exit(root, caf::exit_reason::user_shutdown);
    auto left = ctx->kafka->flush(std::chrono::milliseconds{sc.producer.flush_timeout_ms});
    if (left > 0) {
      log_error(main_component, std::to_string(left) + " records not delivered at shutdown");
      if (exit_code == 0) exit_code = 1;
    } else {
      log_info(main_component, "Kafka flushed");
    }
    ctx->kafka->stop();
  }
  ctx->validators.set({});
  ctx->producers.set({});
  log_info(main_component, "exit " + std::to_string(exit_code));
  return exit_code;
}
