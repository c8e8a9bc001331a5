// runtime/listen_backlog: the listening socket of a port is found and listened on again.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <catch2/catch.hpp>

#include "runtime/listen_backlog.hpp"

using namespace clickstream;

TEST_CASE("raise_listen_backlog finds this process's listener by port", "[listen_backlog]") {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  REQUIRE(fd >= 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;
  REQUIRE(::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0);
  socklen_t len = sizeof addr;
  REQUIRE(::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) == 0);
  const auto port = ntohs(addr.sin_port);

  // Bound but not listening yet: not a listener.
  CHECK_FALSE(raise_listen_backlog(port, 64));
  REQUIRE(::listen(fd, 5) == 0);
  CHECK(raise_listen_backlog(port, 64));
  // Still listening and accepting after the second listen().
  int client = ::socket(AF_INET, SOCK_STREAM, 0);
  REQUIRE(::connect(client, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0);
  int accepted = ::accept(fd, nullptr, nullptr);
  CHECK(accepted >= 0);
  ::close(accepted);
  ::close(client);
  ::close(fd);
  CHECK_FALSE(raise_listen_backlog(port, 64));
}
