#include "actors/enrich_metrics.hpp"

#include "runtime/log.hpp"

namespace clickstream {

namespace {

prometheus::Histogram::BucketBoundaries latency_bounds() {
  const auto& b = enricher_latency_buckets();
  return prometheus::Histogram::BucketBoundaries(b.begin(), b.end());
}

std::string_view to_label(add_result r) {
  switch (r) {
    case add_result::added:
      return "added";
    case add_result::duplicate:
      return "duplicate";
    case add_result::anonymous:
      return "anonymous";
    case add_result::too_old:
      return "too_old";
    case add_result::too_new:
      return "too_new";
  }
  return "unknown";
}

}  // namespace

enrich_metrics::enrich_metrics(prometheus::Registry& r)
    : events_(prometheus::BuildCounter()
                  .Name("clickstream_enricher_events_total")
                  .Help("Raw records committed by the enricher, by outcome (enriched: written to "
                        "the latest topic; invalid: written to the invalid topic with the reason)")
                  .Register(r)),
      errors_(prometheus::BuildCounter()
                  .Name("clickstream_enricher_errors_total")
                  .Help("Enricher errors by kind (transient: registry or Kafka trouble, the batch "
                        "is aborted and retried; transaction; consumer; fatal: the loop is "
                        "recreated)")
                  .Register(r)),
      lag_(prometheus::BuildGauge()
               .Name("clickstream_enricher_consumer_lag")
               .Help("Raw-topic records not yet consumed by the enricher, per partition")
               .Register(r)),
      transactions_(prometheus::BuildCounter()
                        .Name("clickstream_enricher_transactions_total")
                        .Help("Enricher transactions by result (commit|abort)")
                        .Register(r)),
      latency_(prometheus::BuildHistogram()
                   .Name("clickstream_enricher_latency_seconds")
                   .Help("Raw record timestamp (collector produce time) to the commit of its "
                         "enriched record")
                   .Register(r)
                   .Add({}, latency_bounds())),
      uu_days_(prometheus::BuildGauge()
                   .Name("clickstream_unique_users_days")
                   .Help("Days held by the unique-users counter (its window)")
                   .Register(r)
                   .Add({})),
      uu_ids_(prometheus::BuildGauge()
                  .Name("clickstream_unique_users_state_ids")
                  .Help("Customer ids held over all days (the counter's state size)")
                  .Register(r)
                  .Add({})),
      uu_updates_(prometheus::BuildCounter()
                      .Name("clickstream_unique_users_updates_total")
                      .Help("Day counts emitted to the unique-users topic")
                      .Register(r)
                      .Add({})),
      uu_records_(prometheus::BuildCounter()
                      .Name("clickstream_unique_users_records_total")
                      .Help("Latest-topic records seen by the counter, by result")
                      .Register(r)),
      uu_rebuild_seconds_(prometheus::BuildGauge()
                              .Name("clickstream_unique_users_rebuild_seconds")
                              .Help("Duration of the last rebuild from the latest topic")
                              .Register(r)
                              .Add({})),
      uu_rebuild_records_(prometheus::BuildGauge()
                              .Name("clickstream_unique_users_rebuild_records")
                              .Help("Records read by the last rebuild")
                              .Register(r)
                              .Add({})) {
  // Pre-create the usual series so that they are exported at 0.
  counter(events_, "outcome", "enriched");
  counter(events_, "outcome", "invalid");
  counter(transactions_, "result", "commit");
  counter(transactions_, "result", "abort");
  counter(errors_, "kind", "transient");
}

prometheus::Counter& enrich_metrics::counter(prometheus::Family<prometheus::Counter>& f,
                                             const std::string& label, const std::string& value) {
  const std::string key =
      std::to_string(reinterpret_cast<std::uintptr_t>(&f)) + label + "=" + value;
  std::lock_guard<std::mutex> lock(mutex_);
  auto it = counters_.find(key);
  if (it == counters_.end()) it = counters_.emplace(key, &f.Add({{label, value}})).first;
  return *it->second;
}

void enrich_metrics::on_committed(std::size_t enriched, std::size_t invalid) {
  counter(events_, "outcome", "enriched").Increment(static_cast<double>(enriched));
  counter(events_, "outcome", "invalid").Increment(static_cast<double>(invalid));
  counter(transactions_, "result", "commit").Increment();
}

void enrich_metrics::on_aborted(std::string_view reason) {
  counter(transactions_, "result", "abort").Increment();
  log_warning("enricher",
              "transaction aborted, rewinding to the committed offsets: " + std::string(reason));
}

void enrich_metrics::on_error(std::string_view kind, std::string_view message) {
  counter(errors_, "kind", std::string(kind)).Increment();
  log_warning("enricher", std::string(kind) + ": " + std::string(message));
}

void enrich_metrics::on_lag(std::int32_t partition, std::int64_t lag) {
  prometheus::Gauge* g = nullptr;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    auto it = lag_series_.find(partition);
    if (it == lag_series_.end()) {
      it = lag_series_.emplace(partition, &lag_.Add({{"partition", std::to_string(partition)}}))
               .first;
    }
    g = it->second;
  }
  g->Set(static_cast<double>(lag));
}

void enrich_metrics::on_latency(const std::vector<double>& increments, double sum) {
  latency_.ObserveMultiple(increments, sum);
}

void enrich_metrics::on_record(add_result r) {
  counter(uu_records_, "result", std::string(to_label(r))).Increment();
}

void enrich_metrics::on_unreadable(std::string_view why) {
  counter(uu_records_, "result", "unreadable").Increment();
  log_warning("unique-users", "unreadable latest record: " + std::string(why));
}

void enrich_metrics::on_state(std::size_t days, std::size_t ids) {
  uu_days_.Set(static_cast<double>(days));
  uu_ids_.Set(static_cast<double>(ids));
}

void enrich_metrics::on_emitted(std::size_t updates) {
  uu_updates_.Increment(static_cast<double>(updates));
}

void enrich_metrics::on_rebuilt(std::uint64_t records, double seconds) {
  uu_rebuild_seconds_.Set(seconds);
  uu_rebuild_records_.Set(static_cast<double>(records));
  log_info("unique-users", "state rebuilt from the latest topic: " + std::to_string(records) +
                               " records in " + std::to_string(seconds) + " s");
}

}  // namespace clickstream
