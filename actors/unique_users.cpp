#include "actors/unique_users.hpp"

#include <chrono>

#include "runtime/log.hpp"
#include "runtime/thread_name.hpp"

namespace clickstream {

namespace {

constexpr const char* log_component = "unique-users";
constexpr std::int64_t retry_ms = 2000;

using self_ptr = unique_users_actor::stateful_pointer<unique_users_state>;

bool ensure_started(self_ptr self) {
  auto& st = self->state;
  if (st.loop) return true;
  // A detached actor: this thread is the counter's own (CAF names it "caf.actor").
  set_thread_name("cs-unique-users");
  unique_users_settings s;
  s.bootstrap_servers = st.ctx->cfg.kafka.bootstrap_servers;
  s.group_id = st.cfg.group_id;
  s.latest_topic = st.latest_topic;
  s.output_topic = st.cfg.output_topic;
  s.counting.window_days = st.cfg.window_days;
  s.counting.emit_interval_ms = st.cfg.emit_interval_ms;
  s.fetch_min_bytes = st.cfg.fetch_min_bytes;
  s.fetch_wait_max_ms = st.cfg.fetch_wait_max_ms;
  s.max_future_days = st.cfg.max_future_days;
  auto loop = std::make_unique<unique_users_loop>(s, st.metrics.get());
  try {
    loop->start();
  } catch (const std::exception& e) {
    log_warning(log_component, std::string("cannot start (") + e.what() + "); retrying in " +
                                   std::to_string(retry_ms) + " ms");
    return false;
  }
  log_info(log_component, "started: rebuilding from " + s.latest_topic + ", then emitting to " +
                              s.output_topic + " (window " +
                              std::to_string(s.counting.window_days) + " days, interval " +
                              std::to_string(s.counting.emit_interval_ms) + " ms)");
  st.loop = std::move(loop);
  return true;
}

}  // namespace

unique_users_state::~unique_users_state() {
  if (loop) loop->close();
}

unique_users_actor::behavior_type unique_users_counter_actor(
    self_ptr self, context_ptr ctx, unique_users_config cfg, std::string latest_topic,
    std::shared_ptr<enrich_metrics> metrics) {
  auto& st = self->state;
  st.ctx = std::move(ctx);
  st.cfg = std::move(cfg);
  st.latest_topic = std::move(latest_topic);
  st.metrics = std::move(metrics);
  self->send(self, run_atom::value);
  return {
      [self](run_atom) {
        auto& st = self->state;
        if (st.stopped) return;
        if (!ensure_started(self)) {
          self->delayed_send(self, std::chrono::milliseconds(retry_ms), run_atom::value);
          return;
        }
        try {
          st.loop->run_once();
        } catch (const std::exception& e) {
          log_error(log_component, std::string(e.what()) + "; recreating the loop");
          st.loop->close();
          st.loop.reset();
          self->delayed_send(self, std::chrono::milliseconds(retry_ms), run_atom::value);
          return;
        }
        self->send(self, run_atom::value);
      },
      [self](stop_atom) {
        auto& st = self->state;
        st.stopped = true;
        if (st.loop) {
          st.loop->close();  // emits what is dirty, flushes
          st.loop.reset();
          log_info(log_component, "stopped");
        }
        return true;
      },
  };
}

component unique_users_component(const context_ptr& ctx, const unique_users_config& cfg,
                                 const std::string& latest_topic,
                                 std::shared_ptr<enrich_metrics> metrics) {
  return component{"unique-users",
                   1,
                   true,
                   [ctx, cfg, latest_topic, metrics](caf::actor_system& sys, std::size_t) {
                     return caf::actor_cast<caf::actor>(sys.spawn<caf::detached>(
                         unique_users_counter_actor, ctx, cfg, latest_topic, metrics));
                   },
                   nullptr,
                   true};
}

}  // namespace clickstream
