#include "runtime/guarded_server.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstring>
#include <functional>
#include <string>
#include <utility>

#include "runtime/http_status.hpp"
#include "runtime/thread_name.hpp"

namespace clickstream {

namespace {

using clock_type = std::chrono::steady_clock;

// The accept thread hands each new connection to process_and_close_socket twice: first in
// `check` state, where the connection is only admitted (state `admitted`) or refused and closed
// there (see admit()), then, if admitted, on a pool thread to be served (state `none`).
enum class admission { none, check, admitted };
thread_local admission admission_state = admission::none;
// When the connection being served by this pool thread was accepted: a connection's first-byte
// and first-head deadlines count from then, so connections that waited for a thread while their
// deadlines passed (idle or slowloris peers) are dropped at once instead of holding the thread.
thread_local clock_type::time_point accepted_at;
// A connection that waited in the queue past its head deadline still gets this long to deliver
// a head it has already sent.
constexpr std::chrono::milliseconds queued_head_grace{200};

// httplib's ThreadPool behind a count of the connections it holds (queued + served). The count
// is raised here and lowered by process_and_close_socket when the connection is closed (httplib's
// pool runs every queued task, also at shutdown).
class bounded_pool final : public httplib::TaskQueue {
 public:
  bounded_pool(std::size_t threads, connection_counters& counters)
      : pool_(std::max<std::size_t>(threads, 1)), counters_(counters) {}

  void enqueue(std::function<void()> fn) override {
    admission_state = admission::check;
    fn();  // process_and_close_socket admits, or refuses and closes without blocking
    const bool admitted = admission_state == admission::admitted;
    admission_state = admission::none;
    if (!admitted) return;
    counters_.open.fetch_add(1, std::memory_order_relaxed);
    pool_.enqueue([fn = std::move(fn), t = clock_type::now()] {
      // httplib's pool threads inherit the name of the thread that started the server.
      thread_local const bool named = (set_thread_name(http_thread_name), true);
      (void)named;
      accepted_at = t;
      fn();
    });
  }

  void shutdown() override { pool_.shutdown(); }

