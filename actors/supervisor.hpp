// The root actor. Starts the components in order (schema cache, producers, validators, receiver,
// then whatever is appended to the list), monitors every member, restarts a crashed member of a
// restartable component, and escalates (ctx->request_stop with exit code 3) when more than
// supervisor.max-restarts crashes happen within supervisor.restart-window-s. On stop_atom it
// stops the components in reverse order: the receiver first (stop accepting, answer in-flight
// requests), then validators, producers, schema cache. Kafka is flushed by main afterwards.
//
// Adding a component (e.g. an enricher pool): append a `component` to the list returned by
// collector_components() (or pass your own list), see docs/service.md.
#pragma once

#include <chrono>
#include <cstddef>
#include <deque>
#include <functional>
#include <string>
#include <vector>

#include "actors/actors.hpp"
#include "actors/context.hpp"

namespace clickstream {

struct component {
  std::string name;       ///< for logs: "validator"
  std::size_t count = 1;  ///< members (pool size)
  bool restart = true;    ///< restart a crashed member; false: its crash stops the service
  /// Spawns member `index`; the supervisor monitors it.
  std::function<caf::actor(caf::actor_system&, std::size_t index)> spawn;
  /// Called with the live members after start and after each restart (e.g. a worker table).
  std::function<void(const std::vector<caf::actor>&)> on_members;
  /// true: at shutdown the supervisor first sends each member `stop_atom` and waits for its
  /// answer (a bool) before telling it to exit (the receiver uses it to finish in-flight
  /// requests); false: members are told to exit at once.
  bool graceful_stop = false;
};

/// The collector's components in start order: schema cache, producers, validators, receiver.
std::vector<component> collector_components(const context_ptr& ctx);

struct supervisor_state {
  static inline const char* name = "supervisor";
  context_ptr ctx;
  std::vector<component> components;
  std::vector<std::vector<caf::actor>> members;  ///< per component, per index
  std::deque<std::chrono::steady_clock::time_point> crashes;
  bool stopping = false;
  std::size_t pending_exits = 0;
  caf::typed_response_promise<bool> stopped;
};

supervisor_actor::behavior_type supervisor(
    supervisor_actor::stateful_pointer<supervisor_state> self, context_ptr ctx,
    std::vector<component> components);

}  // namespace clickstream
