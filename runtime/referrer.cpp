#include "runtime/referrer.hpp"

#include <array>

namespace clickstream {

namespace {

constexpr char lower(char c) noexcept {
  return (c >= 'A' && c <= 'Z') ? char(c - 'A' + 'a') : c;
}

bool iequal(std::string_view a, std::string_view b) noexcept {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (lower(a[i]) != lower(b[i])) return false;
  }
  return true;
}

std::string_view strip_www(std::string_view h) noexcept {
  if (h.size() > 4 && iequal(h.substr(0, 4), "www.")) h.remove_prefix(4);
  return h;
}

// `host` is `domain` or one of its subdomains ("m.facebook.com" is on "facebook.com").
bool on_domain(std::string_view host, std::string_view domain) noexcept {
  if (host.size() < domain.size()) return false;
  if (!iequal(host.substr(host.size() - domain.size()), domain)) return false;
  return host.size() == domain.size() || host[host.size() - domain.size() - 1] == '.';
}

// `host` has a label equal to `label` followed by at least one more label: "google" matches
// "google.com", "www.google.co.uk", "news.google.de" (any country domain).
bool has_brand_label(std::string_view host, std::string_view label) noexcept {
  std::size_t start = 0;
  while (start < host.size()) {
    std::size_t dot = host.find('.', start);
    if (dot == std::string_view::npos) return false;  // the last label is the TLD
    if (iequal(host.substr(start, dot - start), label)) return true;
    start = dot + 1;
  }
  return false;
}

struct source {
  std::string_view match;  // a brand label, or a full domain when it contains a dot
  std::string_view name;
};

constexpr std::array<source, 14> kSearch{{
    {"google", "Google"},
    {"bing", "Bing"},
    {"duckduckgo", "DuckDuckGo"},
    {"search.yahoo.com", "Yahoo"},
    {"yahoo", "Yahoo"},
    {"baidu", "Baidu"},
    {"yandex", "Yandex"},
    {"ecosia", "Ecosia"},
    {"ask.com", "Ask"},
    {"startpage", "Startpage"},
    {"qwant", "Qwant"},
    {"naver", "Naver"},
    {"seznam", "Seznam"},
    {"search.brave.com", "Brave Search"},
}};

constexpr std::array<source, 18> kSocial{{
    {"facebook", "Facebook"},
    {"fb.com", "Facebook"},
    {"fb.me", "Facebook"},
    {"t.co", "Twitter"},
    {"twitter", "Twitter"},
    {"x.com", "Twitter"},
    {"instagram", "Instagram"},
    {"linkedin", "LinkedIn"},
    {"lnkd.in", "LinkedIn"},
    {"pinterest", "Pinterest"},
    {"pin.it", "Pinterest"},
    {"reddit", "Reddit"},
    {"youtube", "YouTube"},
    {"youtu.be", "YouTube"},
    {"tiktok", "TikTok"},
    {"vk.com", "VK"},
    {"threads.net", "Threads"},
    {"snapchat", "Snapchat"},
}};

template <std::size_t N>
std::string_view lookup(std::string_view host, const std::array<source, N>& table) noexcept {
  for (const auto& s : table) {
    const bool domain = s.match.find('.') != std::string_view::npos;
    if (domain ? on_domain(host, s.match) : has_brand_label(host, s.match)) return s.name;
  }
  return {};
}

}  // namespace

std::string_view to_string(referrer_class c) noexcept {
  switch (c) {
    case referrer_class::none:
      return "none";
    case referrer_class::internal:
      return "internal";
    case referrer_class::search:
      return "search";
    case referrer_class::social:
      return "social";
    case referrer_class::external:
      return "external";
  }
  return "none";
}

url_view parse_url_view(std::string_view url) noexcept {
  url_view parts;
  const auto sep = url.find("://");
  if (sep == std::string_view::npos || sep == 0) return parts;
  for (std::size_t i = 0; i < sep; ++i) {
    const char c = lower(url[i]);
    if (!((c >= 'a' && c <= 'z') ||
          (i > 0 && ((c >= '0' && c <= '9') || c == '+' || c == '-' || c == '.')))) {
      return parts;
    }
  }
  parts.scheme = url.substr(0, sep);
  std::string_view rest = url.substr(sep + 3);
  const auto auth_end = rest.find_first_of("/?#");
  std::string_view authority = rest.substr(0, auth_end);
  if (auto at = authority.rfind('@'); at != std::string_view::npos) authority.remove_prefix(at + 1);
  std::string_view host = authority;
  if (!host.empty() && host.front() == '[') {  // IPv6 literal
    const auto close = host.find(']');
    host = close == std::string_view::npos ? host : host.substr(0, close + 1);
  } else if (auto colon = host.find(':'); colon != std::string_view::npos) {
    host = host.substr(0, colon);
  }
  if (host.empty()) return parts;
  parts.host = host;
  parts.valid = true;
  if (auth_end == std::string_view::npos) return parts;
  std::string_view tail = rest.substr(auth_end);
  const auto hash = tail.find('#');
  if (hash != std::string_view::npos) tail = tail.substr(0, hash);
  const auto q = tail.find('?');
  parts.path = tail.substr(0, q);
  if (q != std::string_view::npos) parts.query = tail.substr(q + 1);
  return parts;
}

bool equal_host(std::string_view a, std::string_view b) noexcept {
  return iequal(strip_www(a), strip_www(b));
}

referrer_info classify_referrer(std::string_view referrer, std::string_view page_host,
                                std::string_view shop_host) noexcept {
  referrer_info info;
  if (referrer.empty()) return info;
  const url_view parts = parse_url_view(referrer);
  if (!parts.valid) {
    info.kind = referrer_class::external;
    return info;
  }
  info.host = parts.host;
  const std::string_view host = strip_www(parts.host);
  if ((!page_host.empty() && equal_host(host, page_host)) ||
      (!shop_host.empty() && on_domain(host, strip_www(shop_host)))) {
    info.kind = referrer_class::internal;
    return info;
  }
  if (auto name = lookup(host, kSearch); !name.empty()) {
    info.kind = referrer_class::search;
    info.name = name;
    return info;
  }
  if (auto name = lookup(host, kSocial); !name.empty()) {
    info.kind = referrer_class::social;
    info.name = name;
    return info;
  }
  info.kind = referrer_class::external;
  return info;
}

}  // namespace clickstream