 private:
  httplib::ThreadPool pool_;
  connection_counters& counters_;
};

// Above max_connections, on the accept thread: 503 + Retry-After (plain HTTP only; a TLS peer
// would need a handshake first, it is just closed) and close.
void reject(socket_t sock, const connection_limits& limits, connection_counters& counters,
            bool answer) {
  counters.rejected.fetch_add(1, std::memory_order_relaxed);
  if (!answer) {
    ::close(sock);
    return;
  }
  const auto a =
      json_error(503, "too_many_connections",
                 "the collector has too many open connections; retry later", limits.retry_after_s);
  std::string out = "HTTP/1.1 503 Service Unavailable\r\nContent-Type: application/json\r\n";
  out += "Retry-After: " + std::to_string(limits.retry_after_s) + "\r\n";
  out += "Connection: close\r\nContent-Length: " + std::to_string(a.body.size()) + "\r\n\r\n";
  out += a.body;
  // Non-blocking: a client that does not read its answer does not hold the accept thread.
  (void)::send(sock, out.data(), out.size(), MSG_NOSIGNAL | MSG_DONTWAIT);
  ::shutdown(sock, SHUT_RDWR);
  ::close(sock);
}

// 1 ready, 0 timed out, -1 error.
int wait_for(socket_t sock, short events, std::int64_t timeout_ms) {
  pollfd p{sock, events, 0};
  for (;;) {
    const int r = ::poll(&p, 1, static_cast<int>(std::max<std::int64_t>(timeout_ms, 0)));
    if (r < 0 && errno == EINTR) continue;
    return r > 0 ? 1 : r;
  }
}

// On the accept thread, for every new connection: true to queue it for a pool thread; false when
// it was closed here. Refused: a connection that reached accept() without a byte although the
// listening socket defers silent connections (TCP_DEFER_ACCEPT) for its whole first-byte
// allowance (an idle peer: it is past its deadline already, so it takes no slot and no thread),
// and any connection above max_connections (503 + Retry-After when `answer`).
bool admit(socket_t sock, const connection_limits& limits, connection_counters& counters,
           bool answer) {
  if (limits.defer_accept_ms > 0 && limits.defer_accept_ms >= limits.first_byte_timeout_ms &&
      wait_for(sock, POLLIN, 0) == 0) {
    counters.timed_out.fetch_add(1, std::memory_order_relaxed);
    ::close(sock);
    return false;
  }
  if (counters.open.load(std::memory_order_relaxed) >= limits.max_connections) {
    reject(sock, limits, counters, answer);
    return false;
  }
  return true;
}

std::int64_t ms_until(clock_type::time_point t) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(t - clock_type::now()).count();
}

void ip_and_port(const sockaddr_storage& addr, std::string& ip, int& port) {
  char buf[INET6_ADDRSTRLEN] = {};
  if (addr.ss_family == AF_INET) {
    const auto& a = reinterpret_cast<const sockaddr_in&>(addr);
    ::inet_ntop(AF_INET, &a.sin_addr, buf, sizeof buf);
    port = ntohs(a.sin_port);
  } else if (addr.ss_family == AF_INET6) {
    const auto& a = reinterpret_cast<const sockaddr_in6&>(addr);
    ::inet_ntop(AF_INET6, &a.sin6_addr, buf, sizeof buf);
    port = ntohs(a.sin6_port);
  }
  ip = buf;
}

// The two transports of a guarded connection. recv: >0 bytes, 0 end of stream, -1 error or
// timeout (timed_out set); send: bytes sent or -1; readable: 1 ready, 0 timed out, -1 error.
class plain_io {
 public:
  explicit plain_io(socket_t sock) : sock_(sock) {}
  int readable(std::int64_t timeout_ms) const { return wait_for(sock_, POLLIN, timeout_ms); }
  ssize_t recv(char* buf, std::size_t n, std::int64_t timeout_ms, bool& timed_out) {
    // Data already there (the usual case after wait_request's poll, or a body behind its head):
    // one syscall; else wait for it.
    const auto until = clock_type::now() + std::chrono::milliseconds{timeout_ms};
    for (;;) {
      const ssize_t r = ::recv(sock_, buf, n, MSG_DONTWAIT);
      if (r >= 0) return r;
      if (errno == EINTR) continue;
      if (errno != EAGAIN && errno != EWOULDBLOCK) return -1;
      if (wait_for(sock_, POLLIN, ms_until(until)) <= 0) {
        timed_out = true;
        return -1;
      }
    }
  }
  ssize_t send(const char* ptr, std::size_t n, std::int64_t timeout_ms) {
    // Room in the send buffer (the usual case: answers are small): one syscall; else wait for it
    // up to the write timeout.
    const auto until = clock_type::now() + std::chrono::milliseconds{timeout_ms};
    for (;;) {
      const ssize_t r = ::send(sock_, ptr, n, MSG_NOSIGNAL | MSG_DONTWAIT);
      if (r >= 0) return r;
      if (errno == EINTR) continue;
      if (errno != EAGAIN && errno != EWOULDBLOCK) return -1;
      if (wait_for(sock_, POLLOUT, ms_until(until)) <= 0) return -1;
    }
  }

