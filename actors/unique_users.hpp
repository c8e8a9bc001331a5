// Daily unique users: a detached actor (its own thread) running runtime/unique_users_loop.hpp,
// one poll cycle per run_atom. On (re)start it rebuilds its state from the latest topic before
// emitting. Kafka trouble never crashes it: the loop is recreated after a backoff.
#pragma once

#include <memory>

#include "actors/actors.hpp"
#include "actors/context.hpp"
#include "actors/enrich_metrics.hpp"
#include "actors/supervisor.hpp"
#include "runtime/enrich_config.hpp"
#include "runtime/unique_users_loop.hpp"

namespace clickstream {

struct unique_users_state {
  static inline const char* name = "unique-users";
  context_ptr ctx;
  unique_users_config cfg;
  std::string latest_topic;
  std::shared_ptr<enrich_metrics> metrics;
  std::unique_ptr<unique_users_loop> loop;
  bool stopped = false;
  ~unique_users_state();
};

unique_users_actor::behavior_type unique_users_counter_actor(
    unique_users_actor::stateful_pointer<unique_users_state> self, context_ptr ctx,
    unique_users_config cfg, std::string latest_topic, std::shared_ptr<enrich_metrics> metrics);

component unique_users_component(const context_ptr& ctx, const unique_users_config& cfg,
                                 const std::string& latest_topic,
                                 std::shared_ptr<enrich_metrics> metrics);

}  // namespace clickstream
