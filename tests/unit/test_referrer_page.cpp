// Referrer classification and page URL parts.
#include <catch2/catch.hpp>

#include "tests/unit/shared_data.hpp"

#include <fstream>
#include <map>
#include <string>

#include <simdjson.h>

#include "runtime/page_url.hpp"
#include "runtime/referrer.hpp"

using namespace clickstream;

TEST_CASE("referrer: classes with host and name", "[referrer]") {
  struct row {
    const char* referrer;
    const char* page_host;
    referrer_class kind;
    const char* host;
    const char* name;
  };
  const row rows[] = {
      // From the sample
      {"https://google.com", "xcc-webshop.com", referrer_class::search, "google.com", "Google"},
      {"https://smith.org", "xcc-webshop.com", referrer_class::external, "smith.org", ""},
      {"https://gonzalez.com", "xcc-webshop.com", referrer_class::external, "gonzalez.com", ""},
      {"https://grant-luna.info", "xcc-webshop.com", referrer_class::external, "grant-luna.info",
       ""},
      // none / internal
      {"", "xcc-webshop.com", referrer_class::none, "", ""},
      {"https://xcc-webshop.com/category/3", "xcc-webshop.com", referrer_class::internal,
       "xcc-webshop.com", ""},
      {"https://www.XCC-webshop.com/cart", "", referrer_class::internal, "www.XCC-webshop.com", ""},
      {"https://shop.example.org/p", "shop.example.org", referrer_class::internal,
       "shop.example.org", ""},
      {"https://blog.xcc-webshop.com/post", "xcc-webshop.com", referrer_class::internal,
       "blog.xcc-webshop.com", ""},
      {"https://notxcc-webshop.com/", "xcc-webshop.com", referrer_class::external,
       "notxcc-webshop.com", ""},
      // search engines
      {"https://www.google.co.uk/search?q=shoes", "", referrer_class::search, "www.google.co.uk",
       "Google"},
      {"https://www.bing.com/search?q=x", "", referrer_class::search, "www.bing.com", "Bing"},
      {"https://duckduckgo.com/?q=x", "", referrer_class::search, "duckduckgo.com", "DuckDuckGo"},
      {"https://search.yahoo.com/search?p=x", "", referrer_class::search, "search.yahoo.com",
       "Yahoo"},
      {"https://www.baidu.com/s?wd=x", "", referrer_class::search, "www.baidu.com", "Baidu"},
      {"https://yandex.ru/search/?text=x", "", referrer_class::search, "yandex.ru", "Yandex"},
      {"https://www.ecosia.org/search?q=x", "", referrer_class::search, "www.ecosia.org", "Ecosia"},
      // social networks
      {"https://l.facebook.com/l.php?u=x", "", referrer_class::social, "l.facebook.com",
       "Facebook"},
      {"https://t.co/abc", "", referrer_class::social, "t.co", "Twitter"},
      {"https://x.com/acme", "", referrer_class::social, "x.com", "Twitter"},
      {"https://www.instagram.com/", "", referrer_class::social, "www.instagram.com", "Instagram"},
      {"https://www.linkedin.com/feed", "", referrer_class::social, "www.linkedin.com", "LinkedIn"},
      {"https://www.pinterest.de/pin/1", "", referrer_class::social, "www.pinterest.de",
       "Pinterest"},
      {"https://old.reddit.com/r/x", "", referrer_class::social, "old.reddit.com", "Reddit"},
      {"https://m.youtube.com/watch?v=1", "", referrer_class::social, "m.youtube.com", "YouTube"},
      {"https://www.tiktok.com/@acme", "", referrer_class::social, "www.tiktok.com", "TikTok"},
      // lookalikes are external
      {"https://box.com/", "", referrer_class::external, "box.com", ""},
      {"https://notgoogle.com/", "", referrer_class::external, "notgoogle.com", ""},
      {"https://user:pw@Example.com:8443/x", "", referrer_class::external, "Example.com", ""},
      // not a URL: external without host
      {"android-app://com.example.app", "", referrer_class::external, "com.example.app", ""},
      {"not a url", "", referrer_class::external, "", ""},
  };
  for (const auto& r : rows) {
    INFO("referrer: " << r.referrer);
    const auto info = classify_referrer(r.referrer, r.page_host, "xcc-webshop.com");
    CHECK(info.kind == r.kind);
    CHECK(info.host == r.host);
    CHECK(info.name == r.name);
  }
}