 private:
  socket_t sock_;
};

// TLS over a non-blocking socket: every SSL call that wants the socket waits for it with poll up
// to a deadline, so a peer dribbling a TLS record (or the handshake) byte by byte is bounded by
// the same deadlines as a plain one.
class tls_io {
 public:
  tls_io(socket_t sock, SSL* ssl) : sock_(sock), ssl_(ssl) {}
  int readable(std::int64_t timeout_ms) const {
    return SSL_pending(ssl_) > 0 ? 1 : wait_for(sock_, POLLIN, timeout_ms);
  }
  /// The server side of the handshake, within timeout_ms.
  bool accept(std::int64_t timeout_ms, bool& timed_out) {
    const auto until = clock_type::now() + std::chrono::milliseconds{timeout_ms};
    for (;;) {
      ERR_clear_error();
      const int r = SSL_accept(ssl_);
      if (r == 1) return true;
      if (!wait_io(SSL_get_error(ssl_, r), until, timed_out)) return false;
    }
  }
  ssize_t recv(char* buf, std::size_t n, std::int64_t timeout_ms, bool& timed_out) {
    const auto until = clock_type::now() + std::chrono::milliseconds{timeout_ms};
    for (;;) {
      ERR_clear_error();
      const int r = SSL_read(ssl_, buf, static_cast<int>(std::min<std::size_t>(n, INT32_MAX)));
      if (r > 0) return r;
      const int err = SSL_get_error(ssl_, r);
      if (err == SSL_ERROR_ZERO_RETURN) return 0;
      if (!wait_io(err, until, timed_out)) return -1;
    }
  }
  ssize_t send(const char* ptr, std::size_t n, std::int64_t timeout_ms) {
    const auto until = clock_type::now() + std::chrono::milliseconds{timeout_ms};
    bool timed_out = false;
    for (;;) {
      ERR_clear_error();
      const int r = SSL_write(ssl_, ptr, static_cast<int>(std::min<std::size_t>(n, INT32_MAX)));
      if (r > 0) return r;
      if (!wait_io(SSL_get_error(ssl_, r), until, timed_out)) return -1;
    }
  }

 private:
  bool wait_io(int ssl_error, clock_type::time_point until, bool& timed_out) {
    short events = 0;
    if (ssl_error == SSL_ERROR_WANT_READ)
      events = POLLIN;
    else if (ssl_error == SSL_ERROR_WANT_WRITE)
      events = POLLOUT;
    else
      return false;
    const int r = wait_for(sock_, events, ms_until(until));
    if (r == 0) timed_out = true;
    return r > 0;
  }

  socket_t sock_;
  SSL* ssl_;
};

// One buffered stream for the whole connection. While a request head is being read, every read
// is bounded by the head's deadline and its size; then the body's deadline applies.
template <class Io>
class guarded_stream final : public httplib::Stream {
 public:
  guarded_stream(socket_t sock, Io& io, const connection_limits& limits,
                 std::int64_t read_timeout_ms, std::int64_t write_timeout_ms)
      : sock_(sock),
        io_(io),
        limits_(limits),
        read_timeout_ms_(read_timeout_ms),
        write_timeout_ms_(write_timeout_ms) {}

  bool timed_out() const noexcept { return timed_out_; }
  /// False while the current request's head has not been read to its end (a malformed request
  /// line, a head over the limit or past its deadline): the connection must not be reused.
  bool head_complete() const noexcept { return !in_head_; }

  /// Waits up to timeout_ms for the first byte of the next request (buffered bytes count), in
  /// slices so that a server stop is seen; then starts the head's clock. The first request's
  /// deadlines count from the accept (accepted_at), later ones from the previous answer.
  /// `first`: the connection's first request (its silence counts as a timeout; a kept-alive
  /// connection going idle is normal).
  bool wait_request(std::int64_t timeout_ms, const std::atomic<socket_t>& server_socket,
                    bool first) {
    if (!flush()) return false;
    const auto now = clock_type::now();
    if (pos_ == len_) {
      // A new connection: from the accept, less what TCP_DEFER_ACCEPT already waited (a short
      // grace for bytes arriving just after the accept).
      const auto until = first ? accepted_at + std::chrono::milliseconds{std::max<std::int64_t>(
                                                   timeout_ms - limits_.defer_accept_ms, 100)}
                               : now + std::chrono::milliseconds{timeout_ms};
      for (;;) {
        if (server_socket == INVALID_SOCKET) return false;
        const std::int64_t left = ms_until(until);
        // Polled also past the deadline: a request that arrived while the connection waited
        // for a thread is served.
        const int r = io_.readable(std::clamp<std::int64_t>(left, 0, 100));
        if (r < 0) return false;
        if (r > 0) break;
        if (left <= 0) {
          timed_out_ = first;
          return false;
        }
      }
    }
    in_head_ = true;
    head_bytes_ = 0;
    crlf_state_ = 0;
    const auto head_time = std::chrono::milliseconds{limits_.head_timeout_ms};
    deadline_ = first ? std::max(accepted_at + head_time, clock_type::now() + queued_head_grace)
                      : clock_type::now() + head_time;
    return pos_ < len_ || fill(read_timeout_ms_);
  }

