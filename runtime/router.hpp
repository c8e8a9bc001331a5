// The router: a pure function from a parsed batch to the records to produce.
//   valid event   -> raw topic: 0x00 + 4-byte schema id + the event's bytes exactly as received,
//                    key = visitor key, headers correlation_id and received_at
//   invalid event -> invalid topic: the invalid-record JSON (original text, errors, correlation id,
//                    received-at, schema subject/version), key = visitor key where derivable
//   whole request failed (not JSON, not an array, ...) -> one invalid record with the reason
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "runtime/batch_parser.hpp"
#include "runtime/collect_batch.hpp"
#include "runtime/schema_validator.hpp"

namespace clickstream {

/// Per-batch counts the service turns into metrics.
struct route_stats {
  std::size_t accepted = 0;
  std::size_t rejected = 0;
  /// First error keyword of each rejected event, counted (few distinct keywords: a small vector).
  std::vector<std::pair<std::string, std::size_t>> invalid_by_keyword;
  void count_keyword(std::string_view keyword);
};

/// Scratch buffers reused across batches by one validator actor (no per-event allocation).
struct route_scratch {
  std::vector<validation_error> errors;
  std::string key;
};

/// Validates every event of `events` and appends the records to `batch` (arena + records).
void route_events(const std::vector<event_span>& events, event_validator& validator,
                  collect_batch& batch, route_scratch& scratch, route_stats& stats);

/// A request that failed as a whole: its body goes to the invalid topic with the reason.
void route_request_failure(std::string_view reason, std::string_view message,
                           std::string_view subject, collect_batch& batch);

}  // namespace clickstream
