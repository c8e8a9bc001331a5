// Process resident memory and CPU time from /proc/self (prometheus-cpp does not provide the
// standard process_* metrics).
#pragma once

#include <optional>
#include <string_view>

namespace clickstream {

struct process_stats {
  double cpu_seconds = 0;  ///< user + system
  double resident_bytes = 0;
  double start_time_seconds = 0;  ///< since boot (from /proc/self/stat field 22)
};

/// Parses the text of /proc/self/stat. `ticks_per_second` = sysconf(_SC_CLK_TCK),
/// `page_size` = sysconf(_SC_PAGESIZE).
std::optional<process_stats> parse_proc_stat(std::string_view stat, long ticks_per_second,
                                             long page_size);

/// Reads /proc/self/stat now.
std::optional<process_stats> read_process_stats();

}  // namespace clickstream
