// Producer pool member: enqueues a batch's records in the shared librdkafka producer
// (runtime/kafka_producer.hpp explains why one rd_kafka_t serves the whole pool).
#pragma once

#include "actors/actors.hpp"
#include "actors/context.hpp"

namespace clickstream {

struct producer_state {
  static inline const char* name = "producer";
  context_ptr ctx;
};

producer_actor::behavior_type producer(producer_actor::stateful_pointer<producer_state> self,
                                       context_ptr ctx);

}  // namespace clickstream
