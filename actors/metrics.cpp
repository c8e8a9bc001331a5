#include "actors/metrics.hpp"

#include <prometheus/text_serializer.h>

#include <limits>
#include <stdexcept>

#include "runtime/process_stats.hpp"

namespace clickstream {

std::string_view to_string(http_route r) {
  switch (r) {
    case http_route::collect:
      return "/collect";
    case http_route::ping:
      return "/ping";
    case http_route::health_live:
      return "/health/live";
    case http_route::health_ready:
      return "/health/ready";
    default:
      return "other";
  }
}

namespace {

prometheus::ClientMetric plain(double v, bool counter) {
  prometheus::ClientMetric m;
  if (counter)
    m.counter.value = v;
  else
    m.gauge.value = v;
  return m;
}

}  // namespace

/// The registry plus the standard process_* metrics, refreshed at every scrape.
class service_metrics::collectable final : public prometheus::Collectable {
 public:
  explicit collectable(service_metrics& owner) : owner_(owner) {}
  std::vector<prometheus::MetricFamily> Collect() const override {
    {
      std::lock_guard<std::mutex> guard{owner_.mtx_};
      if (owner_.scrape_hook_) owner_.scrape_hook_(owner_);
    }
    auto families = owner_.registry_->Collect();
    const auto& conn = *owner_.http_connections;
    families.push_back({"clickstream_http_connections",
                        "HTTP connections served or waiting for a thread (http.max-connections)",
                        prometheus::MetricType::Gauge,
                        {plain(static_cast<double>(conn.open.load()), false)}});
    families.push_back({"clickstream_http_connections_rejected_total",
                        "HTTP connections answered 503 at once: http.max-connections were open",
                        prometheus::MetricType::Counter,
                        {plain(static_cast<double>(conn.rejected.load()), true)}});
    families.push_back({"clickstream_http_connections_timed_out_total",
                        "HTTP connections closed because the first byte, the request head or "
                        "the body did not arrive in time, or the head exceeded http.max-head-bytes",
                        prometheus::MetricType::Counter,
                        {plain(static_cast<double>(conn.timed_out.load()), true)}});
    if (auto st = read_process_stats()) {
      families.push_back({"process_resident_memory_bytes",
                          "Resident memory size in bytes.",
                          prometheus::MetricType::Gauge,
                          {plain(st->resident_bytes, false)}});
      families.push_back({"process_cpu_seconds_total",
                          "Total user and system CPU time spent in seconds.",
                          prometheus::MetricType::Counter,
                          {plain(st->cpu_seconds, true)}});
    }
    return families;
  }

