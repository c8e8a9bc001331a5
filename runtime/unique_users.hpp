// Exact daily unique users: per UTC day, the set of distinct non-null customer ids, in a window of
// days relative to the newest day seen. Dirty-day tracking and throttled emission. Pure: the caller
// passes the clock.
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace clickstream {

// An open-addressing hash set of 64-bit ids (linear probing, load factor at most 1/2): one flat
// array, no node allocation per id.
class id_set {
 public:
  // True when `id` was not in the set.
  bool insert(std::uint64_t id);
  bool contains(std::uint64_t id) const noexcept;
  std::size_t size() const noexcept { return size_; }
  std::size_t capacity() const noexcept { return slots_.size(); }

 private:
  static constexpr std::uint64_t kEmpty = ~std::uint64_t{0};
  void grow();
  std::vector<std::uint64_t> slots_;
  std::size_t size_ = 0;
  bool has_empty_value_ = false;  // the id equal to kEmpty is kept out of the array
};

enum class add_result {
  added,      // a new customer for that day: the day's count grew (the day is now dirty)
  duplicate,  // already counted for that day
  anonymous,  // customer-id null: not counted
  too_old,    // the day is before the window: not counted
  too_new,    // the day is after the latest allowed day (a clock-skewed or hostile timestamp)
};

struct day_count {
  std::int32_t day = 0;  // days since 1970-01-01
  std::uint64_t unique_users = 0;
};

struct unique_users_options {
  int window_days = 90;                  // days kept: [newest - window_days + 1, newest]
  std::int64_t emit_interval_ms = 1000;  // a day's count is emitted at most once per interval
};

class unique_users_counter {
 public:
  explicit unique_users_counter(unique_users_options opts = {});

  // Counts one event. `latest_allowed_day`: events for later days are refused (too_new) so that one
  // event dated far in the future cannot slide the window over every real day.
  add_result add(std::int32_t day, std::optional<std::int64_t> customer_id,
                 std::optional<std::int32_t> latest_allowed_day = std::nullopt);

  std::uint64_t count(std::int32_t day) const noexcept;  // 0 when the day is not held
  std::size_t days() const noexcept { return days_.size(); }
  std::size_t ids() const noexcept;  // ids held over all days (the state size)
  std::optional<std::int32_t> newest_day() const noexcept;
  std::optional<std::int32_t> oldest_kept_day() const noexcept;

  // Appends to `out` every dirty day whose last emission is at least the interval ago, and marks it
  // clean and emitted at `now_ms`. A day is dirty when its count changed since it was last emitted.
  void collect_due(std::int64_t now_ms, std::vector<day_count>& out);
  // Marks a day dirty again (its emission failed) without resetting its throttle.
  void mark_dirty(std::int32_t day);
  // Marks every day dirty and emittable at once (after a rebuild: the last emission before a crash
  // may be missing).
  void mark_all_dirty();
  std::size_t dirty_days() const noexcept;

  const unique_users_options& options() const noexcept { return opts_; }

 private:
  struct day_state {
    id_set customers;
    bool dirty = false;
    std::optional<std::int64_t> last_emit_ms;
  };
  unique_users_options opts_;
  std::map<std::int32_t, day_state> days_;
  std::optional<std::int32_t> newest_;
};

// {"date":"YYYY-MM-DD","unique_users":N,"updated_at":"<RFC 3339 UTC>"}
std::string unique_users_json(const day_count& c, std::int64_t updated_at_us);

}  // namespace clickstream