  bool is_readable() const override {
    // Waiting for the peer: what was written must be on its way first.
    if (!pending_.empty() && !const_cast<guarded_stream*>(this)->flush()) return false;
    return pos_ < len_ || io_.readable(read_timeout_ms_) > 0;
  }
  bool is_writable() const override { return wait_for(sock_, POLLOUT, write_timeout_ms_) > 0; }

  ssize_t read(char* ptr, size_t size) override {
    if (pos_ == len_) {
      if (!flush()) return -1;
      const std::int64_t left = ms_until(deadline_);
      if (left <= 0) {
        timed_out_ = true;
        return -1;
      }
      if (!fill(std::min(read_timeout_ms_, left))) return -1;
    }
    std::size_t n = std::min(size, len_ - pos_);
    if (in_head_) n = consume_head(n);
    if (n == 0) return -1;
    std::memcpy(ptr, buf_ + pos_, n);
    pos_ += n;
    return static_cast<ssize_t>(n);
  }

  // Writes are held back (up to kMaxPending bytes) until the stream reads again or the answer
  // is done (flush): httplib writes an answer's head and body separately, and one send instead
  // of two saves a syscall and a TCP segment a request. A "100 Continue" goes out before the
  // body is read, since read() flushes first.
  ssize_t write(const char* ptr, size_t size) override {
    if (pending_.size() + size > kMaxPending && !flush()) return -1;
    if (size > kMaxPending) return send_all(ptr, size) ? static_cast<ssize_t>(size) : -1;
    pending_.append(ptr, size);
    return static_cast<ssize_t>(size);
  }

  /// Sends what write() held back. False when the connection cannot take it (it must close).
  bool flush() {
    if (pending_.empty()) return true;
    const bool ok = send_all(pending_.data(), pending_.size());
    pending_.clear();
    return ok;
  }

  // httplib asks for both addresses on every request: looked up once per connection.
  void get_remote_ip_and_port(std::string& ip, int& port) const override {
    cached_address(remote_, ::getpeername, ip, port);
  }
  void get_local_ip_and_port(std::string& ip, int& port) const override {
    cached_address(local_, ::getsockname, ip, port);
  }
  socket_t socket() const override { return sock_; }

 private:
  static constexpr std::size_t kMaxPending = 16384;

  struct address {
    bool known = false;
    std::string ip;
    int port = 0;
  };

  // `lookup` (getpeername or getsockname) on the first call only.
  void cached_address(address& a, int (*lookup)(int, sockaddr*, socklen_t*), std::string& ip,
                      int& port) const {
    if (!a.known) {
      sockaddr_storage addr{};
      socklen_t len = sizeof addr;
      if (lookup(sock_, reinterpret_cast<sockaddr*>(&addr), &len) != 0) return;
      ip_and_port(addr, a.ip, a.port);
      a.known = true;
    }
    ip = a.ip;
    port = a.port;
  }

  bool send_all(const char* ptr, std::size_t n) {
    while (n > 0) {
      const ssize_t r = io_.send(ptr, n, write_timeout_ms_);
      if (r <= 0) return false;
      ptr += r;
      n -= static_cast<std::size_t>(r);
    }
    return true;
  }

  // Reads what the socket has into the (empty) buffer, waiting up to timeout_ms.
  bool fill(std::int64_t timeout_ms) {
    const ssize_t r = io_.recv(buf_, sizeof buf_, timeout_ms, timed_out_);
    if (r <= 0) return false;
    pos_ = 0;
    len_ = static_cast<std::size_t>(r);
    return true;
  }

