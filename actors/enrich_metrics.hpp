// Prometheus series of the enricher pool and the daily-unique-users counter, registered in the
// service's registry (served on metrics.port with everything else). Observers of the runtime loops.
#pragma once

#include <prometheus/counter.h>
#include <prometheus/family.h>
#include <prometheus/gauge.h>
#include <prometheus/histogram.h>
#include <prometheus/registry.h>

#include <map>
#include <memory>
#include <mutex>
#include <string>

#include "runtime/enricher.hpp"
#include "runtime/unique_users_loop.hpp"

namespace clickstream {

class enrich_metrics final : public enricher_observer, public unique_users_observer {
 public:
  explicit enrich_metrics(prometheus::Registry& registry);

  // enricher_observer
  void on_committed(std::size_t enriched, std::size_t invalid) override;
  void on_aborted(std::string_view reason) override;
  void on_error(std::string_view kind, std::string_view message) override;
  void on_lag(std::int32_t partition, std::int64_t lag) override;
  void on_latency(const std::vector<double>& bucket_increments, double sum) override;

  // unique_users_observer
  void on_record(add_result r) override;
  void on_unreadable(std::string_view why) override;
  void on_state(std::size_t days, std::size_t ids) override;
  void on_emitted(std::size_t updates) override;
  void on_rebuilt(std::uint64_t records, double seconds) override;

 private:
  prometheus::Counter& counter(prometheus::Family<prometheus::Counter>& f, const std::string& label,
                               const std::string& value);
  prometheus::Family<prometheus::Counter>& events_;
  prometheus::Family<prometheus::Counter>& errors_;
  prometheus::Family<prometheus::Gauge>& lag_;
  prometheus::Family<prometheus::Counter>& transactions_;
  prometheus::Histogram& latency_;
  prometheus::Gauge& uu_days_;
  prometheus::Gauge& uu_ids_;
  prometheus::Counter& uu_updates_;
  prometheus::Family<prometheus::Counter>& uu_records_;
  prometheus::Gauge& uu_rebuild_seconds_;
  prometheus::Gauge& uu_rebuild_records_;
  std::mutex mutex_;
  std::map<std::string, prometheus::Counter*> counters_;
  std::map<std::int32_t, prometheus::Gauge*> lag_series_;
};

}  // namespace clickstream
