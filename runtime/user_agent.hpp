// User-Agent parsing for the enricher: browser family and version, OS family and version, device
// class and bot flag. A hand-written single-pass classifier (no regex, no allocation): string views
// into the User-Agent plus a small inline buffer for the normalized OS version ("14_2" -> "14.2").
#pragma once

#include <cstddef>
#include <string_view>

namespace clickstream {

enum class device_class { desktop, mobile, tablet, bot };

// "desktop", "mobile", "tablet", "bot".
std::string_view to_string(device_class d) noexcept;

// A short string held inline (no heap): versions are short; longer ones are truncated.
class short_text {
 public:
  static constexpr std::size_t capacity = 31;
  void assign(std::string_view s) noexcept;
  void push_back(char c) noexcept {
    if (size_ < capacity) data_[size_++] = c;
  }
  void clear() noexcept { size_ = 0; }
  std::string_view view() const noexcept { return {data_, size_}; }
  bool empty() const noexcept { return size_ == 0; }

 private:
  char data_[capacity] = {};
  unsigned char size_ = 0;
};

struct user_agent_info {
  // Static names: "Chrome", "Chrome Mobile", "Chrome iOS", "Firefox", "Firefox Mobile", "Firefox
  // iOS", "Safari", "Mobile Safari", "Opera", "Edge", "IE", "Samsung Internet", "Android Browser",
  // a bot's name ("Googlebot", "bingbot", "curl", "python-requests", ...), or "Other".
  std::string_view browser_family = "Other";
  std::string_view browser_version;  // a view into the User-Agent, "" when unknown
  // "Windows", "Windows Phone", "iOS", "Mac OS X", "Android", "Chrome OS", "Linux", "Other".
  std::string_view os_family = "Other";
  short_text os_version;  // "10", "XP", "14.2", "10.9.9", "" when unknown
  device_class device = device_class::desktop;
  bool bot = false;
};

// Never fails: an empty or unknown User-Agent gives browser and OS "Other" on a desktop device.
user_agent_info parse_user_agent(std::string_view ua) noexcept;

// Case-insensitive (ASCII) substring search; npos when absent.
std::size_t find_icase(std::string_view haystack, std::string_view needle) noexcept;

}  // namespace clickstream
