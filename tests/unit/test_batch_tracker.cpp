#include <catch2/catch.hpp>

#include <thread>

#include "runtime/batch_tracker.hpp"

using namespace clickstream;
using namespace std::chrono_literals;

namespace {
auto soon() {
  return std::chrono::steady_clock::now() + 2s;
}
}  // namespace

TEST_CASE("tracker completes ok when the last record is acknowledged", "[tracker]") {
  auto c = std::make_shared<batch_completion>();
  batch_tracker t{c};
  t.expect(3);
  CHECK_FALSE(t.report(delivery_status::ok));
  CHECK_FALSE(t.seal());
  CHECK_FALSE(c->done());
  CHECK_FALSE(t.report(delivery_status::ok));
  CHECK(t.report(delivery_status::ok));
  REQUIRE(c->done());
  auto o = c->wait_until(soon());
  REQUIRE(o);
  CHECK(o->status == delivery_status::ok);
}

TEST_CASE("tracker cannot complete before it is sealed", "[tracker]") {
  auto c = std::make_shared<batch_completion>();
  batch_tracker t{c};
  t.expect(1);
  CHECK_FALSE(t.report(delivery_status::ok));
  CHECK_FALSE(c->done());
  CHECK(t.seal());
  CHECK(c->done());
}

TEST_CASE("first failure completes at once and wins", "[tracker]") {
  auto c = std::make_shared<batch_completion>();
  batch_tracker t{c};
  t.expect(3);
  t.seal();
  CHECK_FALSE(t.report(delivery_status::timeout, "Local: Message timed out"));
  REQUIRE(c->done());  // answered before the other reports arrive
  CHECK_FALSE(t.report(delivery_status::ok));
  CHECK(t.report(delivery_status::ok));
  auto o = c->wait_until(soon());
  REQUIRE(o);
  CHECK(o->status == delivery_status::timeout);
  CHECK(o->detail == "Local: Message timed out");
}

TEST_CASE("an empty batch completes ok when sealed", "[tracker]") {
  auto c = std::make_shared<batch_completion>();
  batch_tracker t{c};
  CHECK(t.seal());
  CHECK(c->wait_until(soon())->status == delivery_status::ok);
}

TEST_CASE("a dropped tracker completes with internal", "[tracker]") {
  auto c = std::make_shared<batch_completion>();
  {
    batch_tracker t{c};
    t.expect(2);
  }
  auto o = c->wait_until(soon());
  REQUIRE(o);
  CHECK(o->status == delivery_status::internal);
}

TEST_CASE("waiting times out without an outcome", "[tracker]") {
  auto c = std::make_shared<batch_completion>();
  CHECK_FALSE(c->wait_until(std::chrono::steady_clock::now() + 20ms).has_value());
}

TEST_CASE("reports from many threads complete exactly once", "[tracker]") {
  auto c = std::make_shared<batch_completion>();
  batch_tracker t{c};
  constexpr int threads = 4, per_thread = 1000;
  t.expect(threads * per_thread);
  std::atomic<int> lasts{0};
  std::vector<std::thread> ts;
  for (int i = 0; i < threads; ++i)
    ts.emplace_back([&] {
      for (int j = 0; j < per_thread; ++j)
        if (t.report(delivery_status::ok)) ++lasts;
    });
  if (t.seal()) ++lasts;
  for (auto& th : ts) th.join();
  CHECK(lasts == 1);
  CHECK(c->wait_until(soon())->status == delivery_status::ok);
}

TEST_CASE("batches in flight are bounded", "[tracker]") {
  std::atomic<std::size_t> counter{0};
  auto a = in_flight_slot::try_acquire(counter, 2);
  auto b = in_flight_slot::try_acquire(counter, 2);
  REQUIRE(a);
  REQUIRE(b);
  CHECK_FALSE(in_flight_slot::try_acquire(counter, 2));
  CHECK(counter == 2);
  a.reset();
  CHECK(counter == 1);
  auto moved = std::move(*b);
  b.reset();
  CHECK(counter == 1);
  CHECK(in_flight_slot::try_acquire(counter, 2));
  CHECK(counter == 1);  // the temporary above released its slot
}

TEST_CASE("summary is visible to the waiter", "[tracker]") {
  auto c = std::make_shared<batch_completion>();
  c->set_summary({7, 2, "", ""});
  c->complete(delivery_status::ok);
  CHECK(c->summary().accepted == 7);
  CHECK(c->summary().rejected == 2);
}
