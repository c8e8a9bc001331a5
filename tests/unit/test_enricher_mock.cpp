// The enricher and unique-users loops end to end on librdkafka's mock cluster (in process, no
// network): framed raw records in, enriched records (and invalid ones with reasons) out in one
// transaction per batch, offsets committed, counts per day out.
#include <catch2/catch.hpp>

#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h>

#include <chrono>
#include <fstream>
#include <map>
#include <set>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "runtime/enricher.hpp"
#include "runtime/event_day.hpp"
#include "runtime/records.hpp"
#include "runtime/unique_users_loop.hpp"

using namespace clickstream;

namespace {

class fake_schemas : public writer_schema_source {
 public:
  explicit fake_schemas(std::shared_ptr<const compiled_schema> s) : schema_(std::move(s)) {}
  lookup_status by_id(std::int32_t id, std::shared_ptr<const compiled_schema>& out,
                      std::string& error) override {
    ++calls;
    if (unavailable) {
      error = "registry down (test)";
      return lookup_status::unavailable;
    }
    if (id != schema_->id()) {
      error = "no schema with id " + std::to_string(id);
      return lookup_status::not_found;
    }
    out = schema_;
    return lookup_status::ok;
  }
  bool unavailable = false;
  int calls = 0;

 private:
  std::shared_ptr<const compiled_schema> schema_;
};

struct counting_observer : enricher_observer {
  std::size_t enriched = 0, invalid = 0, aborted = 0;
  void on_committed(std::size_t e, std::size_t i) override {
    enriched += e;
    invalid += i;
  }
  void on_aborted(std::string_view) override { ++aborted; }
};

std::string read_file(const std::string& path) {
  std::ifstream in(path);
  REQUIRE(in);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

void produce(rd_kafka_t* rk, const std::string& topic, const std::string& key,
             const std::string& value, const std::string& correlation_id) {
  rd_kafka_headers_t* h = rd_kafka_headers_new(2);
  rd_kafka_header_add(h, "correlation_id", -1, correlation_id.data(),
                      static_cast<ssize_t>(correlation_id.size()));
  rd_kafka_header_add(h, "received_at", -1, "2026-11-25T17:00:00.000001Z", -1);
  REQUIRE(rd_kafka_producev(rk, RD_KAFKA_V_TOPIC(topic.c_str()),
                            RD_KAFKA_V_KEY(key.data(), key.size()),
                            RD_KAFKA_V_VALUE(const_cast<char*>(value.data()), value.size()),
                            RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY), RD_KAFKA_V_HEADERS(h),
                            RD_KAFKA_V_END) == RD_KAFKA_RESP_ERR_NO_ERROR);
}

// Every committed record of `topic` (read_committed, from the beginning).
std::vector<std::string> read_all(const std::string& bootstraps, const std::string& topic,
                                  int partitions) {
  char err[512];
  rd_kafka_conf_t* c = rd_kafka_conf_new();
  rd_kafka_conf_set(c, "bootstrap.servers", bootstraps.c_str(), err, sizeof err);
  rd_kafka_conf_set(c, "group.id", "test-reader", err, sizeof err);
  rd_kafka_conf_set(c, "isolation.level", "read_committed", err, sizeof err);
  rd_kafka_conf_set(c, "enable.partition.eof", "true", err, sizeof err);
  rd_kafka_t* rk = rd_kafka_new(RD_KAFKA_CONSUMER, c, err, sizeof err);
  REQUIRE(rk);
  rd_kafka_poll_set_consumer(rk);
  rd_kafka_topic_partition_list_t* parts = rd_kafka_topic_partition_list_new(partitions);
  for (int p = 0; p < partitions; ++p) {
    rd_kafka_topic_partition_list_add(parts, topic.c_str(), p)->offset = RD_KAFKA_OFFSET_BEGINNING;
  }
  rd_kafka_assign(rk, parts);
  rd_kafka_topic_partition_list_destroy(parts);
  std::vector<std::string> out;
  int eofs = 0;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  while (eofs < partitions && std::chrono::steady_clock::now() < deadline) {
    rd_kafka_message_t* m = rd_kafka_consumer_poll(rk, 100);
    if (!m) continue;
    if (m->err == RD_KAFKA_RESP_ERR__PARTITION_EOF) {
      ++eofs;
    } else if (!m->err) {
      out.emplace_back(static_cast<const char*>(m->payload), m->len);
    }
    rd_kafka_message_destroy(m);
  }
  rd_kafka_consumer_close(rk);
  rd_kafka_destroy(rk);
  return out;
}

}  // namespace

