// HTTP receiver: the cpp-httplib server (POST /collect, GET /ping, /health/live, /health/ready).
// Its worker threads do the cheap checks before reading the body (content type, length,
// readiness, batches-in-flight slot), move the body into a batch, send it to a validator and wait
// for the batch's completion with a deadline. The answer comes from runtime/http_status.
#pragma once

#include <httplib.h>

#include <memory>
#include <thread>

#include "actors/actors.hpp"
#include "actors/context.hpp"
#include "runtime/guarded_server.hpp"

namespace clickstream {

struct receiver_state {
  static inline const char* name = "receiver";
  context_ptr ctx;
  std::unique_ptr<httplib::Server> server;
  std::thread listen_thread;
  caf::typed_response_promise<bool> stopped;
  bool stopping = false;
  ~receiver_state();
};

/// Binds http.bind:http.port at once; on failure logs which port is taken, calls
/// ctx->request_stop(2, ...) and quits.
receiver_actor::behavior_type receiver(receiver_actor::stateful_pointer<receiver_state> self,
                                       context_ptr ctx);

/// The connection guards of runtime/guarded_server from the http.* config.
connection_limits http_connection_limits(const http_config& hc);

/// The collector's server: a guarded_server (HTTPS when http.tls-cert-file is set) counting into
/// `counters`.
std::unique_ptr<httplib::Server> make_http_server(const http_config& hc,
                                                  std::shared_ptr<connection_counters> counters);

/// Installs every route and setting on `server` (exposed for tests).
void install_routes(httplib::Server& server, const context_ptr& ctx);

}  // namespace clickstream
