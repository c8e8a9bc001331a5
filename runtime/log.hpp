// Minimal thread-safe logging to stderr: one line per call, UTC timestamp, level, component.
#pragma once

#include <string_view>

namespace clickstream {

enum class log_level { debug = 0, info = 1, warning = 2, error = 3 };

/// Messages below this level are dropped (default info).
void set_log_level(log_level lvl);
log_level current_log_level();

void log(log_level lvl, std::string_view component, std::string_view message);

inline void log_info(std::string_view c, std::string_view m) {
  log(log_level::info, c, m);
}
inline void log_warning(std::string_view c, std::string_view m) {
  log(log_level::warning, c, m);
}
inline void log_error(std::string_view c, std::string_view m) {
  log(log_level::error, c, m);
}
inline void log_debug(std::string_view c, std::string_view m) {
  log(log_level::debug, c, m);
}

}  // namespace clickstream
