// Actor-level tests: the supervisor restarts and escalates; the validator -> producer path works
// against librdkafka's mock cluster; the schema cache loads, keeps and replaces schemas from a
// registry (a local cpp-httplib server speaking the Confluent API).
#include <catch2/catch.hpp>

#include <httplib.h>
#include <librdkafka/rdkafka.h>
#include <caf/all.hpp>

// rdkafka_mock.h must come after rdkafka.h
#include <librdkafka/rdkafka_mock.h>

#include <fstream>
#include <sstream>
#include <thread>

#include "actors/context.hpp"
#include "actors/schema_cache.hpp"
#include "actors/supervisor.hpp"
#include "runtime/collect_batch.hpp"
#include "runtime/records.hpp"
#include "runtime/schema_validator.hpp"

using namespace clickstream;
using namespace std::chrono_literals;

namespace {

// The probe thread's metadata request may auto-create the topic in the mock cluster first.
[[maybe_unused]] bool created(rd_kafka_resp_err_t err) {
  return err == RD_KAFKA_RESP_ERR_NO_ERROR || err == RD_KAFKA_RESP_ERR_TOPIC_ALREADY_EXISTS;
}

std::string read_file(const std::string& path) {
  std::ifstream in{path, std::ios::binary};
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::string schema_text() {
  return read_file(std::string{CLICKSTREAM_SOURCE_DIR} +
                   "/schemas/acme.clickstream.raw.events.json");
}

struct system_fixture {
  caf::actor_system_config cfg;
  std::unique_ptr<caf::actor_system> sys;
  system_fixture() {
    cfg.set("scheduler.max-threads", 2);
    sys = std::make_unique<caf::actor_system>(cfg);
  }
};

template <class Pred>
bool eventually(Pred pred, std::chrono::milliseconds limit = 5000ms) {
  auto end = std::chrono::steady_clock::now() + limit;
  while (std::chrono::steady_clock::now() < end) {
    if (pred()) return true;
    std::this_thread::sleep_for(10ms);
  }
  return pred();
}

caf::behavior crasher(caf::event_based_actor*, std::shared_ptr<std::atomic<int>> starts) {
  ++*starts;
  return {
      [](const std::string& cmd) -> int {
        if (cmd == "crash") throw std::runtime_error("test crash");
        return 1;
      },
  };
}

}  // namespace

TEST_CASE("supervisor restarts a crashed worker, escalates after N crashes in T", "[actors]") {
  system_fixture f;
  service_config sc;
  sc.supervisor.max_restarts = 2;
  sc.supervisor.restart_window_s = 60;
  auto ctx = std::make_shared<service_context>(sc);
  auto starts = std::make_shared<std::atomic<int>>(0);
  auto members = std::make_shared<std::vector<caf::actor>>();
  auto members_mtx = std::make_shared<std::mutex>();
  std::vector<component> comps;
  comps.push_back(component{
      "crasher", 1, true,
      [starts](caf::actor_system& sys, std::size_t) { return sys.spawn(crasher, starts); },
      [members, members_mtx](const std::vector<caf::actor>& ms) {
        std::lock_guard<std::mutex> g{*members_mtx};
        *members = ms;
      },
      false});
  auto root = f.sys->spawn(supervisor, ctx, comps);
  auto current = [&] {
    std::lock_guard<std::mutex> g{*members_mtx};
    return members->empty() ? caf::actor{} : members->front();
  };
  REQUIRE(eventually([&] { return *starts == 1 && current(); }));
  for (int crash = 1; crash <= 2; ++crash) {
    auto before = current();
    caf::anon_send(before, std::string{"crash"});
    REQUIRE(eventually([&] { return *starts == crash + 1 && current() && current() != before; }));
    CHECK_FALSE(ctx->stop_requested.load());
  }
  // The third crash within the window exceeds max-restarts = 2: escalation, exit code 3.
  caf::anon_send(current(), std::string{"crash"});
  REQUIRE(eventually([&] { return ctx->stop_requested.load(); }));
  CHECK(ctx->exit_code.load() == 3);
  CHECK(*starts == 3);
  caf::scoped_actor self{*f.sys};
  bool stopped = false;
  self->request(root, 5s, stop_atom::value)
      .receive([&](bool b) { stopped = b; }, [](caf::error&) {});
  CHECK(stopped);
  self->send_exit(root, caf::exit_reason::user_shutdown);
}

TEST_CASE("validators and producers: a batch goes to Kafka (mock) and completes", "[actors]") {
  system_fixture f;
  service_config sc;
  sc.validator.count = 2;
  sc.producer.count = 2;
  auto ctx = std::make_shared<service_context>(sc);
  auto props = producer_properties(sc);
  for (auto& [k, v] : props)
    if (k == "bootstrap.servers") v = "";
  props.emplace_back("test.mock.num.brokers", "1");
  std::string error;
  ctx->kafka =
      kafka_producer::create(props, {sc.kafka.raw_topic, sc.kafka.invalid_topic}, 500ms, error);
  REQUIRE(ctx->kafka);
  auto* mc = rd_kafka_handle_mock_cluster(ctx->kafka->handle());
  REQUIRE(created(rd_kafka_mock_topic_create(mc, sc.kafka.raw_topic.c_str(), 3, 1)));
  REQUIRE(created(rd_kafka_mock_topic_create(mc, sc.kafka.invalid_topic.c_str(), 1, 1)));
  ctx->raw_topic = 0;
  ctx->invalid_topic = 1;
  ctx->set_schema(compiled_schema::compile(schema_text(), 42, 3, sc.registry.subject));

  std::vector<component> comps;
  for (auto& c : collector_components(ctx))
    if (c.name == "producer" || c.name == "validator") comps.push_back(std::move(c));
  auto root = f.sys->spawn(supervisor, ctx, comps);
  REQUIRE(eventually([&] { return ctx->validators.next() && ctx->producers.next(); }));

  auto send = [&](std::string body) {
    auto c = std::make_shared<batch_completion>();
    auto slot = in_flight_slot::try_acquire(ctx->batches_in_flight, 10);
    auto b =
        std::make_shared<collect_batch>(std::move(body), new_correlation_id(),
                                        "2026-11-25T00:00:00Z", c, std::move(slot), &ctx->metrics);
    caf::anon_send(ctx->validators.next(), collect_atom::value, std::move(b));
    return c;
  };
  const std::string good =
      R"({"id": 1, "type": "search", "event": {"user-agent": "UA", "ip": "1.2.3.4", )"
      R"("customer-id": 7, "timestamp": "2022-04-28T07:38:46.290271", "query": "q"}})";
  auto c1 = send("[" + good + "," + good + ",{\"id\":\"x\"}]");
  auto o1 = c1->wait_until(std::chrono::steady_clock::now() + 10s);
  REQUIRE(o1);
  CHECK(o1->status == delivery_status::ok);
  CHECK(c1->summary().accepted == 2);
  CHECK(c1->summary().rejected == 1);
  CHECK(c1->summary().request_error.empty());

  auto c2 = send("{not json");
  auto o2 = c2->wait_until(std::chrono::steady_clock::now() + 10s);
  REQUIRE(o2);
  CHECK(o2->status == delivery_status::ok);  // the body is stored in the invalid topic
  CHECK(c2->summary().request_error == "not_json");

  // Every slot is released once the batches are done.
  REQUIRE(eventually([&] { return ctx->batches_in_flight.load() == 0; }));
  auto text = ctx->metrics.render();
  CHECK(text.find("clickstream_events_valid_total 2") != std::string::npos);
  CHECK(text.find("clickstream_events_invalid_total{keyword=\"type\"} 1") != std::string::npos);

  caf::scoped_actor self{*f.sys};
  self->request(root, 5s, stop_atom::value).receive([](bool) {}, [](caf::error&) {});
  self->send_exit(root, caf::exit_reason::user_shutdown);
  ctx->kafka->flush(2s);
  ctx->kafka->stop();
}

TEST_CASE("schema cache: loads, keeps the cached schema while down, picks up a new version",
          "[actors]") {
  httplib::Server registry;
  std::atomic<int> version{1};
  std::atomic<bool> down{false};
  const auto schema = schema_text();
  registry.Get(".*", [&](const httplib::Request& req, httplib::Response& res) {
    if (down || req.path != "/api/subjects/acme.clickstream.raw.events-value/versions/latest") {
      res.status = down ? 503 : 404;
      return;
    }
    std::string body = R"({"subject":"acme.clickstream.raw.events-value","version":)" +
                       std::to_string(version.load()) +
                       ",\"id\":" + std::to_string(100 + version.load()) + ",\"schema\":";
    append_json_string(body, schema);
    body += R"(,"schemaType":"JSON"})";
    res.set_content(body, "application/json");
  });
  int port = registry.bind_to_any_port("127.0.0.1");
  std::thread t{[&] { registry.listen_after_bind(); }};

  system_fixture f;
  service_config sc;
  sc.registry.url = "http://127.0.0.1:" + std::to_string(port) + "/api";
  sc.registry.poll_interval_ms = 50;
  sc.registry.retry_initial_ms = 20;
  sc.registry.retry_max_ms = 40;
  auto ctx = std::make_shared<service_context>(sc);
  auto cache = f.sys->spawn<caf::detached>(schema_cache, ctx);
  REQUIRE(eventually([&] { return ctx->schema() != nullptr; }));
  CHECK(ctx->schema()->version() == 1);
  CHECK(ctx->schema()->id() == 101);

  down = true;
  std::this_thread::sleep_for(200ms);
  REQUIRE(ctx->schema());
  CHECK(ctx->schema()->version() == 1);  // kept while the registry is down

  version = 2;
  down = false;
  REQUIRE(eventually([&] { return ctx->schema() && ctx->schema()->version() == 2; }));
  CHECK(ctx->schema()->id() == 102);

  caf::scoped_actor self{*f.sys};
  schema_ptr answered;
  self->request(cache, 5s, schema_atom::value)
      .receive([&](schema_ptr& s) { answered = s; }, [](caf::error&) {});
  REQUIRE(answered);
  CHECK(answered->version() == 2);
  self->send_exit(cache, caf::exit_reason::user_shutdown);
  registry.stop();
  t.join();
}
