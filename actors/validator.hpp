// Validator pool member: parse once (simdjson), validate each event (valijson over the simdjson
// DOM), build the records (runtime/router), hand the batch to a producer.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "actors/actors.hpp"
#include "actors/context.hpp"
#include "runtime/batch_parser.hpp"
#include "runtime/router.hpp"
#include "runtime/schema_validator.hpp"

namespace clickstream {

struct validator_state {
  static inline const char* name = "validator";
  context_ptr ctx;
  std::unique_ptr<batch_parser> parser;
  std::unique_ptr<event_validator> validator;  ///< null until a schema is loaded
  std::vector<event_span> events;
  route_scratch scratch;
  std::string message;
};

validator_actor::behavior_type validator(validator_actor::stateful_pointer<validator_state> self,
                                         context_ptr ctx);

}  // namespace clickstream
