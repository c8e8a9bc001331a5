#include "actors/producer.hpp"

#include "runtime/collect_batch.hpp"

namespace clickstream {

producer_actor::behavior_type producer(producer_actor::stateful_pointer<producer_state> self,
                                       context_ptr ctx) {
  self->state.ctx = std::move(ctx);
  return {
      [self](produce_atom, batch_ptr& batch) {
        auto& ctx = *self->state.ctx;
        ctx.producer_queue.fetch_sub(1, std::memory_order_relaxed);
        if (!ctx.kafka) {
          batch->tracker().completion()->complete(delivery_status::unavailable, "no producer");
          return;
        }
        collect_batch::produce_all(batch, *ctx.kafka, ctx.raw_topic, ctx.invalid_topic);
      },
  };
}

}  // namespace clickstream
