// UTC days for event timestamps: "YYYY-MM-DDTHH:MM:SS[.ffffff]" without a zone is UTC (BRIEF §2);
// a trailing "Z" or "+HH:MM"/"-HH:MM" offset, if ever present, is honoured.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string_view>

namespace clickstream {

// Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's days_from_civil).
std::int64_t days_from_civil(std::int64_t y, unsigned m, unsigned d) noexcept;

// The UTC day of an event timestamp, or nullopt when it is not a valid date-time.
std::optional<std::int32_t> event_utc_day(std::string_view timestamp) noexcept;

// "YYYY-MM-DD" of a day number (years 0000..9999).
std::array<char, 10> format_day(std::int32_t day) noexcept;
inline std::string_view day_view(const std::array<char, 10>& a) noexcept {
  return {a.data(), a.size()};
}

// Parses "YYYY-MM-DD" into a day number.
std::optional<std::int32_t> parse_day(std::string_view yyyy_mm_dd) noexcept;

}  // namespace clickstream
