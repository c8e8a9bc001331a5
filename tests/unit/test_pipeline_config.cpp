#include <catch2/catch.hpp>

#include <fstream>
#include <set>
#include <sstream>

#include "actors/pipeline_config.hpp"

using namespace clickstream;

namespace {

const std::string conf_path = std::string{CLICKSTREAM_SOURCE_DIR} + "/config/clickstream.conf";

}  // namespace

TEST_CASE("config/clickstream.conf sets every key to its built-in default", "[config]") {
  pipeline_config defaults{false};
  REQUIRE_FALSE(
      defaults.parse(caf::actor_system_config::string_list{}, "/nonexistent/clickstream.conf"));
  pipeline_config from_file{false};
  auto err = from_file.parse(caf::actor_system_config::string_list{}, conf_path.c_str());
  INFO(from_file.render(err));
  REQUIRE_FALSE(err);
  CHECK(from_file.describe_values() == defaults.describe_values());
  CHECK(defaults.describe_values().find("http.port=60000") != std::string::npos);
  CHECK(from_file.svc.http.port == 60000);
  CHECK(from_file.svc.producer.acks == "all");
}

TEST_CASE("config/clickstream.conf documents every option", "[config]") {
  std::ifstream in{conf_path};
  REQUIRE(in);
  std::string group;
  std::set<std::string> documented;
  for (std::string line; std::getline(in, line);) {
    if (line.size() > 2 && line.front() == '[') {
      group = line.substr(1, line.find(']') - 1);
      continue;
    }
    // "key=value" or a commented-out "; key=value" (endpoints that default from the env).
    auto start = line.rfind("; ", 0) == 0 ? 2 : 0;
    auto eq = line.find('=');
    if (eq == std::string::npos || line[0] == ';' && start == 0) continue;
    auto key = line.substr(start, eq - start);
    if (key.find(' ') != std::string::npos || key.empty()) continue;
    documented.insert(group + "." + key);
  }
  pipeline_config cfg{false};
  auto names = cfg.service_option_names();
  REQUIRE(names.size() >= 40);
  for (const auto& name : names) {
    INFO(name);
    CHECK(documented.count(name) == 1);
  }
}

TEST_CASE("boolean options take =true and =false on the command line", "[config]") {
  pipeline_config cfg{false};
  REQUIRE(cfg.enrich.enricher.enabled);
  REQUIRE(cfg.enrich.enricher.validate);
  REQUIRE_FALSE(cfg.parse_args({"--enricher.enabled=false", "--unique-users.enabled=false",
                                "--enricher.validate=false", "--http.port=60002"},
                               conf_path.c_str()));
  CHECK_FALSE(cfg.enrich.enricher.enabled);
  CHECK_FALSE(cfg.enrich.unique_users.enabled);
  CHECK_FALSE(cfg.enrich.enricher.validate);
  CHECK(cfg.enrich.enricher.static_membership);  // untouched: the file's (and default) true
  CHECK(cfg.svc.http.port == 60002);

  pipeline_config on{false};
  REQUIRE_FALSE(on.parse_args({"--enricher.validate=false", "--enricher.validate=true"}));
  CHECK(on.enrich.enricher.validate);                    // the last one wins
  REQUIRE_FALSE(on.parse_args({"--enricher.enabled"}));  // the bare flag still works
  CHECK(on.enrich.enricher.enabled);
  pipeline_config mixed{false};
  REQUIRE_FALSE(mixed.parse_args({"--unique-users.enabled=false", "--unique-users.enabled"}));
  CHECK(mixed.enrich.unique_users.enabled);  // in order, whatever the form

  pipeline_config bad{false};
  CHECK(bad.parse_args({"--enricher.enabled=maybe"}));  // CAF's parser rejects it
}

TEST_CASE("flags override the file", "[config]") {
  pipeline_config cfg{false};
  REQUIRE_FALSE(cfg.parse(
      caf::actor_system_config::string_list{"--http.port=60001", "--producer.linger-ms=3"},
      conf_path.c_str()));
  CHECK(cfg.svc.http.port == 60001);
  CHECK(cfg.svc.producer.linger_ms == 3);
  CHECK(cfg.svc.http.threads == 128);
}
