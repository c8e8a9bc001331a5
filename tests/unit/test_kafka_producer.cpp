// The producer path against librdkafka's mock cluster: delivery reports complete the batch;
// with the broker down the batch ends in failure, never in success.
#include <catch2/catch.hpp>

#include <librdkafka/rdkafka.h>

// rdkafka_mock.h must come after rdkafka.h
#include <librdkafka/rdkafka_mock.h>

#include <optional>
#include <thread>

#include "runtime/collect_batch.hpp"
#include "runtime/config.hpp"
#include "runtime/kafka_producer.hpp"

using namespace clickstream;
using namespace std::chrono_literals;

namespace {

// The probe thread's metadata request may auto-create the topic in the mock cluster first.
[[maybe_unused]] bool created(rd_kafka_resp_err_t err) {
  return err == RD_KAFKA_RESP_ERR_NO_ERROR || err == RD_KAFKA_RESP_ERR_TOPIC_ALREADY_EXISTS;
}

struct counting_observer final : batch_observer {
  std::atomic<int> errors{0};
  std::atomic<int> batches{0};
  void on_delivery_error(std::string_view, rd_kafka_resp_err_t) override { ++errors; }
  void on_batch_delivered(std::chrono::steady_clock::duration, bool) override { ++batches; }
};

std::unique_ptr<kafka_producer> mock_producer(std::int64_t message_timeout_ms,
                                              std::int64_t statistics_interval_ms = 5000) {
  service_config cfg;
  cfg.producer.message_timeout_ms = message_timeout_ms;
  cfg.producer.statistics_interval_ms = statistics_interval_ms;
  auto props = producer_properties(cfg);
  for (auto& [k, v] : props)
    if (k == "bootstrap.servers") v = "";  // the mock cluster provides them
  props.emplace_back("test.mock.num.brokers", "1");
  std::string error;
  auto p = kafka_producer::create(props, {"raw", "invalid"}, 200ms, error);
  INFO(error);
  REQUIRE(p);
  auto* mcluster = rd_kafka_handle_mock_cluster(p->handle());
  REQUIRE(mcluster != nullptr);
  REQUIRE(created(rd_kafka_mock_topic_create(mcluster, "raw", 2, 1)));
  REQUIRE(created(rd_kafka_mock_topic_create(mcluster, "invalid", 1, 1)));
  return p;
}

std::shared_ptr<collect_batch> make_batch(std::shared_ptr<batch_completion> c, batch_observer* obs,
                                          int events) {
  auto b = std::make_shared<collect_batch>("[]", "corr-1", "2026-11-25T00:00:00Z", std::move(c),
                                           std::nullopt, obs);
  for (int i = 0; i < events; ++i) {
    outbound_record r;
    r.topic = i % 3 == 2 ? topic_kind::invalid : topic_kind::raw;
    r.key_offset = static_cast<std::uint32_t>(b->arena.size());
    b->arena += "visitor-" + std::to_string(i);
    r.key_size = static_cast<std::uint32_t>(b->arena.size() - r.key_offset);
    r.value_offset = static_cast<std::uint32_t>(b->arena.size());
    b->arena += std::string{"\0\0\0\0\x01", 5} + R"({"id":)" + std::to_string(i) + "}";
    r.value_size = static_cast<std::uint32_t>(b->arena.size() - r.value_offset);
    b->records.push_back(r);
  }
  b->summary.accepted = static_cast<std::size_t>(events);
  return b;
}

}  // namespace

TEST_CASE("mock cluster: acknowledged records complete the batch with ok", "[kafka]") {
  auto p = mock_producer(5000);
  CHECK(p->probe(2000ms));
  counting_observer obs;
  auto c = std::make_shared<batch_completion>();
  {
    auto b = make_batch(c, &obs, 10);
    collect_batch::produce_all(b, *p, p->topic_index("raw"), p->topic_index("invalid"));
  }  // the producer keeps the batch alive until its last report
  auto o = c->wait_until(std::chrono::steady_clock::now() + 10s);
  REQUIRE(o);
  CHECK(o->status == delivery_status::ok);
  CHECK(c->summary().accepted == 10);
  for (int i = 0; i < 100 && obs.batches == 0; ++i) std::this_thread::sleep_for(10ms);
  CHECK(obs.batches == 1);
  CHECK(obs.errors == 0);
  CHECK(p->flush(5s) == 0);
  p->stop();
}

