#include "actors/receiver.hpp"

#include <netinet/in.h>
#include <sys/socket.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>

#include "runtime/collect_batch.hpp"
#include "runtime/cors.hpp"
#include "runtime/guarded_server.hpp"
#include "runtime/http_status.hpp"
#include "runtime/listen_backlog.hpp"
#include "runtime/log.hpp"
#include "runtime/records.hpp"
#include "runtime/schema_validator.hpp"
#include "runtime/thread_name.hpp"

namespace clickstream {

namespace {

constexpr const char* component = "receiver";
using clock_type = std::chrono::steady_clock;

thread_local clock_type::time_point request_start;

http_route route_of(const std::string& path) {
  if (path == "/collect") return http_route::collect;
  if (path == "/ping") return http_route::ping;
  if (path == "/health/live") return http_route::health_live;
  if (path == "/health/ready") return http_route::health_ready;
  return http_route::other;
}

void write_answer(httplib::Response& res, const http_answer& a) {
  res.status = a.status;
  if (a.retry_after_s > 0) res.set_header("Retry-After", std::to_string(a.retry_after_s));
  if (!a.close_connection) {
    res.set_content(a.body, "application/json");
    return;
  }
  // The request body was not (completely) read: the connection cannot carry another request.
  // The provider writes the whole answer, then returns false so that httplib closes it.
  res.set_header("Connection", "close");
  auto body = std::make_shared<std::string>(a.body);
  res.set_content_provider(body->size(), "application/json",
                           [body](std::size_t offset, std::size_t length, httplib::DataSink& sink) {
                             sink.write(body->data() + offset, length);
                             return false;
                           });
}

std::optional<std::size_t> content_length(const httplib::Request& req) {
  if (!req.has_header("Content-Length")) return std::nullopt;
  const auto& v = req.get_header_value("Content-Length");
  char* end = nullptr;
  auto n = std::strtoull(v.c_str(), &end, 10);
  if (end == v.c_str() || *end != '\0') return std::nullopt;
  return static_cast<std::size_t>(n);
}

/// Reads and drops the body (no buffering; httplib itself skips a body over its payload limit),
/// so that the keep-alive connection stays usable after an early answer.
void drain(const httplib::ContentReader& reader) {
  reader([](const char*, std::size_t) { return true; });
}

void handle_collect(const context_ptr& ctx, const httplib::Request& req, httplib::Response& res,
                    const httplib::ContentReader& reader) {
  const auto& hc = ctx->cfg.http;
  auto slot =
      in_flight_slot::try_acquire(ctx->batches_in_flight, ctx->cfg.limits.batches_in_flight);
  precheck_input in;
  const std::string content_type = req.get_header_value("Content-Type");
  in.content_type = content_type;
  in.content_length = content_length(req);
  in.max_body_bytes = hc.max_body_bytes;
  in.schema_loaded = ctx->schema() != nullptr;
  in.kafka_reachable = ctx->kafka_reachable();
  in.slot_acquired = slot.has_value();
  in.retry_after_s = hc.retry_after_s;
  if (auto early = precheck_collect(in)) {
    slot.reset();
    drain(reader);
    early->close_connection = false;  // drained: the connection stays usable
    write_answer(res, *early);
    return;
  }
  std::string body;
  if (in.content_length) body.reserve(*in.content_length);
  bool too_large = false;
  bool read_ok = reader([&](const char* data, std::size_t n) {
    if (body.size() + n > hc.max_body_bytes) {
      too_large = true;
      return false;
    }
    body.append(data, n);
    return true;
  });
  if (too_large) {
    auto a = json_error(413, "too_large",
                        "body exceeds the limit of " + std::to_string(hc.max_body_bytes) +
                            " bytes (http.max-body-bytes)");
    a.close_connection = true;
    write_answer(res, a);
    return;
  }
  if (!read_ok) {
    auto a = json_error(400, "incomplete_body", "the request body could not be read completely");
    a.close_connection = true;
    write_answer(res, a);
    return;
  }
  auto completion = std::make_shared<batch_completion>();
  auto correlation_id = new_correlation_id();
  auto batch = std::make_shared<collect_batch>(std::move(body), correlation_id,
                                               format_rfc3339_utc(std::chrono::system_clock::now()),
                                               completion, std::move(slot), &ctx->metrics);
  auto validator = ctx->validators.next();
  if (!validator) {
    write_answer(res, json_error(503, "not_ready", "no validator running", hc.retry_after_s));
    return;
  }
  ctx->validator_queue.fetch_add(1, std::memory_order_relaxed);
  caf::anon_send(validator, collect_atom::value, std::move(batch));
  auto outcome =
      completion->wait_until(request_start + std::chrono::milliseconds{hc.request_timeout_ms});
  collect_result r;
  r.correlation_id = correlation_id;
  auto summary = completion->summary();
  r.accepted = summary.accepted;
  r.rejected = summary.rejected;
  r.request_error = summary.request_error;
  r.request_error_message = summary.request_error_message;
  if (outcome) {
    r.status = outcome->status;
    r.detail = outcome->detail;
  } else {
    r.status = delivery_status::timeout;
    r.detail = "no acknowledgement within http.request-timeout-ms";
  }
  auto answer = collect_answer(r, hc.retry_after_s);
  if (answer.status >= 500 && r.status != delivery_status::not_ready)
    log_warning(component, "request " + correlation_id + " answered " +
                               std::to_string(answer.status) + ": " +
                               std::string{to_string(r.status)} +
                               (r.detail.empty() ? "" : " (" + r.detail + ")"));
  write_answer(res, answer);
}

void method_not_allowed(httplib::Response& res, const char* allow) {
  res.set_header("Allow", allow);
  write_answer(res, json_error(405, "method_not_allowed",
                               std::string{"this path accepts "} + allow + " only"));
}

bool is_get_path(const std::string& path) {
  return path == "/ping" || path == "/health/live" || path == "/health/ready";
}

void other_method(const httplib::Request& req, httplib::Response& res,
                  const httplib::ContentReader& reader) {
  drain(reader);
  if (req.path == "/collect")
    method_not_allowed(res, "POST");
  else if (is_get_path(req.path))
    method_not_allowed(res, "GET");
  else
    write_answer(res, json_error(404, "not_found", "no such path: " + req.path.substr(0, 200)));
}

/// TCP_DEFER_ACCEPT of the collector's listening socket (seconds).
constexpr std::int64_t defer_accept_s = 2;

/// OPTIONS /collect (CORS preflight) and the CORS headers of every /collect answer.
void install_cors(httplib::Server& server, const context_ptr& ctx) {
  auto cors = std::make_shared<const cors_policy>(ctx->cfg.http.cors_allowed_origins,
                                                  ctx->cfg.http.cors_max_age_s);
  server.Options("/collect", [cors](const httplib::Request& req, httplib::Response& res) {
    auto a = cors->preflight(req.get_header_value("Origin"),
                             req.get_header_value("Access-Control-Request-Method"));
    for (auto& [name, value] : a.headers) res.set_header(name, value);
    res.status = a.status;
    if (!a.body.empty()) res.set_content(a.body, "application/json");
  });
  if (!cors->enabled()) return;  // no per-request work when CORS is off
  // Runs for every answer just before it is written, errors included.
  server.set_post_routing_handler([cors](const httplib::Request& req, httplib::Response& res) {
    if (req.path != "/collect" || req.method == "OPTIONS") return;
    for (auto& [name, value] : cors->answer_headers(req.get_header_value("Origin")))
      res.set_header(name, value);
  });
}

}  // namespace

void install_routes(httplib::Server& server, const context_ptr& ctx) {
  const auto& hc = ctx->cfg.http;
  auto threads = hc.threads;
  // The guarded servers have their own bounded pool.
  if (dynamic_cast<guarded_server*>(&server) == nullptr &&
      dynamic_cast<guarded_tls_server*>(&server) == nullptr)
    server.new_task_queue = [threads] { return new httplib::ThreadPool(threads); };
  server.set_tcp_nodelay(true);
  server.set_keep_alive_max_count(hc.keep_alive_max_count);
  server.set_keep_alive_timeout(static_cast<time_t>(hc.keep_alive_timeout_s));
  server.set_read_timeout(std::chrono::milliseconds{hc.read_timeout_ms});
  server.set_write_timeout(std::chrono::milliseconds{hc.write_timeout_ms});
  server.set_payload_max_length(hc.max_body_bytes);
  // SO_REUSEADDR only (httplib's default adds SO_REUSEPORT, which would let a second instance
  // silently share the port).
  auto* guard = dynamic_cast<connection_guard*>(&server);
  server.set_socket_options([guard](socket_t sock) {
    int yes = 1;
    setsockopt(sock, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof yes);
    // A connection that sends nothing is not handed to accept() for 2 s (Linux TCP_DEFER_ACCEPT),
    // then closed at the accept: idle connections cost no slot, no pool thread, no wait.
    if (guard != nullptr) guard->configure_listen_socket(sock);
  });
  server.set_pre_routing_handler([](const httplib::Request&, httplib::Response&) {
    request_start = clock_type::now();
    return httplib::Server::HandlerResponse::Unhandled;
  });
  server.set_logger([ctx](const httplib::Request& req, const httplib::Response& res) {
    auto seconds = std::chrono::duration<double>(clock_type::now() - request_start).count();
    ctx->metrics.http_request(route_of(req.path), res.status, seconds);
  });
  server.set_expect_100_continue_handler(
      [ctx](const httplib::Request& req, httplib::Response& res) {
        // A client that asks first gets its 413/415 before it sends the body.
        if (req.path == "/collect" && req.method == "POST") {
          precheck_input in;
          const std::string content_type = req.get_header_value("Content-Type");
          in.content_type = content_type;
          in.content_length = content_length(req);
          in.max_body_bytes = ctx->cfg.http.max_body_bytes;
          if (auto early = precheck_collect(in)) {
            early->close_connection = false;
            write_answer(res, *early);
            return early->status;
          }
        }
        return 100;
      });
  server.set_error_handler([](const httplib::Request& req, httplib::Response& res) {
    if (!res.body.empty() || res.content_length_ > 0) return;  // our own answer
    const char* code = "error";
    std::string message = "request failed";
    switch (res.status) {
      case 400:
        code = "bad_request";
        message = "malformed HTTP request";
        break;
      case 404:
        code = "not_found";
        message = "no such path: " + req.path.substr(0, 200);
        break;
      case 413:
        code = "too_large";
        message = "body exceeds the size limit (http.max-body-bytes)";
        break;
      case 414:
        code = "uri_too_long";
        message = "request URI too long";
        break;
      default:
        break;
    }
    auto a = json_error(res.status, code, message);
    res.set_content(a.body, "application/json");
  });
  server.set_exception_handler(
      [](const httplib::Request&, httplib::Response& res, std::exception_ptr ep) {
        std::string what = "unknown";
        try {
          if (ep) std::rethrow_exception(ep);
        } catch (const std::exception& e) {
          what = e.what();
        } catch (...) {
        }
        log_error(component, "exception in HTTP handler: " + what);
        write_answer(res, json_error(500, "internal_error", what));
      });

  server.Post("/collect", [ctx](const httplib::Request& req, httplib::Response& res,
                                const httplib::ContentReader& reader) {
    handle_collect(ctx, req, res, reader);
  });
  server.Get("/ping", [](const httplib::Request&, httplib::Response& res) {
    res.set_content(R"({"status":"OK"})", "application/json");
  });
  server.Get("/health/live", [](const httplib::Request&, httplib::Response& res) {
    res.set_content(R"({"status":"live"})", "application/json");
  });
  server.Get("/health/ready", [ctx](const httplib::Request&, httplib::Response& res) {
    auto schema = ctx->schema();
    bool kafka_ok = ctx->kafka_reachable();
    std::string body = R"({"status":)";
    body += schema && kafka_ok ? R"("ready")" : R"("not_ready")";
    body += R"(,"schema":)";
    if (schema) {
      body += "{\"subject\":";
      append_json_string(body, schema->subject());
      body += ",\"version\":" + std::to_string(schema->version()) +
              ",\"id\":" + std::to_string(schema->id()) + "}";
    } else {
      body += "null";
    }
    body += R"(,"kafka":)";
    append_json_string(body, kafka_ok ? std::string{"reachable"}
                                      : (ctx->kafka ? ctx->kafka->unreachable_reason()
                                                    : std::string{"no producer"}));
    body += '}';
    res.status = schema && kafka_ok ? 200 : 503;
    res.set_content(body, "application/json");
  });
  server.Get("/collect", [](const httplib::Request&, httplib::Response& res) {
    method_not_allowed(res, "POST");
  });
  server.Get(".*", [](const httplib::Request& req, httplib::Response& res) {
    write_answer(res, json_error(404, "not_found", "no such path: " + req.path.substr(0, 200)));
  });
  install_cors(server, ctx);
  server.Post(".*", other_method);
  server.Put(".*", other_method);
  server.Patch(".*", other_method);
  server.Delete(".*", other_method);
}

connection_limits http_connection_limits(const http_config& hc) {
  connection_limits limits;
  limits.threads = hc.threads;
  limits.max_connections = hc.effective_max_connections();
  limits.first_byte_timeout_ms = hc.first_byte_timeout_ms;
  limits.head_timeout_ms = hc.head_timeout_ms;
  limits.max_head_bytes = hc.max_head_bytes;
  limits.body_timeout_ms = hc.body_timeout_ms;
  limits.retry_after_s = hc.retry_after_s;
  limits.defer_accept_ms = std::min(defer_accept_s * 1000, hc.first_byte_timeout_ms);
  return limits;
}

std::unique_ptr<httplib::Server> make_http_server(const http_config& hc,
                                                  std::shared_ptr<connection_counters> counters) {
  if (!hc.tls_cert_file.empty())
    return std::make_unique<guarded_tls_server>(hc.tls_cert_file, hc.tls_key_file,
                                                http_connection_limits(hc), std::move(counters));
  return std::make_unique<guarded_server>(http_connection_limits(hc), std::move(counters));
}

receiver_state::~receiver_state() {
  if (server) server->stop();
  if (listen_thread.joinable()) listen_thread.join();
}

receiver_actor::behavior_type receiver(receiver_actor::stateful_pointer<receiver_state> self,
                                       context_ptr ctx) {
  auto& st = self->state;
  st.ctx = ctx;
  st.server = make_http_server(ctx->cfg.http, ctx->metrics.http_connections);
  install_routes(*st.server, ctx);
  const auto& hc = ctx->cfg.http;
  if (!st.server->is_valid()) {
    auto msg = "cannot serve HTTPS: http.tls-cert-file " + hc.tls_cert_file +
               " and http.tls-key-file " + hc.tls_key_file +
               " must be readable PEM files of a certificate and its private key";
    log_error(component, msg);
    ctx->request_stop(2, msg);
    self->quit(caf::make_error(caf::sec::runtime_error, msg));
    return {[](stop_atom) { return true; }, [](drained_atom) {}};
  }
  if (!st.server->bind_to_port(hc.bind.c_str(), hc.port)) {
    auto msg = "cannot listen on " + hc.bind + ":" + std::to_string(hc.port) +
               ": the port is taken or the address is not local (set http.port / http.bind)";
    log_error(component, msg);
    ctx->request_stop(2, msg);
    self->quit(caf::make_error(caf::sec::runtime_error, msg));
    return {[](stop_atom) { return true; }, [](drained_atom) {}};
  }
  if (hc.port != 0 && !raise_listen_backlog(hc.port))
    log_warning(component,
                "could not raise the listen backlog (httplib's is 5: bursts of new "
                "connections may wait 1-3 s for a SYN retry)");
  log_info(
      component,
      std::string{hc.tls_cert_file.empty() ? "listening on http://" : "listening on https://"} +
          hc.bind + ":" + std::to_string(hc.port) + " with " + std::to_string(hc.threads) +
          " threads, at most " + std::to_string(hc.effective_max_connections()) + " connections");
  receiver_actor handle = caf::actor_cast<receiver_actor>(self);
  st.listen_thread = std::thread{[server = st.server.get(), handle] {
    set_thread_name("cs-http-accept");
    server->listen_after_bind();
    caf::anon_send(handle, drained_atom::value);
  }};
  return {
      [self](stop_atom) -> caf::typed_response_promise<bool> {
        auto& st = self->state;
        st.stopped = self->make_response_promise<bool>();
        if (!st.stopping) {
          st.stopping = true;
          log_info(component, "stop accepting; waiting for in-flight requests");
          st.server->stop();
        }
        return st.stopped;
      },
      [self](drained_atom) {
        auto& st = self->state;
        if (st.listen_thread.joinable()) st.listen_thread.join();
        log_info(component, "HTTP server stopped");
        if (st.stopped.pending()) st.stopped.deliver(true);
      },
  };
}

}  // namespace clickstream
