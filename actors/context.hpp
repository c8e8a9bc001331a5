// What the components of one service instance share: the config, the metrics, the Kafka
// producer, the bounded count of batches in flight, the current schema and the tables of live
// workers (updated by the supervisor when it restarts one). Not an actor: plain thread-safe state.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "actors/actors.hpp"
#include "actors/metrics.hpp"
#include "runtime/config.hpp"
#include "runtime/kafka_producer.hpp"

namespace clickstream {

/// A round-robin table of the live members of an actor pool.
template <class Handle>
class worker_table {
 public:
  void set(std::vector<Handle> workers) {
    auto next = std::make_shared<const std::vector<Handle>>(std::move(workers));
    std::atomic_store(&workers_, std::move(next));
  }
  std::shared_ptr<const std::vector<Handle>> snapshot() const {
    return std::atomic_load(&workers_);
  }
  /// The next worker, or an invalid handle when the pool is empty.
  Handle next() {
    auto ws = snapshot();
    if (!ws || ws->empty()) return Handle{};
    return (*ws)[cursor_.fetch_add(1, std::memory_order_relaxed) % ws->size()];
  }

 private:
  std::shared_ptr<const std::vector<Handle>> workers_;
  std::atomic<std::size_t> cursor_{0};
};

struct service_context {
  explicit service_context(service_config c) : cfg(std::move(c)) {}

  const service_config cfg;
  service_metrics metrics;
  std::unique_ptr<kafka_producer> kafka;
  int raw_topic = -1;
  int invalid_topic = -1;

  std::atomic<std::size_t> batches_in_flight{0};
  std::atomic<std::int64_t> validator_queue{0};
  std::atomic<std::int64_t> producer_queue{0};

  worker_table<validator_actor> validators;
  worker_table<producer_actor> producers;

  schema_ptr schema() const { return std::atomic_load(&schema_); }
  void set_schema(schema_ptr s) { std::atomic_store(&schema_, std::move(s)); }

  bool kafka_reachable() const { return kafka != nullptr && kafka->reachable(); }

  /// Asks main to shut the service down (exit code > 0: an escalation).
  void request_stop(int code, const std::string& why) {
    {
      std::lock_guard<std::mutex> guard{mtx_};
      if (stop_reason_.empty()) stop_reason_ = why;
    }
    int expected = 0;
    exit_code.compare_exchange_strong(expected, code);
    stop_requested.store(true, std::memory_order_release);
  }
  std::string stop_reason() const {
    std::lock_guard<std::mutex> guard{mtx_};
    return stop_reason_;
  }

  std::atomic<bool> stop_requested{false};
  std::atomic<int> exit_code{0};

 private:
  schema_ptr schema_;
  mutable std::mutex mtx_;
  std::string stop_reason_;
};

using context_ptr = std::shared_ptr<service_context>;

}  // namespace clickstream
