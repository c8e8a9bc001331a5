// Page URL parts for the enricher: host, path, page kind, category id and product id.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

namespace clickstream {

enum class page_kind { home, category, product, cart, checkout, other };

// "home", "category", "product", "cart", "checkout", "other".
std::string_view to_string(page_kind k) noexcept;

struct page_info {
  std::string_view host;  // views into the URL
  std::string_view path;  // "/" when the URL has no path
  page_kind kind = page_kind::other;
  std::optional<std::uint64_t> category_id;  // "/category/<n>"
  std::optional<std::uint64_t> product_id;   // "/products/<n>" (also "/product/<n>")
  bool valid = false;                        // false: not an absolute URL; only kind other
};

// Shop paths seen in the sample: "", "/", "/category/6", "/products/123", "/cart", "/checkout".
// A trailing slash is tolerated; ids must be plain decimal numbers that fit in 64 bits.
page_info parse_page_url(std::string_view url) noexcept;

}  // namespace clickstream
