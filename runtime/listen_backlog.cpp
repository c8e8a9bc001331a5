#include "runtime/listen_backlog.hpp"

#include <arpa/inet.h>
#include <dirent.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <cstdlib>

namespace clickstream {

namespace {

bool is_listener_on(int fd, std::uint16_t port) {
  int listening = 0;
  socklen_t len = sizeof listening;
  if (getsockopt(fd, SOL_SOCKET, SO_ACCEPTCONN, &listening, &len) != 0 || listening == 0)
    return false;
  sockaddr_storage addr{};
  socklen_t alen = sizeof addr;
  if (getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &alen) != 0) return false;
  if (addr.ss_family == AF_INET)
    return ntohs(reinterpret_cast<const sockaddr_in*>(&addr)->sin_port) == port;
  if (addr.ss_family == AF_INET6)
    return ntohs(reinterpret_cast<const sockaddr_in6*>(&addr)->sin6_port) == port;
  return false;
}

}  // namespace

bool raise_listen_backlog(std::uint16_t port, int backlog) {
  DIR* dir = opendir("/proc/self/fd");
  if (dir == nullptr) return false;
  bool raised = false;
  while (const dirent* e = readdir(dir)) {
    char* end = nullptr;
    long fd = std::strtol(e->d_name, &end, 10);
    if (end == e->d_name || *end != '\0' || fd == dirfd(dir)) continue;
    if (is_listener_on(static_cast<int>(fd), port) && ::listen(static_cast<int>(fd), backlog) == 0)
      raised = true;
  }
  closedir(dir);
  return raised;
}

}  // namespace clickstream
