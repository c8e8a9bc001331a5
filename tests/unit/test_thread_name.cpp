// runtime/thread_name: the service names its threads for top -H, perf and the bench's CPU table.
#include <catch2/catch.hpp>

#include <string>
#include <string_view>
#include <thread>

#include "runtime/thread_name.hpp"

using namespace clickstream;

namespace {

// The name a fresh thread reads back after naming itself `name`.
std::string name_read_back(std::string_view name) {
  std::string seen;
  std::thread t{[&] {
    set_thread_name(name);
    seen = thread_name();
  }};
  t.join();
  return seen;
}

}  // namespace

TEST_CASE("thread_name: a thread reads back the name it set", "[thread_name]") {
  CHECK(name_read_back("cs-test") == "cs-test");
}

TEST_CASE("thread_name: names longer than 15 bytes are cut, not refused", "[thread_name]") {
  CHECK(name_read_back("cs-enricher-1234567890") == "cs-enricher-123");
}

TEST_CASE("thread_name: naming one thread leaves the caller's name alone", "[thread_name]") {
  const auto before = thread_name();
  CHECK(name_read_back("cs-other") == "cs-other");
  CHECK(thread_name() == before);
}
