#include "runtime/event_day.hpp"

namespace clickstream {

namespace {

bool digits(std::string_view s, std::size_t pos, std::size_t n, unsigned& out) noexcept {
  if (pos + n > s.size()) return false;
  unsigned v = 0;
  for (std::size_t i = pos; i < pos + n; ++i) {
    if (s[i] < '0' || s[i] > '9') return false;
    v = v * 10 + unsigned(s[i] - '0');
  }
  out = v;
  return true;
}

unsigned days_in_month(unsigned y, unsigned m) noexcept {
  static constexpr unsigned kDays[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  const bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
  return m == 2 && leap ? 29 : kDays[m - 1];
}

}  // namespace

std::int64_t days_from_civil(std::int64_t y, unsigned m, unsigned d) noexcept {
  y -= m <= 2;
  const std::int64_t era = (y >= 0 ? y : y - 399) / 400;
  const unsigned yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<std::int64_t>(doe) - 719468;
}

std::optional<std::int32_t> parse_day(std::string_view s) noexcept {
  unsigned y = 0, m = 0, d = 0;
  if (s.size() < 10 || !digits(s, 0, 4, y) || s[4] != '-' || !digits(s, 5, 2, m) || s[7] != '-' ||
      !digits(s, 8, 2, d)) {
    return std::nullopt;
  }
  if (m < 1 || m > 12 || d < 1 || d > days_in_month(y, m)) return std::nullopt;
  return static_cast<std::int32_t>(days_from_civil(y, m, d));
}

std::optional<std::int32_t> event_utc_day(std::string_view ts) noexcept {
  auto day = parse_day(ts);
  if (!day || ts.size() < 19 || (ts[10] != 'T' && ts[10] != 't' && ts[10] != ' ')) {
    return std::nullopt;
  }
  unsigned hh = 0, mm = 0, ss = 0;
  if (!digits(ts, 11, 2, hh) || ts[13] != ':' || !digits(ts, 14, 2, mm) || ts[16] != ':' ||
      !digits(ts, 17, 2, ss) || hh > 23 || mm > 59 || ss > 60) {
    return std::nullopt;
  }
  std::size_t i = 19;
  if (i < ts.size() && ts[i] == '.') {
    ++i;
    const std::size_t start = i;
    while (i < ts.size() && ts[i] >= '0' && ts[i] <= '9') ++i;
    if (i == start) return std::nullopt;
  }
  if (i == ts.size()) return day;  // no zone: UTC
  if ((ts[i] == 'Z' || ts[i] == 'z') && i + 1 == ts.size()) return day;
  unsigned oh = 0, om = 0;
  if ((ts[i] == '+' || ts[i] == '-') && i + 6 == ts.size() && digits(ts, i + 1, 2, oh) &&
      ts[i + 3] == ':' && digits(ts, i + 4, 2, om) && oh <= 23 && om <= 59) {
    // local = UTC + offset, so UTC = local - offset.
    const int sign = ts[i] == '+' ? 1 : -1;
    const int minutes = int(hh) * 60 + int(mm) - sign * int(oh * 60 + om);
    if (minutes < 0) return *day - 1;
    if (minutes >= 24 * 60) return *day + 1;
    return day;
  }
  return std::nullopt;
}

std::array<char, 10> format_day(std::int32_t day) noexcept {
  // H. Hinnant's civil_from_days.
  std::int64_t z = std::int64_t(day) + 719468;
  const std::int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const unsigned doe = static_cast<unsigned>(z - era * 146097);
  const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  std::int64_t y = std::int64_t(yoe) + era * 400;
  const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const unsigned mp = (5 * doy + 2) / 153;
  const unsigned d = doy - (153 * mp + 2) / 5 + 1;
  const unsigned m = mp < 10 ? mp + 3 : mp - 9;
  y += m <= 2;
  if (y < 0) y = 0;
  if (y > 9999) y = 9999;
  std::array<char, 10> out{};
  const auto yy = static_cast<unsigned>(y);
  out[0] = char('0' + yy / 1000);
  out[1] = char('0' + yy / 100 % 10);
  out[2] = char('0' + yy / 10 % 10);
  out[3] = char('0' + yy % 10);
  out[4] = '-';
  out[5] = char('0' + m / 10);
  out[6] = char('0' + m % 10);
  out[7] = '-';
  out[8] = char('0' + d / 10);
  out[9] = char('0' + d % 10);
  return out;
}

}  // namespace clickstream