 private:
  service_metrics& owner_;
};

service_metrics::service_metrics()
    : registry_(std::make_shared<prometheus::Registry>()),
      queue_depth_(prometheus::BuildGauge()
                       .Name("clickstream_queue_depth")
                       .Help("Messages waiting per actor pool (kafka: records in librdkafka)")
                       .Register(*registry_)),
      batches_in_flight(prometheus::BuildGauge()
                            .Name("clickstream_batches_in_flight")
                            .Help("Requests read and not yet answered by Kafka")
                            .Register(*registry_)
                            .Add({})),
      validator_queue(queue_depth_.Add({{"pool", "validator"}})),
      producer_queue(queue_depth_.Add({{"pool", "producer"}})),
      kafka_queue(queue_depth_.Add({{"pool", "kafka"}})),
      schema_version(prometheus::BuildGauge()
                         .Name("clickstream_schema_version")
                         .Help("Version of the schema the validators use (-1: none)")
                         .Register(*registry_)
                         .Add({})),
      schema_id(prometheus::BuildGauge()
                    .Name("clickstream_schema_id")
                    .Help("Registry id of the schema the validators use (-1: none)")
                    .Register(*registry_)
                    .Add({})),
      schema_loaded(prometheus::BuildGauge()
                        .Name("clickstream_schema_loaded")
                        .Help("1 when a schema is loaded")
                        .Register(*registry_)
                        .Add({})),
      kafka_reachable(prometheus::BuildGauge()
                          .Name("clickstream_kafka_reachable")
                          .Help("1 when the last probe reached a broker and the topics exist")
                          .Register(*registry_)
                          .Add({})),
      worker_restarts(prometheus::BuildCounter()
                          .Name("clickstream_worker_restarts_total")
                          .Help("Crashed actors restarted by the supervisor")
                          .Register(*registry_)
                          .Add({})),
      http_requests_(prometheus::BuildCounter()
                         .Name("clickstream_http_requests_total")
                         .Help("HTTP requests by route and status code")
                         .Register(*registry_)),
      http_duration_(prometheus::BuildHistogram()
                         .Name("clickstream_http_request_duration_seconds")
                         .Help("Time from request read to answer, by route")
                         .Register(*registry_)),
      events_received_(prometheus::BuildCounter()
                           .Name("clickstream_events_received_total")
                           .Help("Events in well-formed request bodies")
                           .Register(*registry_)
                           .Add({})),
      events_valid_(prometheus::BuildCounter()
                        .Name("clickstream_events_valid_total")
                        .Help("Events that passed schema validation")
                        .Register(*registry_)
                        .Add({})),
      events_invalid_(prometheus::BuildCounter()
                          .Name("clickstream_events_invalid_total")
                          .Help("Events that failed validation, by first error keyword")
                          .Register(*registry_)),
      kafka_delivery_(
          prometheus::BuildHistogram()
              .Name("clickstream_kafka_delivery_duration_seconds")
              .Help("Per batch: from produce to the last delivery report")
              .Register(*registry_)
              // Fine between 2 and 100 ms, where the linger and the acknowledgements' tail lie:
              // quantiles are interpolated inside a bucket.
              .Add({}, prometheus::Histogram::BucketBoundaries{0.001, 0.002, 0.003, 0.005, 0.0075,
                                                               0.01, 0.015, 0.02, 0.03, 0.04, 0.05,
                                                               0.075, 0.1, 0.2, 0.5, 1, 2, 5, 10})),
      kafka_errors_(prometheus::BuildCounter()
                        .Name("clickstream_kafka_delivery_errors_total")
                        .Help("Records Kafka did not acknowledge, by topic")
                        .Register(*registry_)),
      kafka_latency_(prometheus::BuildGauge()
                         .Name("clickstream_kafka_producer_latency_seconds")
                         .Help("librdkafka's statistics over the last producer.statistics-interval-"
                               "ms, by stage: queue = produce() to a produce request, outbuf = "
                               "the request waiting to be sent, rtt = sent to answered")
                         .Register(*registry_)),
      collectable_(std::make_shared<collectable>(*this)) {
  const char* stages[] = {"queue", "outbuf", "rtt"};
  for (std::size_t i = 0; i < kafka_latency_series_.size(); ++i) {
    kafka_latency_series_[i] =
        &kafka_latency_.Add({{"stage", stages[i / 2]}, {"quantile", i % 2 == 0 ? "0.5" : "0.99"}});
    kafka_latency_series_[i]->Set(std::numeric_limits<double>::quiet_NaN());
  }
  const prometheus::Histogram::BucketBoundaries buckets{
      0.0005, 0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10};
  for (std::size_t i = 0; i < duration_by_route_.size(); ++i)
    duration_by_route_[i] = &http_duration_.Add(
        {{"route", std::string{to_string(static_cast<http_route>(i))}}}, buckets);
  schema_version.Set(-1);
  schema_id.Set(-1);
}

service_metrics::~service_metrics() {
  exposer_.reset();
}

void service_metrics::serve(const std::string& bind, std::uint16_t port) {
  auto address = bind + ":" + std::to_string(port);
  try {
    exposer_ = std::make_unique<prometheus::Exposer>(address);
  } catch (const std::exception& e) {
    throw std::runtime_error("cannot serve metrics on " + address +
                             " (port taken? set metrics.port): " + e.what());
  }
  exposer_->RegisterCollectable(collectable_);
}

void service_metrics::kafka_latency(const kafka_client_stats& s) {
  const latency_quantiles* stages[] = {&s.queue, &s.outbuf, &s.rtt};
  const double nan = std::numeric_limits<double>::quiet_NaN();
  for (std::size_t i = 0; i < 3; ++i) {
    const auto& q = *stages[i];
    kafka_latency_series_[2 * i]->Set(q.count > 0 ? q.p50_s : nan);
    kafka_latency_series_[2 * i + 1]->Set(q.count > 0 ? q.p99_s : nan);
  }
}

void service_metrics::set_scrape_hook(std::function<void(service_metrics&)> hook) {
  std::lock_guard<std::mutex> guard{mtx_};
  scrape_hook_ = std::move(hook);
}

void service_metrics::http_request(http_route route, int code, double seconds) {
  auto r = static_cast<std::size_t>(route);
  duration_by_route_[r]->Observe(seconds);
  std::atomic<prometheus::Counter*>* cached = nullptr;
  for (std::size_t i = 0; i < common_codes_.size(); ++i)
    if (common_codes_[i] == code) cached = &common_series_[r][i];
  if (cached != nullptr) {
    if (auto* c = cached->load(std::memory_order_acquire)) {
      c->Increment();
      return;
    }
  }
  std::string key{to_string(route)};
  key += ' ';
  key += std::to_string(code);
  prometheus::Counter* c = nullptr;
  {
    std::lock_guard<std::mutex> guard{mtx_};
    auto& slot = request_series_[key];
    if (slot == nullptr)
      slot = &http_requests_.Add(
          {{"route", std::string{to_string(route)}}, {"code", std::to_string(code)}});
    c = slot;
  }
  if (cached != nullptr) cached->store(c, std::memory_order_release);
  c->Increment();
}

void service_metrics::events_invalid(std::string_view keyword, std::size_t n) {
  prometheus::Counter* c = nullptr;
  {
    std::lock_guard<std::mutex> guard{mtx_};
    auto& slot = invalid_series_[std::string{keyword}];
    if (slot == nullptr) slot = &events_invalid_.Add({{"keyword", std::string{keyword}}});
    c = slot;
  }
  c->Increment(static_cast<double>(n));
}

void service_metrics::on_delivery_error(std::string_view topic, rd_kafka_resp_err_t) {
  prometheus::Counter* c = nullptr;
  {
    std::lock_guard<std::mutex> guard{mtx_};
    auto& slot = error_series_[std::string{topic}];
    if (slot == nullptr) slot = &kafka_errors_.Add({{"topic", std::string{topic}}});
    c = slot;
  }
  c->Increment();
}

void service_metrics::on_batch_delivered(std::chrono::steady_clock::duration d, bool) {
  kafka_delivery_.Observe(std::chrono::duration<double>(d).count());
}

std::string service_metrics::render() const {
  prometheus::TextSerializer s;
  return s.Serialize(collectable_->Collect());
}

}  // namespace clickstream
