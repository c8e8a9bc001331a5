// Counters of runtime/guarded_server, in a header of their own so that the metrics code can
// export them without including cpp-httplib.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>

namespace clickstream {

/// What the connection guards saw, shared with whoever exports it (actors/metrics:
/// clickstream_http_connections*); it outlives a server and is shared by successive servers (a
/// restarted receiver), so the totals stay monotonic.
struct connection_counters {
  std::atomic<std::size_t> open{0};         ///< connections served or waiting for a thread
  std::atomic<std::uint64_t> rejected{0};   ///< answered 503 above max_connections
  std::atomic<std::uint64_t> timed_out{0};  ///< closed: no first byte / head / body in time, or
                                            ///< the head over max_head_bytes
};

}  // namespace clickstream