TEST_CASE("referrer: the sample's referrers are google (search) or other sites", "[referrer]") {
  std::ifstream in(clickstream::test::shared_data_file("sample-events.jsonl"));
  if (!in) {
    WARN("sample not found; skipped");
    return;
  }
  simdjson::dom::parser parser;
  std::string line;
  std::map<referrer_class, int> counts;
  while (std::getline(in, line)) {
    auto doc = parser.parse(line);
    std::string_view ref;
    if (doc["event"]["referrer"].get_string().get(ref) != simdjson::SUCCESS) continue;
    const auto info = classify_referrer(ref, "xcc-webshop.com", "xcc-webshop.com");
    ++counts[info.kind];
    CHECK_FALSE(info.host.empty());
  }
  CHECK(counts[referrer_class::search] == 31);  // google.com, counted with python
  CHECK(counts[referrer_class::external] == 69);
  CHECK(counts[referrer_class::internal] == 0);
}

TEST_CASE("page url: kinds and ids", "[page_url]") {
  struct row {
    const char* url;
    page_kind kind;
    const char* path;
    std::optional<std::uint64_t> category, product;
  };
  const row rows[] = {
      {"https://xcc-webshop.com", page_kind::home, "/", {}, {}},
      {"https://xcc-webshop.com/", page_kind::home, "/", {}, {}},
      {"https://xcc-webshop.com/category/6", page_kind::category, "/category/6", 6, {}},
      {"https://xcc-webshop.com/category/10/", page_kind::category, "/category/10/", 10, {}},
      {"https://xcc-webshop.com/products/123?ref=x#top",
       page_kind::product,
       "/products/123",
       {},
       123},
      {"https://xcc-webshop.com/product/7", page_kind::product, "/product/7", {}, 7},
      {"https://xcc-webshop.com/cart", page_kind::cart, "/cart", {}, {}},
      {"https://xcc-webshop.com/checkout", page_kind::checkout, "/checkout", {}, {}},
      {"https://xcc-webshop.com/checkout/payment",
       page_kind::checkout,
       "/checkout/payment",
       {},
       {}},
      {"https://xcc-webshop.com/cartoons", page_kind::other, "/cartoons", {}, {}},
      {"https://xcc-webshop.com/category/abc", page_kind::other, "/category/abc", {}, {}},
      {"https://xcc-webshop.com/products/99999999999999999999999",
       page_kind::other,
       "/products/99999999999999999999999",
       {},
       {}},
      {"https://xcc-webshop.com/about", page_kind::other, "/about", {}, {}},
  };
  for (const auto& r : rows) {
    INFO("url: " << r.url);
    const auto info = parse_page_url(r.url);
    CHECK(info.valid);
    CHECK(info.host == "xcc-webshop.com");
    CHECK(info.kind == r.kind);
    CHECK(info.path == r.path);
    CHECK(info.category_id == r.category);
    CHECK(info.product_id == r.product);
  }
  CHECK_FALSE(parse_page_url("/relative").valid);
  CHECK(parse_page_url("").kind == page_kind::other);
}

TEST_CASE("page url: the sample's pages", "[page_url]") {
  std::ifstream in(clickstream::test::shared_data_file("sample-events.jsonl"));
  if (!in) {
    WARN("sample not found; skipped");
    return;
  }
  simdjson::dom::parser parser;
  std::string line;
  std::map<page_kind, int> counts;
  while (std::getline(in, line)) {
    auto doc = parser.parse(line);
    std::string_view page;
    if (doc["event"]["page"].get_string().get(page) != simdjson::SUCCESS) continue;
    ++counts[parse_page_url(page).kind];
  }
  // Counted independently with python over the sample.
  CHECK(counts[page_kind::category] == 554);
  CHECK(counts[page_kind::product] == 203);
  CHECK(counts[page_kind::cart] == 42);
  CHECK(counts[page_kind::checkout] == 13);
  CHECK(counts[page_kind::home] == 10);
  CHECK(counts[page_kind::other] == 0);
}
