#include "runtime/batch_tracker.hpp"

#include <utility>

namespace clickstream {

bool batch_completion::complete(delivery_status status, std::string detail) {
  {
    std::lock_guard<std::mutex> guard{mtx_};
    if (done_) return false;
    done_ = true;
    outcome_.status = status;
    outcome_.detail = std::move(detail);
  }
  cv_.notify_all();
  return true;
}

std::optional<batch_outcome> batch_completion::wait_until(
    std::chrono::steady_clock::time_point deadline) {
  std::unique_lock<std::mutex> lock{mtx_};
  if (!cv_.wait_until(lock, deadline, [this] { return done_; })) return std::nullopt;
  return outcome_;
}

bool batch_completion::done() const {
  std::lock_guard<std::mutex> guard{mtx_};
  return done_;
}

void batch_completion::set_summary(batch_summary summary) {
  std::lock_guard<std::mutex> guard{mtx_};
  summary_ = std::move(summary);
}

batch_summary batch_completion::summary() const {
  std::lock_guard<std::mutex> guard{mtx_};
  return summary_;
}

std::optional<in_flight_slot> in_flight_slot::try_acquire(std::atomic<std::size_t>& counter,
                                                          std::size_t max) {
  auto current = counter.load(std::memory_order_acquire);
  do {
    if (current >= max) return std::nullopt;
  } while (!counter.compare_exchange_weak(current, current + 1, std::memory_order_acq_rel));
  return in_flight_slot{&counter};
}

batch_tracker::batch_tracker(std::shared_ptr<batch_completion> completion)
    : completion_(std::move(completion)) {}

batch_tracker::~batch_tracker() {
  if (completion_)
    completion_->complete(delivery_status::internal, "batch dropped before it was stored");
}

void batch_tracker::expect(std::size_t n) {
  outstanding_.fetch_add(n, std::memory_order_acq_rel);
}

bool batch_tracker::release_one() {
  if (outstanding_.fetch_sub(1, std::memory_order_acq_rel) != 1) return false;
  if (!failed()) completion_->complete(delivery_status::ok);
  return true;
}

bool batch_tracker::report(delivery_status status, std::string_view detail) {
  if (status != delivery_status::ok) {
    failed_.store(true, std::memory_order_release);
    completion_->complete(status, std::string{detail});
  }
  return release_one();
}

bool batch_tracker::seal() {
  return release_one();
}

}  // namespace clickstream
