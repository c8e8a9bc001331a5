// Configuration of the enricher pool and the daily-unique-users counter (config groups
// `enricher.*` and `unique-users.*`), with their defaults in one place. Endpoints and the raw and
// invalid topics come from the service's `kafka.*` and `registry.*` groups.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace clickstream {

struct enricher_config {
  bool enabled = true;
  std::size_t count =
      2;  ///< enricher actors, each with its own consumer and transactional producer
  std::string group_id = "clickstream-enricher";
  std::string latest_topic = "acme.clickstream.latest.events";
  std::string latest_subject = "acme.clickstream.latest.events-value";
  /// transactional.id = <prefix>-<hostname>-<index>: stable across restarts (zombie fencing)
  std::string transactional_id_prefix = "clickstream-enricher";
  std::size_t batch_max_events = 5000;   ///< records per transaction
  std::int64_t batch_max_wait_ms = 100;  ///< collect a batch for at most this long
  /// consumer fetch.min.bytes / fetch.wait.max.ms: the broker answers a fetch once this much is
  /// ready or the wait is over, so a busy topic costs a few fetches per second, not one per append
  std::int64_t fetch_min_bytes = 65536;
  std::int64_t fetch_wait_max_ms = 100;
  /// producer linger.ms: longer than a batch, so a transaction's records leave at its commit
  /// (which flushes at once), one produce request per partition, not several as they are enriched
  std::int64_t linger_ms = 1000;
  std::int64_t transaction_timeout_ms = 30000;
  std::int64_t commit_timeout_ms = 30000;
  std::int64_t retry_backoff_ms = 1000;  ///< after an abort or a failed start
  std::int64_t session_timeout_ms = 10000;
  bool static_membership = true;              ///< group.instance.id = transactional.id
  bool validate = true;                       ///< re-validate against the writer schema
  std::string shop_host = "xcc-webshop.com";  ///< referrers on it are internal
};

struct unique_users_config {
  bool enabled = true;
  std::string group_id = "clickstream-unique-users";
  std::string output_topic = "acme.clickstream.unique.users";
  int window_days = 90;                  ///< days kept, relative to the newest event day seen
  std::int64_t emit_interval_ms = 1000;  ///< a day's count is emitted at most once per interval
  int max_future_days = 1;               ///< events dated after today + this are not counted
  std::int64_t fetch_min_bytes = 65536;  ///< consumer fetch.min.bytes (see enricher_config)
  std::int64_t fetch_wait_max_ms = 100;  ///< consumer fetch.wait.max.ms
};

struct enrich_service_config {
  enricher_config enricher;
  unique_users_config unique_users;
};

/// Every problem with the config, as human-readable sentences (empty: valid).
std::vector<std::string> check(const enrich_service_config& cfg);

}  // namespace clickstream
