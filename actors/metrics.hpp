// The service's Prometheus metrics (prometheus-cpp), served by its own exposer on metrics.port.
// Not an actor: counters are lock-free and updated directly from the threads that see the events.
#pragma once

#include <prometheus/counter.h>
#include <prometheus/exposer.h>
#include <prometheus/family.h>
#include <prometheus/gauge.h>
#include <prometheus/histogram.h>
#include <prometheus/registry.h>

#include <array>
#include <atomic>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>

#include "runtime/collect_batch.hpp"
#include "runtime/connection_counters.hpp"
#include "runtime/kafka_stats.hpp"

namespace clickstream {

/// Route label values of clickstream_http_requests_total.
enum class http_route : std::uint8_t { collect, ping, health_live, health_ready, other };
std::string_view to_string(http_route r);

class service_metrics final : public batch_observer {
  // Declared first: initialized before the series below that are registered in it.
  std::shared_ptr<prometheus::Registry> registry_;
  prometheus::Family<prometheus::Gauge>& queue_depth_;

 public:
  service_metrics();
  ~service_metrics() override;

  /// Starts the exposer on bind:port (throws std::runtime_error with a clear message).
  void serve(const std::string& bind, std::uint16_t port);
  /// Values read at scrape time (in-flight batches, queue depths, schema, kafka).
  void set_scrape_hook(std::function<void(service_metrics&)> hook);

  void http_request(http_route route, int code, double seconds);
  void events_received(std::size_t n) { events_received_.Increment(static_cast<double>(n)); }
  void events_valid(std::size_t n) { events_valid_.Increment(static_cast<double>(n)); }
  void events_invalid(std::string_view keyword, std::size_t n);

  // batch_observer
  void on_delivery_error(std::string_view topic, rd_kafka_resp_err_t err) override;
  void on_batch_delivered(std::chrono::steady_clock::duration d, bool ok) override;

  /// clickstream_kafka_producer_latency_seconds{stage,quantile} from librdkafka's statistics of
  /// the last interval (NaN for a stage without observations in it).
  void kafka_latency(const kafka_client_stats& s);

  prometheus::Gauge& batches_in_flight;
  prometheus::Gauge& validator_queue;
  prometheus::Gauge& producer_queue;
  prometheus::Gauge& kafka_queue;
  prometheus::Gauge& schema_version;
  prometheus::Gauge& schema_id;
  prometheus::Gauge& schema_loaded;
  prometheus::Gauge& kafka_reachable;
  prometheus::Counter& worker_restarts;
  /// Counted by the receiver's guarded server; exported at scrape time as
  /// clickstream_http_connections (gauge), clickstream_http_connections_rejected_total and
  /// clickstream_http_connections_timed_out_total.
  const std::shared_ptr<connection_counters> http_connections =
      std::make_shared<connection_counters>();

  std::shared_ptr<prometheus::Registry> registry() const { return registry_; }
  /// Text exposition of everything (for tests and debugging).
  std::string render() const;

 private:
  class collectable;
  prometheus::Family<prometheus::Counter>& http_requests_;
  prometheus::Family<prometheus::Histogram>& http_duration_;
  prometheus::Counter& events_received_;
  prometheus::Counter& events_valid_;
  prometheus::Family<prometheus::Counter>& events_invalid_;
  prometheus::Histogram& kafka_delivery_;
  prometheus::Family<prometheus::Counter>& kafka_errors_;
  prometheus::Family<prometheus::Gauge>& kafka_latency_;
  /// queue, outbuf, rtt x p50, p99
  std::array<prometheus::Gauge*, 6> kafka_latency_series_{};
  std::array<prometheus::Histogram*, 5> duration_by_route_{};
  /// Series of the usual codes per route, created on first use (lock-free afterwards).
  static constexpr std::array<int, 10> common_codes_{200, 400, 404, 405, 413,
                                                     415, 429, 500, 503, 504};
  std::array<std::array<std::atomic<prometheus::Counter*>, 10>, 5> common_series_{};
  std::mutex mtx_;  // guards the lazily created labelled series below
  std::unordered_map<std::string, prometheus::Counter*> request_series_;
  std::unordered_map<std::string, prometheus::Counter*> invalid_series_;
  std::unordered_map<std::string, prometheus::Counter*> error_series_;
  std::function<void(service_metrics&)> scrape_hook_;
  std::shared_ptr<collectable> collectable_;
  std::unique_ptr<prometheus::Exposer> exposer_;
};

}  // namespace clickstream
