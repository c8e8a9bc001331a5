#include "runtime/page_url.hpp"

#include "runtime/referrer.hpp"

namespace clickstream {

namespace {

std::optional<std::uint64_t> parse_id(std::string_view s) noexcept {
  if (!s.empty() && s.back() == '/') s.remove_suffix(1);
  if (s.empty() || s.size() > 20) return std::nullopt;
  std::uint64_t v = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return std::nullopt;
    const std::uint64_t d = std::uint64_t(c - '0');
    if (v > (UINT64_MAX - d) / 10) return std::nullopt;
    v = v * 10 + d;
  }
  return v;
}

bool is_segment(std::string_view path, std::string_view name) noexcept {
  // "/cart", "/cart/" or "/cart/..." (a sub page of the checkout still belongs to it)
  return path.substr(0, name.size()) == name &&
         (path.size() == name.size() || path[name.size()] == '/');
}

}  // namespace

std::string_view to_string(page_kind k) noexcept {
  switch (k) {
    case page_kind::home:
      return "home";
    case page_kind::category:
      return "category";
    case page_kind::product:
      return "product";
    case page_kind::cart:
      return "cart";
    case page_kind::checkout:
      return "checkout";
    case page_kind::other:
      return "other";
  }
  return "other";
}

page_info parse_page_url(std::string_view url) noexcept {
  page_info info;
  const url_view parts = parse_url_view(url);
  if (!parts.valid) return info;
  info.valid = true;
  info.host = parts.host;
  info.path = parts.path.empty() ? std::string_view("/") : parts.path;
  const std::string_view path = info.path;
  if (path == "/") {
    info.kind = page_kind::home;
  } else if (path.substr(0, 10) == "/category/") {
    info.category_id = parse_id(path.substr(10));
    if (info.category_id) info.kind = page_kind::category;
  } else if (path.substr(0, 10) == "/products/") {
    info.product_id = parse_id(path.substr(10));
    if (info.product_id) info.kind = page_kind::product;
  } else if (path.substr(0, 9) == "/product/") {
    info.product_id = parse_id(path.substr(9));
    if (info.product_id) info.kind = page_kind::product;
  } else if (is_segment(path, "/cart")) {
    info.kind = page_kind::cart;
  } else if (is_segment(path, "/checkout")) {
    info.kind = page_kind::checkout;
  }
  return info;
}

}  // namespace clickstream
