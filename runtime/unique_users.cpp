#include "runtime/unique_users.hpp"

#include "runtime/event_day.hpp"
#include "runtime/metadata.hpp"

namespace clickstream {

namespace {

std::uint64_t mix(std::uint64_t x) noexcept {  // splitmix64 finalizer
  x += 0x9e3779b97f4a7c15ULL;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}

}  // namespace

bool id_set::insert(std::uint64_t id) {
  if (id == kEmpty) {
    if (has_empty_value_) return false;
    has_empty_value_ = true;
    ++size_;
    return true;
  }
  if ((size_ + 1) * 2 > slots_.size()) grow();
  const std::size_t mask = slots_.size() - 1;
  for (std::size_t i = mix(id) & mask;; i = (i + 1) & mask) {
    if (slots_[i] == id) return false;
    if (slots_[i] == kEmpty) {
      slots_[i] = id;
      ++size_;
      return true;
    }
  }
}

bool id_set::contains(std::uint64_t id) const noexcept {
  if (id == kEmpty) return has_empty_value_;
  if (slots_.empty()) return false;
  const std::size_t mask = slots_.size() - 1;
  for (std::size_t i = mix(id) & mask;; i = (i + 1) & mask) {
    if (slots_[i] == id) return true;
    if (slots_[i] == kEmpty) return false;
  }
}

void id_set::grow() {
  std::vector<std::uint64_t> old;
  old.swap(slots_);
  slots_.assign(old.empty() ? 16 : old.size() * 2, kEmpty);
  const std::size_t mask = slots_.size() - 1;
  for (std::uint64_t id : old) {
    if (id == kEmpty) continue;
    std::size_t i = mix(id) & mask;
    while (slots_[i] != kEmpty) i = (i + 1) & mask;
    slots_[i] = id;
  }
}

unique_users_counter::unique_users_counter(unique_users_options opts) : opts_(opts) {
  if (opts_.window_days < 1) opts_.window_days = 1;
  if (opts_.emit_interval_ms < 0) opts_.emit_interval_ms = 0;
}

add_result unique_users_counter::add(std::int32_t day, std::optional<std::int64_t> customer_id,
                                     std::optional<std::int32_t> latest_allowed_day) {
  if (latest_allowed_day && day > *latest_allowed_day) return add_result::too_new;
  if (newest_ && day <= *newest_ - opts_.window_days) return add_result::too_old;
  // Every day seen gets a state, so a day with only anonymous visitors is emitted with 0.
  auto [it, created] = days_.try_emplace(day);
  if (created) it->second.dirty = true;
  add_result result = add_result::anonymous;
  if (customer_id) {
    if (it->second.customers.insert(static_cast<std::uint64_t>(*customer_id))) {
      it->second.dirty = true;
      result = add_result::added;
    } else {
      result = add_result::duplicate;
    }
  }
  if (!newest_ || day > *newest_) {
    newest_ = day;
    // Drop the days that fell out of the window (never `day` itself: it is the newest).
    days_.erase(days_.begin(), days_.lower_bound(*newest_ - opts_.window_days + 1));
  }
  return result;
}

std::uint64_t unique_users_counter::count(std::int32_t day) const noexcept {
  auto it = days_.find(day);
  return it == days_.end() ? 0 : it->second.customers.size();
}

std::size_t unique_users_counter::ids() const noexcept {
  std::size_t n = 0;
  for (const auto& [day, state] : days_) n += state.customers.size();
  return n;
}

std::optional<std::int32_t> unique_users_counter::newest_day() const noexcept {
  return newest_;
}

std::optional<std::int32_t> unique_users_counter::oldest_kept_day() const noexcept {
  if (!newest_) return std::nullopt;
  return *newest_ - opts_.window_days + 1;
}

void unique_users_counter::collect_due(std::int64_t now_ms, std::vector<day_count>& out) {
  for (auto& [day, state] : days_) {
    if (!state.dirty) continue;
    if (state.last_emit_ms && now_ms - *state.last_emit_ms < opts_.emit_interval_ms) continue;
    out.push_back({day, state.customers.size()});
    state.dirty = false;
    state.last_emit_ms = now_ms;
  }
}

void unique_users_counter::mark_dirty(std::int32_t day) {
  auto it = days_.find(day);
  if (it != days_.end()) it->second.dirty = true;
}

void unique_users_counter::mark_all_dirty() {
  for (auto& [day, state] : days_) {
    state.dirty = true;
    state.last_emit_ms.reset();
  }
}

std::size_t unique_users_counter::dirty_days() const noexcept {
  std::size_t n = 0;
  for (const auto& [day, state] : days_) n += state.dirty ? 1 : 0;
  return n;
}

std::string unique_users_json(const day_count& c, std::int64_t updated_at_us) {
  std::string out;
  out.reserve(96);
  out.append("{\"date\":\"");
  const auto d = format_day(c.day);
  out.append(d.data(), d.size());
  out.append("\",\"unique_users\":");
  out.append(std::to_string(c.unique_users));
  out.append(",\"updated_at\":\"");
  append_rfc3339_us(out, updated_at_us);
  out.append("\"}");
  return out;
}

}  // namespace clickstream
