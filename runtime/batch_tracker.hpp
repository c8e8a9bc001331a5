// Per-request bookkeeping between the HTTP worker thread and Kafka's delivery reports.
//
// batch_completion: the one-shot result the HTTP thread waits for (with a deadline).
// batch_tracker:    counts the outstanding records of one batch; completes the result with `ok`
//                   when the last record is acknowledged, or at once with the first failure.
//                   A tracker destroyed before completing (batch dropped by a crashed actor)
//                   completes with `internal`, so the HTTP thread never waits for nothing.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <memory>
#include <mutex>
#include <optional>
#include <string>

#include "runtime/http_status.hpp"

namespace clickstream {

struct batch_outcome {
  delivery_status status = delivery_status::ok;
  std::string detail;
};

/// What the validator found, published before the records are produced.
struct batch_summary {
  std::size_t accepted = 0;
  std::size_t rejected = 0;
  std::string request_error;  ///< empty, or the reason a request failed as a whole
  std::string request_error_message;
};

class batch_completion {
 public:
  /// Sets the outcome if none is set yet; returns true when this call set it.
  bool complete(delivery_status status, std::string detail = {});
  /// Blocks until completed or `deadline`; nullopt on timeout.
  std::optional<batch_outcome> wait_until(std::chrono::steady_clock::time_point deadline);
  bool done() const;

  void set_summary(batch_summary summary);
  batch_summary summary() const;

 private:
  mutable std::mutex mtx_;
  std::condition_variable cv_;
  bool done_ = false;
  batch_outcome outcome_;
  batch_summary summary_;
};

/// One slot of the bounded count of batches in flight; released when destroyed.
class in_flight_slot {
 public:
  /// Takes a slot when fewer than `max` are taken; nullopt otherwise (answer 429).
  static std::optional<in_flight_slot> try_acquire(std::atomic<std::size_t>& counter,
                                                   std::size_t max);
  in_flight_slot(in_flight_slot&& other) noexcept : counter_(other.counter_) {
    other.counter_ = nullptr;
  }
  in_flight_slot& operator=(in_flight_slot&&) = delete;
  in_flight_slot(const in_flight_slot&) = delete;
  ~in_flight_slot() {
    if (counter_ != nullptr) counter_->fetch_sub(1, std::memory_order_acq_rel);
  }

 private:
  explicit in_flight_slot(std::atomic<std::size_t>* counter) : counter_(counter) {}
  std::atomic<std::size_t>* counter_;
};

class batch_tracker {
 public:
  explicit batch_tracker(std::shared_ptr<batch_completion> completion);
  batch_tracker(const batch_tracker&) = delete;
  batch_tracker& operator=(const batch_tracker&) = delete;
  ~batch_tracker();

  /// Announces `n` more records before they are produced. The tracker starts with one guard
  /// count held until seal(), so it cannot complete while records are still being enqueued.
  void expect(std::size_t n);
  /// One record's fate: `ok` for an acknowledgement, else the failure. Returns true when this was
  /// the last outstanding count (the batch's buffers may be released).
  bool report(delivery_status status, std::string_view detail = {});
  /// Releases the guard taken at construction; returns true when nothing is outstanding.
  bool seal();

  bool failed() const { return failed_.load(std::memory_order_acquire); }
  std::size_t outstanding() const { return outstanding_.load(std::memory_order_acquire); }
  const std::shared_ptr<batch_completion>& completion() const { return completion_; }

 private:
  bool release_one();

  std::shared_ptr<batch_completion> completion_;
  std::atomic<std::size_t> outstanding_{1};
  std::atomic<bool> failed_{false};
};

}  // namespace clickstream
