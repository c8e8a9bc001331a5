// Enricher pool member: a detached actor (its own thread) running runtime/enricher.hpp's blocking
// consume-transform-produce loop, one transaction per run_atom. Kafka or registry trouble never
// crashes it: the loop is recreated after enricher.retry-backoff-ms (a new init_transactions with
// the same transactional.id fences the old producer).
#pragma once

#include <memory>
#include <string>

#include "actors/actors.hpp"
#include "actors/context.hpp"
#include "actors/enrich_metrics.hpp"
#include "actors/supervisor.hpp"
#include "runtime/enrich_config.hpp"
#include "runtime/enricher.hpp"
#include "runtime/writer_schemas.hpp"

namespace clickstream {

struct enricher_state {
  static inline const char* name = "enricher";
  context_ptr ctx;
  enricher_config cfg;
  std::size_t index = 0;
  std::shared_ptr<registry_writer_schemas> schemas;
  std::shared_ptr<enrich_metrics> metrics;
  std::int32_t latest_schema_id = -1;
  std::unique_ptr<enricher> loop;
  bool stopped = false;
  ~enricher_state();
};

enricher_actor::behavior_type enricher_worker(enricher_actor::stateful_pointer<enricher_state> self,
                                              context_ptr ctx, enricher_config cfg,
                                              std::size_t index,
                                              std::shared_ptr<registry_writer_schemas> schemas,
                                              std::shared_ptr<enrich_metrics> metrics);

/// transactional.id of member `index`: <prefix>-<hostname>-<index>.
std::string enricher_transactional_id(const std::string& prefix, std::size_t index);

/// The pool as a supervisor component (graceful stop: each member finishes its transaction).
component enricher_component(const context_ptr& ctx, const enricher_config& cfg,
                             std::shared_ptr<enrich_metrics> metrics);

}  // namespace clickstream