  // Of the n buffered bytes about to be handed out, how many belong to the head (and its limits).
  // At the head's end ("\r\n\r\n") the body's deadline starts.
  std::size_t consume_head(std::size_t n) {
    static constexpr char end[] = "\r\n\r\n";
    std::size_t i = 0;
    for (; i < n; ++i) {
      const char c = buf_[pos_ + i];
      crlf_state_ = c == end[crlf_state_] ? crlf_state_ + 1 : (c == '\r' ? 1 : 0);
      if (crlf_state_ == 4) {
        ++i;
        in_head_ = false;
        deadline_ = clock_type::now() + std::chrono::milliseconds{limits_.body_timeout_ms};
        break;
      }
    }
    head_bytes_ += i;
    if (head_bytes_ > limits_.max_head_bytes) {
      timed_out_ = true;
      return 0;
    }
    return i;
  }

  socket_t sock_;
  Io& io_;
  const connection_limits& limits_;
  std::int64_t read_timeout_ms_;
  std::int64_t write_timeout_ms_;
  char buf_[4096];
  std::size_t pos_ = 0;
  std::size_t len_ = 0;
  bool in_head_ = false;
  bool timed_out_ = false;
  std::size_t head_bytes_ = 0;
  int crlf_state_ = 0;
  clock_type::time_point deadline_ = clock_type::now();
  mutable address remote_, local_;
  std::string pending_;  // written, not yet sent (see write)
};

struct serve_settings {
  std::int64_t read_ms = 0;
  std::int64_t write_ms = 0;
  std::size_t keep_alive_max_count = 0;
  std::int64_t keep_alive_ms = 0;
};

// The connection loop shared by both servers: waits for each request's first byte, then lets
// httplib's process_request (passed in, it is protected) read and answer it on the guarded stream.
template <class Io, class Process>
bool serve_connection(socket_t sock, Io& io, const connection_limits& limits,
                      connection_counters& counters, const serve_settings& s,
                      const std::atomic<socket_t>& server_socket, Process&& process) {
  guarded_stream<Io> strm(sock, io, limits, s.read_ms, s.write_ms);
  bool ret = false;
  std::size_t count = s.keep_alive_max_count;
  std::int64_t wait_ms = limits.first_byte_timeout_ms;
  while (count > 0 && strm.wait_request(wait_ms, server_socket, count == s.keep_alive_max_count)) {
    bool connection_closed = false;
    ret = process(strm, count == 1, connection_closed);
    if (!strm.flush()) ret = false;  // the answer, whatever follows
    // After an error answer to a malformed head, what follows on the connection is not a request.
    if (!ret || connection_closed || !strm.head_complete()) break;
    --count;
    wait_ms = s.keep_alive_ms;
  }
  if (strm.timed_out()) counters.timed_out.fetch_add(1, std::memory_order_relaxed);
  return ret;
}

void close_connection(socket_t sock, connection_counters& counters) {
  ::shutdown(sock, SHUT_RDWR);
  ::close(sock);
  counters.open.fetch_sub(1, std::memory_order_relaxed);
}

}  // namespace

connection_guard::connection_guard(connection_limits limits,
                                   std::shared_ptr<connection_counters> counters)
    : limits_(limits),
      counters_(counters ? std::move(counters) : std::make_shared<connection_counters>()) {}

void connection_guard::configure_listen_socket(socket_t sock) {
  const int defer_s = static_cast<int>((limits_.defer_accept_ms + 999) / 1000);
  if (defer_s <= 0 ||
      ::setsockopt(sock, IPPROTO_TCP, TCP_DEFER_ACCEPT, &defer_s, sizeof defer_s) != 0)
    limits_.defer_accept_ms = 0;
}

httplib::TaskQueue* connection_guard::make_pool() const {
  return new bounded_pool(limits_.threads, *counters_);
}