TEST_CASE("enricher + unique users on the mock cluster", "[enricher][kafka]") {
  char err[512];
  rd_kafka_conf_t* conf = rd_kafka_conf_new();
  rd_kafka_conf_set(conf, "test.mock.num.brokers", "1", err, sizeof err);
  rd_kafka_t* admin = rd_kafka_new(RD_KAFKA_PRODUCER, conf, err, sizeof err);
  REQUIRE(admin);
  rd_kafka_mock_cluster_t* mock = rd_kafka_handle_mock_cluster(admin);
  REQUIRE(mock);
  const std::string bootstraps = rd_kafka_mock_cluster_bootstraps(mock);
  rd_kafka_mock_topic_create(mock, "raw", 2, 1);
  rd_kafka_mock_topic_create(mock, "latest", 2, 1);
  rd_kafka_mock_topic_create(mock, "invalid", 1, 1);
  rd_kafka_mock_topic_create(mock, "unique", 1, 1);

  auto schema = compiled_schema::compile(
      read_file(CLICKSTREAM_SOURCE_DIR "/schemas/acme.clickstream.raw.events.json"), 1, 1,
      "raw-value");
  fake_schemas schemas(schema);

  // 40 valid events over two days (customers 1..10 twice each, some anonymous), 3 bad records.
  std::map<std::string, std::set<int>> expected_days;
  int produced_valid = 0;
  for (int i = 0; i < 40; ++i) {
    const bool anonymous = i % 4 == 3;
    const int customer = i % 10 + 1;
    const std::string day = i < 20 ? "2022-04-28" : "2022-04-29";
    const std::string event =
        R"({"id": )" + std::to_string(1000 + i) +
        R"J(, "type": "page_view", "event": {"user-agent": "Mozilla/5.0 (iPad; CPU OS 9_3 like Mac OS X)", "ip": "10.0.0.1", "customer-id": )J" +
        (anonymous ? std::string("null") : std::to_string(customer)) + R"(, "timestamp": ")" + day +
        R"(T12:00:00.5", "page": "https://xcc-webshop.com/category/3"}})";
    if (!anonymous) expected_days[day].insert(customer);
    produce(admin, "raw", std::to_string(customer), confluent_value(1, event),
            "corr-" + std::to_string(i));
    ++produced_valid;
  }
  produce(admin, "raw", "x", "not framed at all", "corr-bad-1");
  produce(admin, "raw", "x", confluent_value(99, "{}"), "corr-bad-2");
  produce(admin, "raw", "x", confluent_value(1, R"({"id": -1, "type": "nope", "event": {}})"),
          "corr-bad-3");
  REQUIRE(rd_kafka_flush(admin, 10000) == RD_KAFKA_RESP_ERR_NO_ERROR);

  enricher_settings es;
  es.bootstrap_servers = bootstraps;
  es.raw_topic = "raw";
  es.latest_topic = "latest";
  es.invalid_topic = "invalid";
  es.group_id = "test-enricher";
  es.transactional_id = "test-enricher-0";
  es.latest_schema_id = 2;
  es.static_membership = false;
  es.batch_max_events = 16;  // several transactions
  es.retry_backoff_ms = 10;
  counting_observer obs;

  {
    // First the registry is down: the batch is aborted and rewound, nothing is lost.
    enricher e(es, schemas, &obs);
    e.start();
    schemas.unavailable = true;
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
    while (obs.aborted == 0 && std::chrono::steady_clock::now() < deadline) e.run_once();
    REQUIRE(obs.aborted >= 1);
    CHECK(obs.enriched == 0);
    schemas.unavailable = false;
    while (obs.enriched + obs.invalid < 43 && std::chrono::steady_clock::now() < deadline) {
      e.run_once();
    }
    CHECK(e.commits() >= 3);
    e.close();
  }
  CHECK(obs.enriched == 40);
  CHECK(obs.invalid == 3);

  const auto latest = read_all(bootstraps, "latest", 2);
  REQUIRE(latest.size() == 40);
  std::set<std::string> correlation_ids;
  for (const auto& v : latest) {
    const auto framed = parse_confluent_value(v);
    REQUIRE(framed);
    CHECK(framed->schema_id == 2);
    const auto j = nlohmann::json::parse(framed->json);
    const auto& m = j.at("metadata");
    correlation_ids.insert(m.at("correlation_id").get<std::string>());
    CHECK(m.at("received_at") == "2026-11-25T17:00:00.000001Z");
    CHECK(m.at("schema").at("id") == 1);
    CHECK(m.at("source").at("topic") == "raw");
    CHECK(m.at("user_agent").at("device_class") == "tablet");
    CHECK(m.at("page").at("category_id") == 3);
  }
  CHECK(correlation_ids.size() == 40);  // each exactly once
  const auto invalid = read_all(bootstraps, "invalid", 1);
  REQUIRE(invalid.size() == 3);
  std::multiset<std::string> reasons;
  for (const auto& v : invalid) reasons.insert(nlohmann::json::parse(v).at("reason"));
  CHECK(reasons == std::multiset<std::string>{"not_confluent_framed", "schema_validation",
                                              "unknown_schema_id"});

  // A second enricher in the same group starts from the committed offsets: nothing is re-done.
  {
    counting_observer again;
    enricher e(es, schemas, &again);
    e.start();
    for (int i = 0; i < 20; ++i) e.run_once();
    CHECK(again.enriched + again.invalid == 0);
  }

  // Unique users from the latest topic.
  unique_users_settings us;
  us.bootstrap_servers = bootstraps;
  us.latest_topic = "latest";
  us.output_topic = "unique";
  us.counting.emit_interval_ms = 0;
  {
    unique_users_loop loop(us);
    loop.start();
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
    while (!loop.rebuilt() && std::chrono::steady_clock::now() < deadline) loop.run_once();
    REQUIRE(loop.rebuilt());
    for (int i = 0; i < 5; ++i) loop.run_once();
    for (const auto& [day, ids] : expected_days) {
      CHECK(loop.counter().count(*parse_day(day)) == ids.size());
    }
    loop.close();
  }
  const auto counts = read_all(bootstraps, "unique", 1);
  std::map<std::string, std::uint64_t> last;
  for (const auto& v : counts) {
    const auto j = nlohmann::json::parse(v);
    last[j.at("date")] = j.at("unique_users");
  }
  REQUIRE(last.size() == expected_days.size());
  for (const auto& [day, ids] : expected_days) CHECK(last[day] == ids.size());

  rd_kafka_destroy(admin);
}

TEST_CASE("enricher: a fatal consumer error recreates the loop, others are polled past",
          "[enricher]") {
  using clickstream::classify_consumer_error;
  using clickstream::consumer_error_action;
  CHECK(classify_consumer_error(RD_KAFKA_RESP_ERR__PARTITION_EOF) == consumer_error_action::ignore);
  CHECK(classify_consumer_error(RD_KAFKA_RESP_ERR_NO_ERROR) == consumer_error_action::ignore);
  // librdkafka reports "Static consumer fenced by other consumer with same group.instance.id" (seen
  // after a broker restart) as __FATAL: that consumer never works again.
  CHECK(classify_consumer_error(RD_KAFKA_RESP_ERR__FATAL) == consumer_error_action::recreate);
  CHECK(classify_consumer_error(RD_KAFKA_RESP_ERR__TRANSPORT) == consumer_error_action::report);
  CHECK(classify_consumer_error(RD_KAFKA_RESP_ERR__ALL_BROKERS_DOWN) ==
        consumer_error_action::report);
  CHECK(classify_consumer_error(RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART) ==
        consumer_error_action::report);
}
