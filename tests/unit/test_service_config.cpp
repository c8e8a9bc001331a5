#include <catch2/catch.hpp>

#include <map>
#include <string>
#include <vector>

#include "runtime/config.hpp"
#include "runtime/enrich_config.hpp"

using namespace clickstream;

TEST_CASE("service config defaults match the brief", "[config]") {
  service_config c;
  CHECK(c.http.port == 60000);
  CHECK(c.http.max_body_bytes == 1048576);
  CHECK(c.metrics.port == 9464);
  CHECK(c.kafka.bootstrap_servers == "localhost:9092");
  CHECK(c.kafka.raw_topic == "acme.clickstream.raw.events");
  CHECK(c.kafka.invalid_topic == "acme.clickstream.invalid.events");
  CHECK(c.registry.url == "http://localhost:8085/apis/ccompat/v7");
  CHECK(c.registry.subject == "acme.clickstream.raw.events-value");
  CHECK(c.producer.acks == "all");
  CHECK(c.producer.idempotence);
  CHECK(c.producer.compression == "lz4");
  CHECK(check(c).empty());
}

TEST_CASE("endpoint env vars override the local defaults", "[config]") {
  service_config c;
  std::map<std::string, std::string> env{{"KAFKA_BOOTSTRAP_SERVERS", "k1:9092,k2:9092"},
                                         {"SCHEMA_REGISTRY_URL", "https://reg.example/api"}};
  apply_env_defaults(c, [&](const char* n) -> const char* {
    auto it = env.find(n);
    return it == env.end() ? nullptr : it->second.c_str();
  });
  CHECK(c.kafka.bootstrap_servers == "k1:9092,k2:9092");
  CHECK(c.registry.url == "https://reg.example/api");

  service_config d;
  apply_env_defaults(d, [](const char*) -> const char* { return ""; });
  CHECK(d.kafka.bootstrap_servers == "localhost:9092");
}

TEST_CASE("config check reports each bad value", "[config]") {
  service_config c;
  c.validator.count = 0;
  c.producer.acks = "1";  // with idempotence on
  c.producer.compression = "brotli";
  c.registry.url = "localhost:8085";
  c.limits.batches_in_flight = 0;
  auto problems = check(c);
  REQUIRE(problems.size() == 5);
  auto has = [&](const std::string& s) {
    for (const auto& p : problems)
      if (p.find(s) != std::string::npos) return true;
    return false;
  };
  CHECK(has("validator.count"));
  CHECK(has("idempotence"));
  CHECK(has("compression"));
  CHECK(has("registry.url"));
  CHECK(has("batches-in-flight"));
}

TEST_CASE("config check: connection guards, CORS origins, TLS files", "[config]") {
  service_config c;
  CHECK(check(c).empty());
  CHECK(c.http.effective_max_connections() == 8 * c.http.threads);
  c.http.max_connections = 100;
  CHECK(c.http.effective_max_connections() == 100);
  c.http.max_connections = 4;  // below http.threads (32)
  c.http.head_timeout_ms = 0;
  c.http.max_head_bytes = 100;
  c.http.cors_allowed_origins = {"https://shop.example", "*", "shop.example", "https://a.b/"};
  c.http.tls_cert_file = "/etc/ssl/cert.pem";
  auto problems = check(c);
  auto has = [&](const std::string& s) {
    for (const auto& p : problems)
      if (p.find(s) != std::string::npos) return true;
    return false;
  };
  CHECK(problems.size() == 6);
  CHECK(has("http.max-connections"));
  CHECK(has("http.head-timeout-ms"));
  CHECK(has("http.max-head-bytes"));
  CHECK(has("'shop.example'"));
  CHECK(has("'https://a.b/'"));
  CHECK(has("http.tls-key-file"));
}

TEST_CASE("producer properties: idempotent, acks=all, bounded queue", "[config]") {
  service_config c;
  c.producer.message_timeout_ms = 1234;
  std::map<std::string, std::string> props;
  for (auto& [k, v] : producer_properties(c)) props[k] = v;
  CHECK(props["enable.idempotence"] == "true");
  CHECK(props["acks"] == "all");
  CHECK(props["compression.type"] == "lz4");
  CHECK(props["message.timeout.ms"] == "1234");
  CHECK(props["queue.buffering.max.messages"] == "100000");
  CHECK(props["queue.buffering.max.kbytes"] == "65536");
  CHECK(props["bootstrap.servers"] == "localhost:9092");
  CHECK(props["statistics.interval.ms"] == "5000");
}

TEST_CASE("service config check: statistics interval is 0 (off) or at least 100 ms", "[config]") {
  service_config c;
  const std::vector<std::string> bad{
      "producer.statistics-interval-ms must be 0 (off) or in 100..86400000"};
  c.producer.statistics_interval_ms = 0;
  CHECK(check(c).empty());
  c.producer.statistics_interval_ms = 100;
  CHECK(check(c).empty());
  c.producer.statistics_interval_ms = 99;
  CHECK(check(c) == bad);
  c.producer.statistics_interval_ms = -1;
  CHECK(check(c) == bad);
  c.producer.statistics_interval_ms = 86400001;
  CHECK(check(c) == bad);
}

TEST_CASE("enrich config check: defaults pass, each bad fetch setting is named", "[config]") {
  enrich_service_config c;
  CHECK(check(c).empty());
  c.enricher.fetch_min_bytes = 0;
  c.enricher.fetch_wait_max_ms = -1;
  c.unique_users.fetch_min_bytes = 200000000;
  c.unique_users.fetch_wait_max_ms = 300001;
  const auto problems = check(c);
  REQUIRE(problems.size() == 4);
  CHECK(problems[0] == "enricher.fetch-min-bytes must be between 1 and 100000000");
  CHECK(problems[1] == "enricher.fetch-wait-max-ms must be between 0 and 300000");
  CHECK(problems[2] == "unique-users.fetch-min-bytes must be between 1 and 100000000");
  CHECK(problems[3] == "unique-users.fetch-wait-max-ms must be between 0 and 300000");
}

TEST_CASE("enrich config check: the enricher's linger is bounded by librdkafka's maximum",
          "[config]") {
  enrich_service_config c;
  CHECK(c.enricher.linger_ms > c.enricher.batch_max_wait_ms);  // records leave at the commit
  c.enricher.linger_ms = -1;
  REQUIRE(check(c) == std::vector<std::string>{"enricher.linger-ms must be between 0 and 900000"});
  c.enricher.linger_ms = 900001;
  REQUIRE(check(c) == std::vector<std::string>{"enricher.linger-ms must be between 0 and 900000"});
  c.enricher.linger_ms = 0;
  CHECK(check(c).empty());
}