guarded_server::guarded_server(connection_limits limits,
                               std::shared_ptr<connection_counters> counters)
    : connection_guard(limits, std::move(counters)) {
  new_task_queue = [this] { return make_pool(); };
}

bool guarded_server::process_and_close_socket(socket_t sock) {
  if (admission_state == admission::check) {
    if (admit(sock, limits_, *counters_, true)) admission_state = admission::admitted;
    return true;
  }
  serve_settings s;
  s.read_ms = read_timeout_sec_ * 1000 + read_timeout_usec_ / 1000;
  s.write_ms = write_timeout_sec_ * 1000 + write_timeout_usec_ / 1000;
  s.keep_alive_max_count = keep_alive_max_count_;
  s.keep_alive_ms = static_cast<std::int64_t>(keep_alive_timeout_sec_) * 1000;
  plain_io io{sock};
  const bool ret = serve_connection(sock, io, limits_, *counters_, s, svr_sock_,
                                    [this](httplib::Stream& strm, bool close, bool& closed) {
                                      return process_request(strm, close, closed, nullptr);
                                    });
  close_connection(sock, *counters_);
  return ret;
}

guarded_tls_server::guarded_tls_server(const std::string& cert_file, const std::string& key_file,
                                       connection_limits limits,
                                       std::shared_ptr<connection_counters> counters)
    : httplib::SSLServer(cert_file.c_str(), key_file.c_str()),
      connection_guard(limits, std::move(counters)) {
  new_task_queue = [this] { return make_pool(); };
  if (auto* ctx = ssl_context()) {
    key_matches_ = SSL_CTX_check_private_key(ctx) == 1;
    ERR_clear_error();
    // Old protocol versions off; SSLServer already sets the other options.
    SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
    SSL_CTX_set_mode(ctx, SSL_MODE_ENABLE_PARTIAL_WRITE | SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
  }
}

bool guarded_tls_server::is_valid() const {
  return httplib::SSLServer::is_valid() && key_matches_;
}

bool guarded_tls_server::process_and_close_socket(socket_t sock) {
  if (admission_state == admission::check) {
    // no plain-text 503 on a TLS port
    if (admit(sock, limits_, *counters_, false)) admission_state = admission::admitted;
    return true;
  }
  bool ret = false;
  SSL* ssl = SSL_new(ssl_context());
  const int flags = ::fcntl(sock, F_GETFL, 0);
  if (ssl != nullptr && flags >= 0 && ::fcntl(sock, F_SETFL, flags | O_NONBLOCK) == 0 &&
      SSL_set_fd(ssl, sock) == 1) {
    tls_io io{sock, ssl};
    bool timed_out = false;
    // The handshake is bounded like a request's first byte and head, from the accept.
    const std::int64_t handshake_ms =
        limits_.first_byte_timeout_ms + limits_.head_timeout_ms -
        std::chrono::duration_cast<std::chrono::milliseconds>(clock_type::now() - accepted_at)
            .count();
    if (io.accept(std::max<std::int64_t>(handshake_ms, queued_head_grace.count()), timed_out)) {
      serve_settings s;
      s.read_ms = read_timeout_sec_ * 1000 + read_timeout_usec_ / 1000;
      s.write_ms = write_timeout_sec_ * 1000 + write_timeout_usec_ / 1000;
      s.keep_alive_max_count = keep_alive_max_count_;
      s.keep_alive_ms = static_cast<std::int64_t>(keep_alive_timeout_sec_) * 1000;
      ret = serve_connection(sock, io, limits_, *counters_, s, svr_sock_,
                             [this](httplib::Stream& strm, bool close, bool& closed) {
                               return process_request(strm, close, closed, nullptr);
                             });
      ERR_clear_error();
      (void)SSL_shutdown(ssl);  // one close_notify, not waiting for the peer's
    } else if (timed_out) {
      counters_->timed_out.fetch_add(1, std::memory_order_relaxed);
    }
  }
  if (ssl != nullptr) SSL_free(ssl);
  ERR_clear_error();
  close_connection(sock, *counters_);
  return ret;
}

}  // namespace clickstream