TEST_CASE("mock cluster: librdkafka's statistics report the records' queue time and round trips",
          "[kafka]") {
  auto p = mock_producer(5000, 100);
  CHECK_FALSE(p->statistics());  // before the first interval
  REQUIRE(p->probe(2000ms));
  counting_observer obs;
  auto c = std::make_shared<batch_completion>();
  collect_batch::produce_all(make_batch(c, &obs, 6), *p, p->topic_index("raw"),
                             p->topic_index("invalid"));
  REQUIRE(c->wait_until(std::chrono::steady_clock::now() + 10s));
  // The first interval that saw produce requests: some of the 6 records (the requests of the two
  // topics may fall into two intervals), their requests answered.
  std::optional<kafka_client_stats> seen;
  for (int i = 0; i < 300 && !seen; ++i) {
    if (auto s = p->statistics(); s && s->queue.count > 0) seen = s;
    std::this_thread::sleep_for(10ms);
  }
  REQUIRE(seen);
  CHECK(seen->brokers == 1);
  CHECK(seen->queue.count >= 1);
  CHECK(seen->queue.count <= 6);
  CHECK(seen->queue.p99_s >= seen->queue.p50_s);
  CHECK(seen->rtt.count >= 1);
  CHECK(seen->rtt.p99_s > 0);
  CHECK(seen->rtt.p99_s < 5);
  CHECK(p->flush(5s) == 0);
  p->stop();
}

TEST_CASE("mock cluster: broker down ends in failure, never success", "[kafka]") {
  auto p = mock_producer(1500);
  REQUIRE(p->probe(2000ms));
  auto* mcluster = rd_kafka_handle_mock_cluster(p->handle());
  REQUIRE(rd_kafka_mock_broker_set_down(mcluster, 1) == RD_KAFKA_RESP_ERR_NO_ERROR);
  counting_observer obs;
  auto c = std::make_shared<batch_completion>();
  collect_batch::produce_all(make_batch(c, &obs, 5), *p, 0, 1);
  auto o = c->wait_until(std::chrono::steady_clock::now() + 15s);
  REQUIRE(o);
  CHECK(o->status != delivery_status::ok);
  CHECK((o->status == delivery_status::unavailable || o->status == delivery_status::failed));
  CHECK(obs.errors >= 1);
  // The reachability probe notices too (readiness false).
  CHECK_FALSE(p->probe(500ms));
  CHECK_FALSE(p->reachable());
  p->flush(100ms);
  p->stop();
}

TEST_CASE("a full queue fails the batch at once", "[kafka]") {
  service_config cfg;
  auto props = producer_properties(cfg);
  for (auto& [k, v] : props) {
    if (k == "bootstrap.servers") v = "";
    if (k == "queue.buffering.max.messages") v = "3";
    if (k == "linger.ms") v = "1000";
  }
  props.emplace_back("test.mock.num.brokers", "1");
  std::string error;
  auto p = kafka_producer::create(props, {"raw", "invalid"}, 1000ms, error);
  REQUIRE(p);
  auto c = std::make_shared<batch_completion>();
  collect_batch::produce_all(make_batch(c, nullptr, 10), *p, 0, 1);
  auto o = c->wait_until(std::chrono::steady_clock::now() + 1s);
  REQUIRE(o);
  CHECK(o->status == delivery_status::queue_full);
  p->flush(3s);
  p->stop();
}

TEST_CASE("unknown topic index is refused without a report", "[kafka]") {
  auto p = mock_producer(1000);
  CHECK(p->topic_index("nope") == -1);
  CHECK(p->produce(7, "", "x", nullptr, 0, nullptr) == RD_KAFKA_RESP_ERR__UNKNOWN_TOPIC);
  p->stop();
}

TEST_CASE("a probe that timed out while records were acknowledged keeps Kafka reachable",
          "[kafka]") {
  // An ack after the probe started: the brokers answer, only the machine is busy.
  CHECK(probe_timed_out_but_acked(RD_KAFKA_RESP_ERR__TIMED_OUT, 1000, 1500));
  CHECK(probe_timed_out_but_acked(RD_KAFKA_RESP_ERR__TIMED_OUT, 1000, 1000));
  // The last ack is older than the probe: a broker that stopped answering.
  CHECK_FALSE(probe_timed_out_but_acked(RD_KAFKA_RESP_ERR__TIMED_OUT, 1000, 999));
  CHECK_FALSE(probe_timed_out_but_acked(RD_KAFKA_RESP_ERR__TIMED_OUT, 1000, 0));
  // Any other error is never excused, acks or not.
  CHECK_FALSE(probe_timed_out_but_acked(RD_KAFKA_RESP_ERR__TRANSPORT, 1000, 1500));
  CHECK_FALSE(probe_timed_out_but_acked(RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART, 1000, 1500));
}
