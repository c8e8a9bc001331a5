#include "actors/validator.hpp"

#include "runtime/collect_batch.hpp"
#include "runtime/log.hpp"

namespace clickstream {

namespace {

void forward_to_producer(service_context& ctx, batch_ptr batch) {
  auto producer = ctx.producers.next();
  if (!producer) {
    batch->tracker().completion()->complete(delivery_status::internal, "no producer running");
    return;
  }
  ctx.producer_queue.fetch_add(1, std::memory_order_relaxed);
  caf::anon_send(producer, produce_atom::value, std::move(batch));
}

}  // namespace

validator_actor::behavior_type validator(validator_actor::stateful_pointer<validator_state> self,
                                         context_ptr ctx) {
  auto& st = self->state;
  st.ctx = ctx;
  batch_limits limits;
  limits.max_body_bytes = ctx->cfg.http.max_body_bytes;
  limits.max_events = ctx->cfg.http.max_events;
  limits.max_depth = ctx->cfg.http.max_depth;
  st.parser = std::make_unique<batch_parser>(limits);
  if (auto schema = ctx->schema()) st.validator = std::make_unique<event_validator>(schema);
  return {
      [self](collect_atom, batch_ptr& batch) {
        auto& st = self->state;
        auto& ctx = *st.ctx;
        ctx.validator_queue.fetch_sub(1, std::memory_order_relaxed);
        if (!st.validator) {
          batch->tracker().completion()->complete(delivery_status::not_ready);
          return;
        }
        auto err = st.parser->parse(batch->body, st.events, st.message);
        if (err != batch_error::none) {
          route_request_failure(to_string(err), st.message, st.validator->schema().subject(),
                                *batch);
        } else {
          route_stats stats;
          route_events(st.events, *st.validator, *batch, st.scratch, stats);
          ctx.metrics.events_received(st.events.size());
          ctx.metrics.events_valid(stats.accepted);
          for (const auto& [keyword, n] : stats.invalid_by_keyword)
            ctx.metrics.events_invalid(keyword, n);
          st.events.clear();  // views into the parser: do not keep them past this batch
        }
        forward_to_producer(ctx, std::move(batch));
      },
      [self](schema_atom, schema_ptr& schema) {
        if (!schema) return;
        auto& st = self->state;
        if (st.validator && &st.validator->schema() == schema.get()) return;
        if (!st.validator) {
          st.validator = std::make_unique<event_validator>(std::move(schema));
          return;
        }
        st.validator->set_schema(std::move(schema));
      },
  };
}

}  // namespace clickstream
