// The listen backlog of a cpp-httplib server.
//
// Debian's cpp-httplib 0.11.4 is a compiled library (libcpp-httplib.so) that listens with a
// backlog of 5 (CPPHTTPLIB_LISTEN_BACKLOG is fixed when the library is built). A client opening
// more connections at once than that (wrk or a load balancer opening 64-128) overflows the accept
// queue: the kernel drops the SYNs, the client retries after 1 s and 3 s, and those requests'
// latency shows it (p99 0.8-3.3 s with 128 connections, BENCHMARKS.md). listen() on a socket that
// already listens only changes its backlog, so the server's socket is found after bind_to_port()
// and listened on again with a larger one (the kernel caps it at net.core.somaxconn).
#pragma once

#include <cstdint>

namespace clickstream {

/// Default backlog for the HTTP listeners.
constexpr int http_listen_backlog = 1024;

/// Raises the backlog of this process's listening TCP socket bound to `port` (IPv4 or IPv6).
/// Returns false when no such socket was found or listen() failed (the server still works,
/// with the smaller backlog).
bool raise_listen_backlog(std::uint16_t port, int backlog = http_listen_backlog);

}  // namespace clickstream
