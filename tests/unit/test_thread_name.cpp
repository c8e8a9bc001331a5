// runtime/thread_name: the service names its threads for top -H, perf and the bench's CPU table.
#include <catch2/catch.hpp>

#include <string>
#include <thread>

#include "runtime/thread_name.hpp"

using namespace clickstream;

TEST_CASE("thread_name: a thread reads back the name it set", "[thread_name]") {
  std::string seen;
  std::thread t{[&] {
    set_thread_name("cs-test");
    seen = thread_name();
  }};
  t.join();
  CHECK(seen == "cs-test");
}

TEST_CASE("thread_name: names longer than 15 bytes are cut, not refused", "[thread_name]") {
  std::string seen;
  std::thread t{[&] {
    set_thread_name("cs-enricher-1234567890");
    seen = thread_name();
  }};
  t.join();
  CHECK(seen == "cs-enricher-123");
}
