// runtime/guarded_server: slow, idle and abusive connections cannot hold the pool threads.
#include <catch2/catch.hpp>

#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "runtime/guarded_server.hpp"
#include "runtime/thread_name.hpp"

using namespace clickstream;
using namespace std::chrono_literals;

namespace {

struct running_server {
  /// `defer_accept`: the listening socket defers silent connections (TCP_DEFER_ACCEPT), as the
  /// receiver's does.
  explicit running_server(connection_limits limits, bool defer_accept = false) : server(limits) {
    if (defer_accept)
      server.set_socket_options([this](socket_t sock) { server.configure_listen_socket(sock); });
    server.Get("/ping", [](const httplib::Request&, httplib::Response& res) {
      res.set_content(R"({"status":"OK"})", "application/json");
    });
    server.Get("/thread", [](const httplib::Request&, httplib::Response& res) {
      res.set_content(thread_name(), "text/plain");
    });
    server.set_read_timeout(std::chrono::milliseconds{500});
    server.set_keep_alive_timeout(1);
    port = server.bind_to_any_port("127.0.0.1");
    REQUIRE(port > 0);
    thread = std::thread([this] { server.listen_after_bind(); });
    while (!server.is_running()) std::this_thread::sleep_for(std::chrono::milliseconds{5});
  }
  ~running_server() {
    server.stop();
    thread.join();
  }
  guarded_server server;
  int port = 0;
  std::thread thread;
};

int connect_to(int port) {
  const int s = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(static_cast<std::uint16_t>(port));
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  REQUIRE(::connect(s, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0);
  return s;
}

void send_all(int s, const std::string& data) {
  std::size_t off = 0;
  while (off < data.size()) {
    const auto r = ::send(s, data.data() + off, data.size() - off, MSG_NOSIGNAL);
    if (r <= 0) return;
    off += static_cast<std::size_t>(r);
  }
}

// Everything the server sends until it closes (or 5 s pass).
std::string read_all(int s) {
  timeval tv{5, 0};
  ::setsockopt(s, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  std::string out;
  char buf[4096];
  for (;;) {
    const auto r = ::recv(s, buf, sizeof buf, 0);
    if (r <= 0) break;
    out.append(buf, static_cast<std::size_t>(r));
  }
  return out;
}

// A GET /ping from a normal client; true if answered 200 within `deadline`.
bool ping(int port, std::chrono::seconds deadline) {
  httplib::Client c("127.0.0.1", port);
  c.set_connection_timeout(deadline);
  c.set_read_timeout(deadline);
  auto r = c.Get("/ping");
  return r && r->status == 200;
}

}  // namespace

TEST_CASE("guarded_server: slowloris and idle connections do not starve a normal client",
          "[guarded_server]") {
  connection_limits limits;
  limits.threads = 2;
  limits.max_connections = 64;
  limits.first_byte_timeout_ms = 300;
  limits.head_timeout_ms = 800;
  running_server srv{limits};

  std::vector<int> idle, slow;
  for (int i = 0; i < 16; ++i) idle.push_back(connect_to(srv.port));
  for (int i = 0; i < 4; ++i) {
    slow.push_back(connect_to(srv.port));
    send_all(slow.back(), "GET /ping HTTP/1.1\r\nHost: x\r\n");
  }
  std::atomic<bool> stop{false};
  std::thread dribble([&] {  // one header byte every 200 ms on each slow connection
    while (!stop) {
      for (int s : slow) send_all(s, "a");
      std::this_thread::sleep_for(200ms);
    }
  });
  const auto t0 = std::chrono::steady_clock::now();
  CHECK(ping(srv.port, 10s));
  CHECK(ping(srv.port, 10s));
  const auto took = std::chrono::steady_clock::now() - t0;
  stop = true;
  dribble.join();
  CHECK(took < 10s);
  CHECK(srv.server.timed_out_connections() >= 1);
  // the slow ones were answered 400 (head deadline) and closed
  CHECK(read_all(slow[0]).rfind("HTTP/1.1 400", 0) == 0);
  for (int s : idle) ::close(s);
  for (int s : slow) ::close(s);
}

TEST_CASE("guarded_server: idle connections deferred past their first-byte deadline take no slot",
          "[guarded_server]") {
  connection_limits limits;
  limits.threads = 1;
  limits.max_connections = 3;
  limits.first_byte_timeout_ms = 1000;
  limits.defer_accept_ms = 1000;
  running_server srv{limits, true};
  REQUIRE(srv.server.limits().defer_accept_ms == 1000);  // TCP_DEFER_ACCEPT was set
  std::vector<int> idle;
  for (int i = 0; i < 12; ++i) idle.push_back(connect_to(srv.port));
  // The kernel hands them to accept() once the defer period is over; each is closed there.
  for (int i = 0; i < 100 && srv.server.timed_out_connections() < 12; ++i)
    std::this_thread::sleep_for(100ms);
  CHECK(srv.server.timed_out_connections() == 12);
  CHECK(srv.server.connections() == 0);
  CHECK(ping(srv.port, 5s));  // 12 idle peers, 3 slots: a normal client is still served
  CHECK(srv.server.rejected_connections() == 0);
  for (int s : idle) CHECK(read_all(s).empty());  // closed without an answer
  for (int s : idle) ::close(s);
}

TEST_CASE("guarded_server: over max_connections, 503 + Retry-After at once", "[guarded_server]") {
  connection_limits limits;
  limits.threads = 1;
  limits.max_connections = 3;
  limits.first_byte_timeout_ms = 3000;
  running_server srv{limits};
  std::vector<int> held;
  for (int i = 0; i < 3; ++i) held.push_back(connect_to(srv.port));
  std::this_thread::sleep_for(200ms);  // accepted and counted
  const int extra = connect_to(srv.port);
  const auto answer = read_all(extra);
  CHECK(answer.rfind("HTTP/1.1 503", 0) == 0);
  CHECK(answer.find("Retry-After: 1") != std::string::npos);
  CHECK(srv.server.rejected_connections() == 1);
  ::close(extra);
  for (int s : held) ::close(s);
}

TEST_CASE("guarded_server: a request head over max_head_bytes is refused", "[guarded_server]") {
  connection_limits limits;
  limits.threads = 2;
  limits.max_head_bytes = 16 * 1024;
  running_server srv{limits};
  const int s = connect_to(srv.port);
  std::string head = "GET /ping HTTP/1.1\r\nHost: x\r\n";
  for (int i = 0; i < 5000; ++i) head += "X-Many: 0123456789abcdef\r\n";
  head += "\r\n";
  std::thread writer([&] { send_all(s, head); });
  const auto answer = read_all(s);
  writer.join();
  CHECK(answer.rfind("HTTP/1.1 400", 0) == 0);
  ::close(s);
  CHECK(ping(srv.port, 10s));
}

TEST_CASE("guarded_server: pipelined requests are all answered", "[guarded_server]") {
  running_server srv{connection_limits{}};
  const int s = connect_to(srv.port);
  send_all(s,
           "GET /ping HTTP/1.1\r\nHost: x\r\n\r\nGET /ping HTTP/1.1\r\nHost: x\r\n"
           "Connection: close\r\n\r\n");
  const auto answer = read_all(s);
  std::size_t count = 0;
  for (auto at = answer.find("HTTP/1.1 200"); at != std::string::npos;
       at = answer.find("HTTP/1.1 200", at + 1))
    ++count;
  CHECK(count == 2);
  ::close(s);
}

TEST_CASE("guarded_server: connections are served on threads named cs-http", "[guarded_server]") {
  running_server srv{connection_limits{}};
  const int s = connect_to(srv.port);
  send_all(s, "GET /thread HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
  const auto answer = read_all(s);
  CHECK(answer.rfind("HTTP/1.1 200", 0) == 0);
  CHECK(answer.substr(answer.size() - std::string{http_thread_name}.size()) == http_thread_name);
  ::close(s);
}

TEST_CASE("guarded_server: after a malformed request line, one 400 and the connection closes",
          "[guarded_server]") {
  running_server srv{connection_limits{}};
  const int s = connect_to(srv.port);
  send_all(s, "BREW /ping HTTP/1.1\r\nHost: x\r\nX-A: b\r\n\r\n");
  const auto answer = read_all(s);
  CHECK(answer.rfind("HTTP/1.1 400", 0) == 0);
  CHECK(answer.find("HTTP/1.1", 1) == std::string::npos);
  ::close(s);
}
