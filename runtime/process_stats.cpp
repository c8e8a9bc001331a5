#include "runtime/process_stats.hpp"

#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <iterator>
#include <string>

namespace clickstream {

std::optional<process_stats> parse_proc_stat(std::string_view stat, long ticks_per_second,
                                             long page_size) {
  // Field 2 (comm) is in parentheses and may contain spaces: continue after the LAST ')'.
  auto close = stat.rfind(')');
  if (close == std::string_view::npos || ticks_per_second <= 0 || page_size <= 0)
    return std::nullopt;
  std::string rest{stat.substr(close + 1)};
  // After ')': field 3 (state) is index 0. utime=14, stime=15, starttime=22, rss=24.
  const char* p = rest.c_str();
  double fields[25] = {};
  for (int index = 3; index <= 24; ++index) {
    while (*p == ' ') ++p;
    if (*p == '\0') return std::nullopt;
    if (index == 3) {  // state: a letter
      ++p;
      continue;
    }
    char* end = nullptr;
    fields[index] = std::strtod(p, &end);
    if (end == p) return std::nullopt;
    p = end;
  }
  process_stats out;
  out.cpu_seconds = (fields[14] + fields[15]) / static_cast<double>(ticks_per_second);
  out.start_time_seconds = fields[22] / static_cast<double>(ticks_per_second);
  out.resident_bytes = fields[24] * static_cast<double>(page_size);
  return out;
}

std::optional<process_stats> read_process_stats() {
  std::ifstream in{"/proc/self/stat"};
  if (!in) return std::nullopt;
  std::string text{std::istreambuf_iterator<char>{in}, std::istreambuf_iterator<char>{}};
  return parse_proc_stat(text, sysconf(_SC_CLK_TCK), sysconf(_SC_PAGESIZE));
}

}  // namespace clickstream
