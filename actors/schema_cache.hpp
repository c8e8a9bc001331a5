// Schema cache: fetches the subject's latest version from the registry (retry with exponential
// backoff while it is down, keeping the cached schema), polls for newer versions and pushes them
// to every validator. Spawned detached: its blocking HTTP calls occupy only its own thread.
#pragma once

#include <cstdint>
#include <memory>

#include "actors/actors.hpp"
#include "actors/context.hpp"
#include "runtime/registry_client.hpp"

namespace clickstream {

struct schema_cache_state {
  static inline const char* name = "schema-cache";
  context_ptr ctx;
  std::unique_ptr<registry_client> client;
  schema_ptr current;
  std::int64_t backoff_ms = 0;
  std::size_t failures = 0;
};

schema_cache_actor::behavior_type schema_cache(
    schema_cache_actor::stateful_pointer<schema_cache_state> self, context_ptr ctx);

}  // namespace clickstream
