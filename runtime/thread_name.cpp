#include "runtime/thread_name.hpp"

#include <pthread.h>

#include <algorithm>
#include <array>

namespace clickstream {

namespace {
// Linux: 16 bytes including the terminating zero.
constexpr std::size_t max_name = 15;
}  // namespace

void set_thread_name(std::string_view name) noexcept {
  std::array<char, max_name + 1> buf{};
  const auto n = std::min(name.size(), max_name);
  std::copy_n(name.data(), n, buf.data());
  (void)pthread_setname_np(pthread_self(), buf.data());
}

std::string thread_name() {
  std::array<char, max_name + 1> buf{};
  if (pthread_getname_np(pthread_self(), buf.data(), buf.size()) != 0) return {};
  return buf.data();
}

}  // namespace clickstream
