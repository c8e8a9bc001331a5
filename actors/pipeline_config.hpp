// The CAF config of clickstream-pipeline: every service option (runtime/config.hpp holds the
// defaults) bound to a `--group.key=value` flag and a key of config/clickstream.conf.
#pragma once

#include <caf/all.hpp>

#include <ostream>
#include <string>

#include "runtime/config.hpp"
#include "runtime/enrich_config.hpp"

namespace clickstream {

class pipeline_config : public caf::actor_system_config {
 public:
  /// Reads the endpoint env vars (KAFKA_BOOTSTRAP_SERVERS, SCHEMA_REGISTRY_URL) unless
  /// `use_env` is false (tests), then declares every option.
  explicit pipeline_config(bool use_env = true);

  service_config svc;
  enrich_service_config enrich;  ///< enricher.* and unique-users.* (runtime/enrich_config.hpp)
  std::string log_level = "info";

  /// Like caf::actor_system_config::parse, and a boolean option also takes "--group.key=true" or
  /// "--group.key=false" (CAF 0.17 accepts a boolean only as a bare flag, so no boolean that
  /// defaults to true could be turned off on the command line). The flag wins over the file.
  caf::error parse_args(string_list args, const char* config_file = nullptr);

  /// --help: the service's own options (CAF's --help shows only its global group; the CAF
  /// runtime options remain under --long-help).
  void print_help(std::ostream& out) const;

  /// The option groups of the service (not CAF's own).
  static bool is_service_group(const std::string& group);

  /// Every service option as "group.key".
  std::vector<std::string> service_option_names() const;

  /// Every service option with its current value, one "group.key=value" per line.
  std::string describe_values() const;
};

}  // namespace clickstream
