#include "runtime/user_agent.hpp"

#include <array>
#include <cstdint>

namespace clickstream {

namespace {

constexpr char lower(char c) noexcept {
  return (c >= 'A' && c <= 'Z') ? char(c - 'A' + 'a') : c;
}
constexpr bool is_digit(char c) noexcept {
  return c >= '0' && c <= '9';
}
constexpr bool is_alnum(char c) noexcept {
  return is_digit(c) || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

// A user agent with a 1024-bit set of its byte pairs (hashed): a needle with a pair the set lacks
// cannot occur, so most of the ~90 needles below are ruled out by a bit test or two instead of a
// memchr scan each (a bit set never rules out a needle that occurs: no false negatives).
class indexed_text {
 public:
  explicit indexed_text(std::string_view s) noexcept : s_(s) {
    for (std::size_t i = 0; i + 1 < s.size(); ++i) set(pair_hash(s[i], s[i + 1]));
  }
  std::string_view text() const noexcept { return s_; }
  std::size_t find(std::string_view needle, std::size_t from = 0) const noexcept {
    for (std::size_t i = 0; i + 1 < needle.size(); ++i) {
      if (!test(pair_hash(needle[i], needle[i + 1]))) return std::string_view::npos;
    }
    return s_.find(needle, from);
  }
  bool contains(std::string_view needle) const noexcept {
    return find(needle) != std::string_view::npos;
  }

 private:
  static std::size_t pair_hash(char a, char b) noexcept {
    return ((static_cast<std::size_t>(static_cast<unsigned char>(a)) << 3) ^
            static_cast<unsigned char>(b)) &
           1023;
  }
  void set(std::size_t h) noexcept { bits_[h >> 6] |= std::uint64_t{1} << (h & 63); }
  bool test(std::size_t h) const noexcept { return (bits_[h >> 6] >> (h & 63)) & 1; }
  std::string_view s_;
  std::uint64_t bits_[16] = {};
};

// The version token right at `pos`: letters, digits and dots, trailing dots dropped
// ("8.51.(Windows" -> "8.51", "14.7g5052.0" stays).
std::string_view version_at(std::string_view ua, std::size_t pos) noexcept {
  if (pos >= ua.size()) return {};
  std::size_t end = pos;
  while (end < ua.size() && (is_alnum(ua[end]) || ua[end] == '.')) ++end;
  while (end > pos && ua[end - 1] == '.') --end;
  return ua.substr(pos, end - pos);
}

// The version after `token` (which includes its separator, e.g. "Chrome/"), "" if absent.
std::string_view version_after(const indexed_text& ua, std::string_view token) noexcept {
  const auto p = ua.find(token);
  if (p == std::string_view::npos) return {};
  return version_at(ua.text(), p + token.size());
}

// Digits separated by '_', '.' or ' ' (each followed by a digit), written with dots:
// "14_2" -> "14.2", "10 9_9" -> "10.9.9" (the sample's Faker Macs), "10_15_7" -> "10.15.7".
void dotted_version_at(std::string_view ua, std::size_t pos, short_text& out) noexcept {
  out.clear();
  std::size_t i = pos;
  while (i < ua.size()) {
    if (is_digit(ua[i])) {
      out.push_back(ua[i]);
      ++i;
    } else if ((ua[i] == '_' || ua[i] == '.' || ua[i] == ' ') && i + 1 < ua.size() &&
               is_digit(ua[i + 1]) && !out.empty()) {
      out.push_back('.');
      ++i;
    } else {
      break;
    }
  }
}

struct bot_pattern {
  std::string_view needle;  // lower case
  std::string_view name;
};

// Named crawlers and HTTP libraries first, then the generic words.
constexpr std::array<bot_pattern, 38> kBots{{
    {"googlebot", "Googlebot"},
    {"adsbot-google", "AdsBot-Google"},
    {"mediapartners-google", "Mediapartners-Google"},
    {"google-inspectiontool", "Google-InspectionTool"},
    {"bingbot", "bingbot"},
    {"bingpreview", "BingPreview"},
    {"yandexbot", "YandexBot"},
    {"duckduckbot", "DuckDuckBot"},
    {"baiduspider", "Baiduspider"},
    {"yahoo! slurp", "Yahoo! Slurp"},
    {"applebot", "Applebot"},
    {"facebookexternalhit", "facebookexternalhit"},
    {"facebookbot", "FacebookBot"},
    {"twitterbot", "Twitterbot"},
    {"linkedinbot", "LinkedInBot"},
    {"pinterestbot", "Pinterestbot"},
    {"slackbot", "Slackbot"},
    {"ahrefsbot", "AhrefsBot"},
    {"semrushbot", "SemrushBot"},
    {"petalbot", "PetalBot"},
    {"gptbot", "GPTBot"},
    {"headlesschrome", "HeadlessChrome"},
    {"phantomjs", "PhantomJS"},
    {"curl/", "curl"},
    {"wget/", "Wget"},
    {"python-requests/", "python-requests"},
    {"python-urllib/", "Python-urllib"},
    {"aiohttp/", "aiohttp"},
    {"go-http-client/", "Go-http-client"},
    {"okhttp/", "okhttp"},
    {"apache-httpclient/", "Apache-HttpClient"},
    {"java/", "Java"},
    {"libwww-perl/", "libwww-perl"},
    {"scrapy/", "Scrapy"},
    {"bot", "Other Bot"},
    {"crawl", "Other Bot"},
    {"spider", "Other Bot"},
    {"slurp", "Other Bot"},
}};

bool detect_bot(std::string_view ua, user_agent_info& info) noexcept {
  // Lower-case the head of the agent once (bot tokens come early; agents are short), then finds on
  // the indexed copy: a case-folding scan per needle cost ~8 us for the 40 needles, plain finds
  // ~1 us, and the byte-pair set skips the find of almost every needle.
  char buf[1024];
  const std::size_t n = ua.size() < sizeof buf ? ua.size() : sizeof buf;
  for (std::size_t i = 0; i < n; ++i) buf[i] = lower(ua[i]);
  const indexed_text low(std::string_view(buf, n));
  for (const auto& b : kBots) {
    const auto p = low.find(b.needle);
    if (p == std::string_view::npos) continue;
    info.bot = true;
    info.browser_family = b.name;
    if (b.name != "Other Bot") {
      std::size_t v = p + b.needle.size();
      if (b.needle.back() != '/') {
        // "Googlebot/2.1": skip any further name characters up to the slash.
        while (v < ua.size() && (is_alnum(ua[v]) || ua[v] == '-')) ++v;
        if (v < ua.size() && ua[v] == '/') {
          ++v;
        } else {
          v = ua.size();
        }
      }
      info.browser_version = version_at(ua, v);
    }
    return true;
  }
  return false;
}

std::string_view windows_nt_name(std::string_view v) noexcept {
  if (v == "10.0") return "10";
  if (v == "6.3") return "8.1";
  if (v == "6.2") return "8";
  if (v == "6.1") return "7";
  if (v == "6.0") return "Vista";
  if (v == "5.2" || v == "5.1") return "XP";
  if (v == "5.01" || v == "5.0") return "2000";
  if (v == "4.0") return "NT 4.0";
  return v;
}

void detect_os(const indexed_text& t, user_agent_info& info) noexcept {
  const std::string_view ua = t.text();
  const bool ipad = t.contains("iPad");
  if (ipad || t.contains("iPhone") || t.contains("iPod")) {
    info.os_family = "iOS";
    // "iPhone OS 14_2", "CPU OS 4_3", "iPad OS 3_1_3": " OS " followed by a digit.
    for (std::size_t p = t.find(" OS "); p != std::string_view::npos; p = t.find(" OS ", p + 1)) {
      if (p + 4 < ua.size() && is_digit(ua[p + 4])) {
        dotted_version_at(ua, p + 4, info.os_version);
        break;
      }
    }
    return;
  }
  if (auto p = t.find("Android"); p != std::string_view::npos) {
    info.os_family = "Android";
    if (p + 8 < ua.size() && ua[p + 7] == ' ') dotted_version_at(ua, p + 8, info.os_version);
    return;
  }
  if (auto p = t.find("Windows Phone"); p != std::string_view::npos) {
    info.os_family = "Windows Phone";
    if (p + 14 < ua.size() && ua[p + 13] == ' ') dotted_version_at(ua, p + 14, info.os_version);
    return;
  }
  if (t.contains("Windows CE")) {
    info.os_family = "Windows CE";
    return;
  }
  if (auto p = t.find("Windows NT "); p != std::string_view::npos) {
    info.os_family = "Windows";
    info.os_version.assign(windows_nt_name(version_at(ua, p + 11)));
    return;
  }
  if (t.contains("Win 9x 4.90")) {
    info.os_family = "Windows";
    info.os_version.assign("ME");
    return;
  }
  if (t.contains("Windows 98") || t.contains("Win98")) {
    info.os_family = "Windows";
    info.os_version.assign("98");
    return;
  }
  if (t.contains("Windows 95") || t.contains("Win95")) {
    info.os_family = "Windows";
    info.os_version.assign("95");
    return;
  }
  if (t.contains("Windows")) {
    info.os_family = "Windows";
    return;
  }
  if (auto p = t.find("Mac OS X"); p != std::string_view::npos) {
    info.os_family = "Mac OS X";
    if (p + 9 < ua.size() && ua[p + 8] == ' ') dotted_version_at(ua, p + 9, info.os_version);
    return;
  }
  if (t.contains("Macintosh")) {
    info.os_family = "Mac OS X";
    return;
  }
  if (t.contains("CrOS")) {
    info.os_family = "Chrome OS";
    return;
  }
  if (t.contains("Linux") || t.contains("X11") || t.contains("Ubuntu")) {
    info.os_family = "Linux";
    return;
  }
}

void detect_browser(const indexed_text& t, user_agent_info& info) noexcept {
  const std::string_view ua = t.text();
  const bool mobile = info.device == device_class::mobile;
  const bool handheld = mobile || info.device == device_class::tablet;
  struct token_family {
    std::string_view token;
    std::string_view family;
  };
  // Order matters: many browsers also name Chrome, Safari or Mozilla.
  static constexpr std::array<token_family, 12> kTokens{{
      {"Edg/", "Edge"},
      {"EdgA/", "Edge"},
      {"EdgiOS/", "Edge"},
      {"Edge/", "Edge"},
      {"OPR/", "Opera"},
      {"Opera Mini/", "Opera Mini"},
      {"SamsungBrowser/", "Samsung Internet"},
      {"YaBrowser/", "Yandex Browser"},
      {"UCBrowser/", "UC Browser"},
      {"FxiOS/", "Firefox iOS"},
      {"CriOS/", "Chrome iOS"},
      {"IEMobile/", "IE Mobile"},
  }};
  for (const auto& tf : kTokens) {
    const auto p = t.find(tf.token);
    if (p != std::string_view::npos) {
      info.browser_family = tf.family;
      info.browser_version = version_at(ua, p + tf.token.size());
      return;
    }
  }
  if (ua.substr(0, 6) == "Opera/" || t.contains("Opera ")) {
    info.browser_family = "Opera";
    auto v = ua.substr(0, 6) == "Opera/" ? version_at(ua, 6) : version_after(t, "Opera ");
    // Opera 10+ kept "Opera/9.80" for compatibility and put the real version in "Version/".
    if (v == "9.80" || v.empty()) {
      if (auto real = version_after(t, "Version/"); !real.empty()) v = real;
    }
    info.browser_version = v;
    return;
  }
  if (auto p = t.find("MSIE "); p != std::string_view::npos) {
    info.browser_family = "IE";
    info.browser_version = version_at(ua, p + 5);
    return;
  }
  if (t.contains("Trident/")) {
    info.browser_family = "IE";
    info.browser_version = version_after(t, "rv:");
    return;
  }
  if (auto p = t.find("Firefox/"); p != std::string_view::npos) {
    info.browser_family = mobile ? "Firefox Mobile" : "Firefox";
    info.browser_version = version_at(ua, p + 8);
    return;
  }
  if (auto p = t.find("Chrome/"); p != std::string_view::npos) {
    info.browser_family = mobile ? "Chrome Mobile" : "Chrome";
    info.browser_version = version_at(ua, p + 7);
    return;
  }
  if (auto p = t.find("Chromium/"); p != std::string_view::npos) {
    info.browser_family = "Chromium";
    info.browser_version = version_at(ua, p + 9);
    return;
  }
  if (t.contains("Safari/") || t.contains("AppleWebKit/")) {
    if (info.os_family == "Android") {
      info.browser_family = "Android Browser";
    } else if (handheld && info.os_family == "iOS") {
      info.browser_family = "Mobile Safari";
    } else {
      info.browser_family = "Safari";
    }
    info.browser_version = version_after(t, "Version/");
    return;
  }
}

}  // namespace

std::string_view to_string(device_class d) noexcept {
  switch (d) {
    case device_class::desktop:
      return "desktop";
    case device_class::mobile:
      return "mobile";
    case device_class::tablet:
      return "tablet";
    case device_class::bot:
      return "bot";
  }
  return "desktop";
}

void short_text::assign(std::string_view s) noexcept {
  size_ = 0;
  for (char c : s) push_back(c);
}

std::size_t find_icase(std::string_view haystack, std::string_view needle) noexcept {
  if (needle.empty()) return 0;
  if (needle.size() > haystack.size()) return std::string_view::npos;
  const char first = lower(needle[0]);
  const std::size_t last = haystack.size() - needle.size();
  for (std::size_t i = 0; i <= last; ++i) {
    if (lower(haystack[i]) != first) continue;
    std::size_t k = 1;
    while (k < needle.size() && lower(haystack[i + k]) == lower(needle[k])) ++k;
    if (k == needle.size()) return i;
  }
  return std::string_view::npos;
}

user_agent_info parse_user_agent(std::string_view ua) noexcept {
  user_agent_info info;
  const indexed_text t(ua);
  detect_os(t, info);

  const bool bot = detect_bot(ua, info);
  if (bot) {
    info.device = device_class::bot;
    return info;
  }

  if (t.contains("iPad") || t.contains("Tablet") || t.contains("Kindle") || t.contains("Silk/") ||
      (info.os_family == "Android" && !t.contains("Mobile"))) {
    info.device = device_class::tablet;
  } else if (t.contains("iPhone") || t.contains("iPod") || t.contains("Mobile") ||
             t.contains("Opera Mini") || t.contains("BlackBerry") || info.os_family == "Android" ||
             info.os_family == "Windows Phone" || info.os_family == "Windows CE") {
    info.device = device_class::mobile;
  }
  detect_browser(t, info);
  return info;
}

}  // namespace clickstream
