// An httplib::Server whose pool threads cannot be held by slow, idle or abusive connections.
//
// cpp-httplib 0.11.4 (Debian 12) serves one connection per pool thread for the connection's whole
// life: an idle connection holds a thread for the keep-alive timeout, a client sending its request
// head one byte at a time ("slowloris") holds it for ever (the read timeout bounds each recv, not
// the head), the queue of accepted connections waiting for a thread is unbounded, and so is the
// number of header lines. tests/integration/test_slow_clients.sh shows a 4-thread service denied
// to every other client by 8 slow connections. This server replaces httplib's connection loop
// (its private virtual process_and_close_socket) with one that bounds all of these, and still
// runs httplib's own request processing (the protected process_request) for each request:
//  - a new connection must send its first byte within first_byte_timeout_ms, a kept-alive one
//    within the keep-alive timeout;
//  - the whole request head (request line + headers) must arrive within head_timeout_ms of its
//    first byte and be at most max_head_bytes long (else httplib answers 400 and closes);
//  - the body must arrive within body_timeout_ms of the end of the head;
//  - at most max_connections connections are queued or served; above that, a connection is
//    answered 503 + Retry-After at once on the accept thread and closed (no pool thread held);
//  - one buffered stream per connection, so pipelined requests are all answered.
// Set the routes, timeouts (set_read_timeout / set_write_timeout / set_keep_alive_*) and options
// as on an httplib::Server; do not replace new_task_queue (it is this server's bounded pool).
#pragma once

#include <httplib.h>

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

#include "runtime/connection_counters.hpp"

namespace clickstream {

/// The name of the pool threads serving connections (set_thread_name).
inline constexpr const char* http_thread_name = "cs-http";

struct connection_limits {
  std::size_t threads = 32;                   ///< pool threads (connections served at once)
  std::size_t max_connections = 256;          ///< served + waiting for a thread; more: 503 at once
  std::int64_t first_byte_timeout_ms = 2000;  ///< a new connection's: from its accept
  std::int64_t head_timeout_ms = 5000;  ///< from the head's first byte (a new connection's: from
                                        ///< its accept)
  std::size_t max_head_bytes = 64 * 1024;
  std::int64_t body_timeout_ms = 30000;  ///< from the end of the head
  std::int64_t retry_after_s = 1;        ///< Retry-After of the 503 above max_connections
  /// TCP_DEFER_ACCEPT of the listening socket (connection_guard::configure_listen_socket sets it
  /// from the server's socket options): a connection accepted without data has been silent this
  /// long already, so that much of first_byte_timeout_ms is used up at the accept. When it covers
  /// the whole first_byte_timeout_ms, a connection accepted without data is closed on the accept
  /// thread (counted as timed out): idle peers take neither a slot nor a thread.
  std::int64_t defer_accept_ms = 0;
};

/// What guarded_server and guarded_tls_server share: the limits, the counters and the bounded pool.
class connection_guard {
 public:
  const connection_limits& limits() const noexcept { return limits_; }
  /// Connections being served or waiting for a thread.
  std::size_t connections() const noexcept { return counters_->open.load(); }
  /// Connections refused because max_connections were open (503 on plain HTTP, closed on TLS).
  std::uint64_t rejected_connections() const noexcept { return counters_->rejected.load(); }
  /// Connections closed because a head or body deadline passed or the head was too long.
  std::uint64_t timed_out_connections() const noexcept { return counters_->timed_out.load(); }
  const std::shared_ptr<connection_counters>& counters() const noexcept { return counters_; }
  /// Sets TCP_DEFER_ACCEPT (limits().defer_accept_ms, rounded up to whole seconds) on the
  /// listening socket: call it from the server's socket options, before it listens. When it
  /// cannot be set, defer_accept_ms becomes 0 (no deadline is shortened, no connection is
  /// dropped at the accept for being silent).
  void configure_listen_socket(socket_t sock);

 protected:
  /// `counters`: where to count (nullptr: counters of its own).
  connection_guard(connection_limits limits, std::shared_ptr<connection_counters> counters);
  /// The bounded pool that counts connections: install it as the server's new_task_queue.
  httplib::TaskQueue* make_pool() const;

  connection_limits limits_;
  std::shared_ptr<connection_counters> counters_;
};

class guarded_server : public httplib::Server, public connection_guard {
 public:
  explicit guarded_server(connection_limits limits,
                          std::shared_ptr<connection_counters> counters = nullptr);

 private:
  bool process_and_close_socket(socket_t sock) override;
};

/// The same guards over TLS (httplib::SSLServer's certificate handling, this connection loop):
/// the handshake must complete within first_byte_timeout_ms + head_timeout_ms of the accept,
/// every TLS read and write waits on a non-blocking socket up to the same deadlines as in plain
/// HTTP. Above max_connections a connection is closed at once (a plain-text 503 would mean
/// nothing to a TLS client). Check is_valid() after construction (unreadable or mismatched
/// certificate / key files: false).
class guarded_tls_server : public httplib::SSLServer, public connection_guard {
 public:
  guarded_tls_server(const std::string& cert_file, const std::string& key_file,
                     connection_limits limits,
                     std::shared_ptr<connection_counters> counters = nullptr);

  /// False also when the private key does not belong to the certificate.
  bool is_valid() const override;

 private:
  bool process_and_close_socket(socket_t sock) override;

  bool key_matches_ = false;
};

}  // namespace clickstream
