#include "actors/enricher.hpp"

#include <unistd.h>

#include <chrono>

#include "runtime/log.hpp"
#include "runtime/registry_client.hpp"
#include "runtime/thread_name.hpp"

namespace clickstream {

namespace {

constexpr const char* log_component = "enricher";

using self_ptr = enricher_actor::stateful_pointer<enricher_state>;

void retry_later(self_ptr self) {
  self->delayed_send(self, std::chrono::milliseconds(self->state.cfg.retry_backoff_ms),
                     run_atom::value);
}

// Resolves the latest-events schema id and starts the loop; false (and retries later) on failure.
bool ensure_started(self_ptr self) {
  auto& st = self->state;
  if (st.loop) return true;
  // A detached actor: this thread is the member's own (CAF names it "caf.actor").
  set_thread_name("cs-enricher-" + std::to_string(st.index));
  const auto& sc = st.ctx->cfg;
  const std::string who = "enricher #" + std::to_string(st.index);
  if (st.latest_schema_id < 0) {
    subject_version latest;
    std::string error;
    if (st.schemas->latest(st.cfg.latest_subject, latest, error) != lookup_status::ok) {
      log_warning(log_component, who + ": cannot resolve " + st.cfg.latest_subject + " at " +
                                     redact_url(sc.registry.url) + " (" + error +
                                     "); retrying in " + std::to_string(st.cfg.retry_backoff_ms) +
                                     " ms");
      return false;
    }
    st.latest_schema_id = latest.id;
  }
  enricher_settings s;
  s.bootstrap_servers = sc.kafka.bootstrap_servers;
  s.group_id = st.cfg.group_id;
  s.raw_topic = sc.kafka.raw_topic;
  s.latest_topic = st.cfg.latest_topic;
  s.invalid_topic = sc.kafka.invalid_topic;
  s.transactional_id = enricher_transactional_id(st.cfg.transactional_id_prefix, st.index);
  s.latest_schema_id = st.latest_schema_id;
  s.batch_max_events = st.cfg.batch_max_events;
  s.batch_max_wait_ms = st.cfg.batch_max_wait_ms;
  s.fetch_min_bytes = st.cfg.fetch_min_bytes;
  s.fetch_wait_max_ms = st.cfg.fetch_wait_max_ms;
  s.linger_ms = st.cfg.linger_ms;
  s.transaction_timeout_ms = st.cfg.transaction_timeout_ms;
  s.commit_timeout_ms = st.cfg.commit_timeout_ms;
  s.retry_backoff_ms = st.cfg.retry_backoff_ms;
  s.session_timeout_ms = st.cfg.session_timeout_ms;
  s.static_membership = st.cfg.static_membership;
  s.validate = st.cfg.validate;
  s.enrichment.shop_host = st.cfg.shop_host;
  auto loop = std::make_unique<enricher>(s, *st.schemas, st.metrics.get());
  try {
    loop->start();
  } catch (const std::exception& e) {
    log_warning(log_component, who + ": cannot start (" + e.what() + "); retrying in " +
                                   std::to_string(st.cfg.retry_backoff_ms) + " ms");
    return false;
  }
  log_info(log_component, who + " started: " + s.raw_topic + " -> " + s.latest_topic +
                              " (schema id " + std::to_string(s.latest_schema_id) + "), group " +
                              s.group_id + ", transactional.id " + s.transactional_id);
  st.loop = std::move(loop);
  return true;
}

}  // namespace

enricher_state::~enricher_state() {
  if (loop) loop->close();
}

std::string enricher_transactional_id(const std::string& prefix, std::size_t index) {
  char host[256] = {};
  if (gethostname(host, sizeof host - 1) != 0 || host[0] == '\0')
    std::snprintf(host, sizeof host, "%s", "localhost");
  return prefix + "-" + host + "-" + std::to_string(index);
}

enricher_actor::behavior_type enricher_worker(self_ptr self, context_ptr ctx, enricher_config cfg,
                                              std::size_t index,
                                              std::shared_ptr<registry_writer_schemas> schemas,
                                              std::shared_ptr<enrich_metrics> metrics) {
  auto& st = self->state;
  st.ctx = std::move(ctx);
  st.cfg = std::move(cfg);
  st.index = index;
  st.schemas = std::move(schemas);
  st.metrics = std::move(metrics);
  self->send(self, run_atom::value);
  return {
      [self](run_atom) {
        auto& st = self->state;
        if (st.stopped) return;
        if (!ensure_started(self)) {
          retry_later(self);
          return;
        }
        try {
          st.loop->run_once();
        } catch (const std::exception& e) {
          log_error(log_component, "enricher #" + std::to_string(st.index) + ": " + e.what() +
                                       "; recreating the loop in " +
                                       std::to_string(st.cfg.retry_backoff_ms) + " ms");
          st.loop->close();
          st.loop.reset();
          retry_later(self);
          return;
        }
        self->send(self, run_atom::value);
      },
      [self](stop_atom) {
        auto& st = self->state;
        st.stopped = true;
        if (st.loop) {
          st.loop->close();  // between cycles: no transaction is open
          st.loop.reset();
          log_info(log_component, "enricher #" + std::to_string(st.index) + " stopped");
        }
        return true;
      },
  };
}

component enricher_component(const context_ptr& ctx, const enricher_config& cfg,
                             std::shared_ptr<enrich_metrics> metrics) {
  auto schemas = std::make_shared<registry_writer_schemas>(ctx->cfg.registry.url,
                                                           ctx->cfg.registry.timeout_ms);
  return component{"enricher",
                   cfg.count,
                   true,
                   [ctx, cfg, schemas, metrics](caf::actor_system& sys, std::size_t index) {
                     return caf::actor_cast<caf::actor>(sys.spawn<caf::detached>(
                         enricher_worker, ctx, cfg, index, schemas, metrics));
                   },
                   nullptr,
                   true};
}

}  // namespace clickstream
