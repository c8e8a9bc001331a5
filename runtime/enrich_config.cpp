#include "runtime/enrich_config.hpp"

namespace clickstream {

namespace {

void check_range(std::vector<std::string>& problems, const char* key, std::int64_t value,
                 std::int64_t min, std::int64_t max) {
  if (value < min || value > max) {
    problems.push_back(std::string(key) + " must be between " + std::to_string(min) + " and " +
                       std::to_string(max));
  }
}

}  // namespace

std::vector<std::string> check(const enrich_service_config& cfg) {
  std::vector<std::string> problems;
  const auto& e = cfg.enricher;
  const auto& u = cfg.unique_users;
  if (e.enabled && e.count > 64) problems.push_back("enricher.count must be at most 64");
  if (e.batch_max_events == 0) problems.push_back("enricher.batch-max-events must be at least 1");
  if (e.batch_max_wait_ms < 0) problems.push_back("enricher.batch-max-wait-ms must be >= 0");
  check_range(problems, "enricher.fetch-min-bytes", e.fetch_min_bytes, 1, 100000000);
  check_range(problems, "enricher.fetch-wait-max-ms", e.fetch_wait_max_ms, 0, 300000);
  check_range(problems, "enricher.linger-ms", e.linger_ms, 0, 900000);
  check_range(problems, "unique-users.fetch-min-bytes", u.fetch_min_bytes, 1, 100000000);
  check_range(problems, "unique-users.fetch-wait-max-ms", u.fetch_wait_max_ms, 0, 300000);
  if (e.transaction_timeout_ms < 1000) {
    problems.push_back("enricher.transaction-timeout-ms must be at least 1000");
  }
  if (e.commit_timeout_ms < 100) problems.push_back("enricher.commit-timeout-ms must be >= 100");
  if (e.session_timeout_ms < 1000)
    problems.push_back("enricher.session-timeout-ms must be >= 1000");
  if (e.group_id.empty()) problems.push_back("enricher.group-id must not be empty");
  if (e.latest_topic.empty()) problems.push_back("enricher.latest-topic must not be empty");
  if (e.transactional_id_prefix.empty()) {
    problems.push_back("enricher.transactional-id-prefix must not be empty");
  }
  if (u.window_days < 1) problems.push_back("unique-users.window-days must be at least 1");
  if (u.emit_interval_ms < 0) problems.push_back("unique-users.emit-interval-ms must be >= 0");
  if (u.group_id.empty()) problems.push_back("unique-users.group-id must not be empty");
  if (u.output_topic.empty()) problems.push_back("unique-users.output-topic must not be empty");
  return problems;
}

}  // namespace clickstream
