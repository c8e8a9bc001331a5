// Referrer classification: none / internal / search / social / external, with the referrer's host.
#pragma once

#include <string_view>

namespace clickstream {

enum class referrer_class { none, internal, search, social, external };

// "none", "internal", "search", "social", "external".
std::string_view to_string(referrer_class c) noexcept;

struct url_view {
  std::string_view scheme;  // "https"
  std::string_view host;    // as written (no userinfo, no port); compare with equal_host()
  std::string_view path;    // "/category/6"; "" when the URL has none
  std::string_view query;   // after '?', without it
  bool valid = false;       // false when there is no "scheme://host"
};

// Splits an absolute URL without allocating. Relative or malformed URLs give valid == false.
url_view parse_url_view(std::string_view url) noexcept;

// Host equality ignoring ASCII case and a leading "www.".
bool equal_host(std::string_view a, std::string_view b) noexcept;

struct referrer_info {
  referrer_class kind = referrer_class::none;
  std::string_view host;  // a view into the referrer ("" for none)
  std::string_view name;  // "Google", "Facebook", ... for search and social; "" otherwise
};

// `page_host`: host of the page the event is about ("" when unknown). `shop_host`: the shop's own
// domain (default xcc-webshop.com); a referrer on it or on one of its subdomains is internal.
// An absent/empty referrer is none; a referrer that is not an absolute URL is external with host
// "".
referrer_info classify_referrer(std::string_view referrer, std::string_view page_host,
                                std::string_view shop_host) noexcept;

}  // namespace clickstream
