#include "runtime/guarded_server.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
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

namespace clickstream {

namespace {

using clock_type = std::chrono::steady_clock;

// Set on the accept thread while a connection over max_connections is handed to
// process_and_close_socket: it is answered 503 there instead of being served.
thread_local bool reject_mode = false;

// httplib's ThreadPool behind a count of the connections it holds (queued + served).
class bounded_pool final : public httplib::TaskQueue {
 public:
  bounded_pool(std::size_t threads, std::size_t max_connections,
               std::atomic<std::size_t>& connections)
      : pool_(std::max<std::size_t>(threads, 1)),
        max_(max_connections),
        connections_(connections) {}

  void enqueue(std::function<void()> fn) override {
    if (connections_.load() >= max_) {
      reject_mode = true;
      fn();  // process_and_close_socket answers 503 and closes, without blocking
      reject_mode = false;
      return;
    }
    connections_.fetch_add(1);
    pool_.enqueue([fn = std::move(fn), this] {
      fn();
      connections_.fetch_sub(1);
    });
  }

  void shutdown() override { pool_.shutdown(); }

 private:
  httplib::ThreadPool pool_;
  std::size_t max_;
  std::atomic<std::size_t>& connections_;
};

// 1 ready, 0 timed out, -1 error.
int wait_for(socket_t sock, short events, std::int64_t timeout_ms) {
  pollfd p{sock, events, 0};
  for (;;) {
    const int r = ::poll(&p, 1, static_cast<int>(std::max<std::int64_t>(timeout_ms, 0)));
    if (r < 0 && errno == EINTR) continue;
    return r > 0 ? 1 : r;
  }
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

// One buffered stream for the whole connection. While a request head is being read, every read
// is bounded by the head's deadline and its size; then the body's deadline applies.
class guarded_stream final : public httplib::Stream {
 public:
  guarded_stream(socket_t sock, const connection_limits& limits, std::int64_t read_timeout_ms,
                 std::int64_t write_timeout_ms)
      : sock_(sock),
        limits_(limits),
        read_timeout_ms_(read_timeout_ms),
        write_timeout_ms_(write_timeout_ms) {}

  bool timed_out() const noexcept { return timed_out_; }
  /// False while the current request's head has not been read to its end (a malformed request
  /// line, a head over the limit or past its deadline): the connection must not be reused.
  bool head_complete() const noexcept { return !in_head_; }

  /// Waits up to timeout_ms for the first byte of the next request (buffered bytes count), in
  /// slices so that a server stop is seen; then starts the head's clock.
  bool wait_request(std::int64_t timeout_ms, const std::atomic<socket_t>& server_socket) {
    if (pos_ == len_) {
      const auto until = clock_type::now() + std::chrono::milliseconds{timeout_ms};
      for (;;) {
        if (server_socket == INVALID_SOCKET) return false;
        const std::int64_t left = ms_until(until);
        if (left <= 0) return false;
        const int r = wait_for(sock_, POLLIN, std::min<std::int64_t>(left, 100));
        if (r < 0) return false;
        if (r > 0) break;
      }
    }
    in_head_ = true;
    head_bytes_ = 0;
    crlf_state_ = 0;
    deadline_ = clock_type::now() + std::chrono::milliseconds{limits_.head_timeout_ms};
    return pos_ < len_ || fill(read_timeout_ms_);
  }

  bool is_readable() const override {
    return pos_ < len_ || wait_for(sock_, POLLIN, read_timeout_ms_) > 0;
  }
  bool is_writable() const override { return wait_for(sock_, POLLOUT, write_timeout_ms_) > 0; }

  ssize_t read(char* ptr, size_t size) override {
    if (pos_ == len_) {
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

  ssize_t write(const char* ptr, size_t size) override {
    if (wait_for(sock_, POLLOUT, write_timeout_ms_) <= 0) return -1;
    for (;;) {
      const ssize_t r = ::send(sock_, ptr, size, MSG_NOSIGNAL);
      if (r < 0 && errno == EINTR) continue;
      return r;
    }
  }

  void get_remote_ip_and_port(std::string& ip, int& port) const override {
    sockaddr_storage addr{};
    socklen_t len = sizeof addr;
    if (::getpeername(sock_, reinterpret_cast<sockaddr*>(&addr), &len) == 0)
      ip_and_port(addr, ip, port);
  }
  void get_local_ip_and_port(std::string& ip, int& port) const override {
    sockaddr_storage addr{};
    socklen_t len = sizeof addr;
    if (::getsockname(sock_, reinterpret_cast<sockaddr*>(&addr), &len) == 0)
      ip_and_port(addr, ip, port);
  }
  socket_t socket() const override { return sock_; }

 private:
  // Reads what the socket has into the (empty) buffer, waiting up to timeout_ms.
  bool fill(std::int64_t timeout_ms) {
    if (wait_for(sock_, POLLIN, timeout_ms) <= 0) {
      timed_out_ = true;
      return false;
    }
    for (;;) {
      const ssize_t r = ::recv(sock_, buf_, sizeof buf_, 0);
      if (r < 0 && errno == EINTR) continue;
      if (r <= 0) return false;
      pos_ = 0;
      len_ = static_cast<std::size_t>(r);
      return true;
    }
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
};

}  // namespace

guarded_server::guarded_server(connection_limits limits) : limits_(limits) {
  new_task_queue = [this] {
    return new bounded_pool(limits_.threads, limits_.max_connections, connections_);
  };
}

void guarded_server::reject(socket_t sock) {
  rejected_.fetch_add(1);
  const auto a =
      json_error(503, "too_many_connections",
                 "the collector has too many open connections; retry later", limits_.retry_after_s);
  std::string out = "HTTP/1.1 503 Service Unavailable\r\nContent-Type: application/json\r\n";
  out += "Retry-After: " + std::to_string(limits_.retry_after_s) + "\r\n";
  out += "Connection: close\r\nContent-Length: " + std::to_string(a.body.size()) + "\r\n\r\n";
  out += a.body;
  // Non-blocking: a client that does not read its answer does not hold the accept thread.
  (void)::send(sock, out.data(), out.size(), MSG_NOSIGNAL | MSG_DONTWAIT);
  ::shutdown(sock, SHUT_RDWR);
  ::close(sock);
}

bool guarded_server::process_and_close_socket(socket_t sock) {
  if (reject_mode) {
    reject(sock);
    return true;
  }
  const std::int64_t read_ms = read_timeout_sec_ * 1000 + read_timeout_usec_ / 1000;
  const std::int64_t write_ms = write_timeout_sec_ * 1000 + write_timeout_usec_ / 1000;
  guarded_stream strm(sock, limits_, read_ms, write_ms);
  bool ret = false;
  std::size_t count = keep_alive_max_count_;
  std::int64_t wait_ms = limits_.first_byte_timeout_ms;
  while (count > 0 && strm.wait_request(wait_ms, svr_sock_)) {
    bool connection_closed = false;
    ret = process_request(strm, count == 1, connection_closed, nullptr);
    // After an error answer to a malformed head, what follows on the connection is not a request.
    if (!ret || connection_closed || !strm.head_complete()) break;
    --count;
    wait_ms = static_cast<std::int64_t>(keep_alive_timeout_sec_) * 1000;
  }
  if (strm.timed_out()) timed_out_.fetch_add(1);
  ::shutdown(sock, SHUT_RDWR);
  ::close(sock);
  return ret;
}

}  // namespace clickstream
