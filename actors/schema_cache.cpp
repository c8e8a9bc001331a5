#include "actors/schema_cache.hpp"

#include <algorithm>
#include <chrono>

#include "runtime/log.hpp"
#include "runtime/registry_client.hpp"
#include "runtime/schema_validator.hpp"

namespace clickstream {

namespace {

constexpr const char* component = "schema-cache";

void publish(schema_cache_state& st, schema_ptr schema) {
  st.current = schema;
  st.ctx->set_schema(schema);
  st.ctx->metrics.schema_version.Set(schema->version());
  st.ctx->metrics.schema_id.Set(schema->id());
  st.ctx->metrics.schema_loaded.Set(1);
  if (auto ws = st.ctx->validators.snapshot())
    for (const auto& v : *ws) caf::anon_send(v, schema_atom::value, schema);
}

}  // namespace

schema_cache_actor::behavior_type schema_cache(
    schema_cache_actor::stateful_pointer<schema_cache_state> self, context_ptr ctx) {
  auto& st = self->state;
  st.ctx = ctx;
  st.client =
      std::make_unique<registry_client>(ctx->cfg.registry.url, ctx->cfg.registry.timeout_ms);
  st.backoff_ms = ctx->cfg.registry.retry_initial_ms;
  st.current = ctx->schema();  // survives a restart of this actor
  self->send(self, poll_atom::value);
  return {
      [self](poll_atom) {
        auto& st = self->state;
        const auto& rc = st.ctx->cfg.registry;
        std::string error;
        auto latest = st.client->fetch_latest(rc.subject, error);
        if (!latest) {
          ++st.failures;
          std::string msg = "schema registry " + redact_url(rc.url) + " unavailable for subject " +
                            rc.subject + ": " + error + "; retry " + std::to_string(st.failures) +
                            " in " + std::to_string(st.backoff_ms) + " ms";
          msg += st.current
                     ? "; keeping cached schema version " + std::to_string(st.current->version())
                     : "; service not ready until a schema is loaded";
          log_warning(component, msg);
          self->delayed_send(self, std::chrono::milliseconds{st.backoff_ms}, poll_atom::value);
          st.backoff_ms = std::min(st.backoff_ms * 2, rc.retry_max_ms);
          return;
        }
        st.failures = 0;
        st.backoff_ms = rc.retry_initial_ms;
        if (!st.current || st.current->id() != latest->id ||
            st.current->version() != latest->version) {
          try {
            auto compiled =
                compiled_schema::compile(latest->schema, latest->id, latest->version, rc.subject);
            log_info(component, "loaded " + rc.subject + " version " +
                                    std::to_string(latest->version) + " (id " +
                                    std::to_string(latest->id) + ") from " + redact_url(rc.url));
            publish(st, std::move(compiled));
          } catch (const std::exception& e) {
            log_error(component, rc.subject + " version " + std::to_string(latest->version) +
                                     " does not compile: " + e.what() +
                                     (st.current ? "; keeping the cached version" : ""));
          }
        }
        self->delayed_send(self, std::chrono::milliseconds{rc.poll_interval_ms}, poll_atom::value);
      },
      [self](schema_atom) -> schema_ptr { return self->state.current; },
  };
}

}  // namespace clickstream
