// Names of the service's own threads, so that `top -H`, `ps -L`, /proc/PID/task/*/comm and perf
// tell them apart (docs/service.md lists them; scripts/bench.sh sums the CPU by name).
#pragma once

#include <string>
#include <string_view>

namespace clickstream {

/// Names the calling thread; Linux keeps at most 15 bytes, the rest is cut off.
void set_thread_name(std::string_view name) noexcept;

/// The calling thread's name ("" when it cannot be read).
std::string thread_name();

}  // namespace clickstream
