#include "actors/supervisor.hpp"

#include "actors/producer.hpp"
#include "actors/receiver.hpp"
#include "actors/schema_cache.hpp"
#include "actors/validator.hpp"
#include "runtime/log.hpp"

namespace clickstream {

namespace {

constexpr const char* log_component = "supervisor";

template <class Handle>
std::vector<Handle> typed_members(const std::vector<caf::actor>& members) {
  std::vector<Handle> out;
  out.reserve(members.size());
  for (const auto& m : members)
    if (m) out.push_back(caf::actor_cast<Handle>(m));
  return out;
}

}  // namespace

std::vector<component> collector_components(const context_ptr& ctx) {
  std::vector<component> list;
  list.push_back(component{"schema-cache", 1, true,
                           [ctx](caf::actor_system& sys, std::size_t) {
                             return caf::actor_cast<caf::actor>(
                                 sys.spawn<caf::detached>(schema_cache, ctx));
                           },
                           nullptr, false});
  list.push_back(component{"producer", ctx->cfg.producer.count, true,
                           [ctx](caf::actor_system& sys, std::size_t) {
                             return caf::actor_cast<caf::actor>(sys.spawn(producer, ctx));
                           },
                           [ctx](const std::vector<caf::actor>& ms) {
                             ctx->producers.set(typed_members<producer_actor>(ms));
                           },
                           false});
  list.push_back(component{"validator", ctx->cfg.validator.count, true,
                           [ctx](caf::actor_system& sys, std::size_t) {
                             return caf::actor_cast<caf::actor>(sys.spawn(validator, ctx));
                           },
                           [ctx](const std::vector<caf::actor>& ms) {
                             ctx->validators.set(typed_members<validator_actor>(ms));
                           },
                           false});
  list.push_back(component{"receiver", 1, false,
                           [ctx](caf::actor_system& sys, std::size_t) {
                             return caf::actor_cast<caf::actor>(sys.spawn(receiver, ctx));
                           },
                           nullptr, true});
  return list;
}

namespace {

using self_ptr = supervisor_actor::stateful_pointer<supervisor_state>;

void start_member(self_ptr self, std::size_t c, std::size_t i) {
  auto& st = self->state;
  auto member = st.components[c].spawn(self->system(), i);
  self->monitor(member);
  st.members[c][i] = member;
}

void publish_members(self_ptr self, std::size_t c) {
  auto& st = self->state;
  if (st.components[c].on_members) st.components[c].on_members(st.members[c]);
}

void finish_stop(self_ptr self) {
  log_info(log_component, "all components stopped");
  if (self->state.stopped.pending()) self->state.stopped.deliver(true);
}

void stop_component(self_ptr self, std::size_t c);

/// Stops the components in reverse start order, one component at a time.
void stop_next(self_ptr self, std::size_t c_plus_one) {
  if (c_plus_one == 0) {
    finish_stop(self);
    return;
  }
  stop_component(self, c_plus_one - 1);
}

void exit_members(self_ptr self, std::size_t c) {
  auto& st = self->state;
  st.pending_exits = 0;
  for (auto& m : st.members[c])
    if (m) {
      ++st.pending_exits;
      self->send_exit(m, caf::exit_reason::user_shutdown);
    }
  if (auto& comp = st.components[c]; comp.on_members) comp.on_members({});
  if (st.pending_exits == 0) stop_next(self, c);
}

void stop_component(self_ptr self, std::size_t c) {
  auto& st = self->state;
  log_info(log_component, "stopping " + st.components[c].name);
  if (!st.components[c].graceful_stop) {
    exit_members(self, c);
    return;
  }
  auto remaining = std::make_shared<std::size_t>(0);
  for (auto& m : st.members[c])
    if (m) ++*remaining;
  if (*remaining == 0) {
    exit_members(self, c);
    return;
  }
  for (auto& m : st.members[c]) {
    if (!m) continue;
    auto done = [self, c, remaining] {
      if (--*remaining == 0) exit_members(self, c);
    };
    self->request(m, caf::infinite, stop_atom::value)
        .then([done](bool) { done(); }, [done](caf::error&) { done(); });
  }
}

}  // namespace

supervisor_actor::behavior_type supervisor(self_ptr self, context_ptr ctx,
                                           std::vector<component> components) {
  auto& st = self->state;
  st.ctx = std::move(ctx);
  st.components = std::move(components);
  st.members.resize(st.components.size());
  for (std::size_t c = 0; c < st.components.size(); ++c) {
    st.members[c].resize(st.components[c].count);
    for (std::size_t i = 0; i < st.components[c].count; ++i) start_member(self, c, i);
    publish_members(self, c);
    log_info(log_component,
             "started " + std::to_string(st.components[c].count) + " x " + st.components[c].name);
  }
  self->set_down_handler([self](caf::down_msg& dm) {
    auto& st = self->state;
    for (std::size_t c = 0; c < st.members.size(); ++c) {
      for (std::size_t i = 0; i < st.members[c].size(); ++i) {
        auto& m = st.members[c][i];
        if (!m || m.address() != dm.source) continue;
        m = caf::actor{};
        const auto& comp = st.components[c];
        if (st.stopping) {
          if (st.pending_exits > 0 && --st.pending_exits == 0) stop_next(self, c);
          return;
        }
        auto reason = caf::to_string(dm.reason);
        if (!comp.restart) {
          log_error(log_component, comp.name + " stopped (" + reason + "): shutting down");
          st.ctx->request_stop(2, comp.name + " stopped: " + reason);
          return;
        }
        auto now = std::chrono::steady_clock::now();
        auto window = std::chrono::seconds{st.ctx->cfg.supervisor.restart_window_s};
        st.crashes.push_back(now);
        while (!st.crashes.empty() && now - st.crashes.front() > window) st.crashes.pop_front();
        if (st.crashes.size() > st.ctx->cfg.supervisor.max_restarts) {
          auto msg = std::to_string(st.crashes.size()) + " crashes within " +
                     std::to_string(st.ctx->cfg.supervisor.restart_window_s) +
                     " s (supervisor.max-restarts " +
                     std::to_string(st.ctx->cfg.supervisor.max_restarts) + "), last: " + comp.name +
                     " (" + reason + "): escalating";
          log_error(log_component, msg);
          st.ctx->request_stop(3, msg);
          return;
        }
        log_warning(log_component,
                    comp.name + " #" + std::to_string(i) + " crashed (" + reason + "): restarting");
        st.ctx->metrics.worker_restarts.Increment();
        start_member(self, c, i);
        publish_members(self, c);
        return;
      }
    }
  });
  // An exit from main (its drain deadline passed) ends the supervisor: it passes the exit on to
  // every member still running first, else a member blocked in a Kafka call would outlive it and
  // keep the actor system (and the process) from shutting down.
  self->set_exit_handler([self](caf::exit_msg& em) {
    auto& st = self->state;
    for (auto& members : st.members)
      for (auto& m : members)
        if (m) self->send_exit(m, em.reason);
    self->quit(em.reason);
  });
  return {
      [self](stop_atom) -> caf::typed_response_promise<bool> {
        auto& st = self->state;
        st.stopped = self->make_response_promise<bool>();
        if (!st.stopping) {
          st.stopping = true;
          stop_next(self, st.components.size());
        }
        return st.stopped;
      },
  };
}

}  // namespace clickstream
