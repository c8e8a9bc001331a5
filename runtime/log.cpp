#include "runtime/log.hpp"

#include <atomic>
#include <chrono>
#include <cstdio>
#include <ctime>
#include <string>

namespace clickstream {

namespace {
std::atomic<int> g_level{static_cast<int>(log_level::info)};
constexpr const char* level_names[] = {"DEBUG", "INFO", "WARN", "ERROR"};
}  // namespace

void set_log_level(log_level lvl) {
  g_level.store(static_cast<int>(lvl));
}
log_level current_log_level() {
  return static_cast<log_level>(g_level.load());
}

void log(log_level lvl, std::string_view component, std::string_view message) {
  if (static_cast<int>(lvl) < g_level.load(std::memory_order_relaxed)) return;
  auto now = std::chrono::system_clock::now();
  auto secs = std::chrono::system_clock::to_time_t(now);
  auto ms =
      std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count() % 1000;
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char stamp[32];
  std::strftime(stamp, sizeof stamp, "%Y-%m-%dT%H:%M:%S", &tm);
  std::string line;
  line.reserve(64 + component.size() + message.size());
  line += stamp;
  char frac[8];
  std::snprintf(frac, sizeof frac, ".%03dZ ", static_cast<int>(ms));
  line += frac;
  line += level_names[static_cast<int>(lvl)];
  line += " [";
  line += component;
  line += "] ";
  line += message;
  line += '\n';
  std::fwrite(line.data(), 1, line.size(), stderr);
}

}  // namespace clickstream
