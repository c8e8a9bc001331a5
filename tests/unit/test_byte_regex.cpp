#include <catch2/catch.hpp>

#include "runtime/byte_regex.hpp"

#include <random>
#include <regex>
#include <string>
#include <vector>

using clickstream::byte_regex;

namespace {

// Random strings over `alphabet`, plus mutations of the `seeds` (the interesting near-misses).
std::vector<std::string> samples(const std::string& alphabet, const std::vector<std::string>& seeds,
                                 std::size_t count, std::uint32_t seed) {
  std::mt19937 rng(seed);
  std::vector<std::string> out(seeds);
  out.push_back("");
  for (std::size_t i = 0; i < count; ++i) {
    std::string s;
    if (!seeds.empty() && rng() % 2 == 0) {
      s = seeds[rng() % seeds.size()];
      const int edits = 1 + static_cast<int>(rng() % 3);
      for (int k = 0; k < edits; ++k) {
        const std::size_t pos = s.empty() ? 0 : rng() % (s.size() + 1);
        const char c = alphabet[rng() % alphabet.size()];
        switch (rng() % 3) {
          case 0:
            s.insert(s.begin() + static_cast<long>(pos), c);
            break;
          case 1:
            if (pos < s.size()) s.erase(pos, 1);
            break;
          default:
            if (pos < s.size()) s[pos] = c;
        }
      }
    } else {
      const std::size_t len = rng() % 24;
      for (std::size_t k = 0; k < len; ++k) s.push_back(alphabet[rng() % alphabet.size()]);
    }
    out.push_back(s);
  }
  return out;
}

void check_agrees(const std::string& pattern, const std::vector<std::string>& inputs) {
  std::string why;
  const auto fast = byte_regex::compile(pattern, &why);
  INFO("pattern " << pattern << " refused: " << why);
  REQUIRE(fast != nullptr);
  const std::regex re(pattern);
  for (const auto& s : inputs) {
    INFO("pattern " << pattern << " input \"" << s << "\"");
    REQUIRE(fast->search(s) == std::regex_search(s, re));
  }
}

}  // namespace

TEST_CASE("byte_regex: the raw-events schema patterns agree with std::regex", "[byte_regex]") {
  const std::string ip =
      "^(((25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])\\.){3}(25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-"
      "9]?[0-9])|[0-9A-Fa-f:.]*:[0-9A-Fa-f:.]*)$";
  check_agrees(ip, samples("0123456789.:aFx \n",
                           {"200.15.173.55", "255.255.255.255", "0.0.0.0", "256.1.1.1", "01.2.3.4",
                            "::1", "fe80::1%eth0", "2001:db8::ff00:42:8329", "1.2.3"},
                           20000, 1));
  const std::string ts =
      "^[0-9]{4}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])T([01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9]"
      "(\\.[0-9]{1,6})?$";
  check_agrees(ts, samples("0123456789-T:.Z ",
                           {"2022-04-28T07:38:46.290271", "2022-04-28T07:38:46",
                            "2022-12-31T23:59:59.1", "2022-04-28T24:00:00"},
                           20000, 2));
  const std::string url = "^https?://[^\\s]+$";
  check_agrees(
      url, samples("htps:/.abc \t\n\r\v\f\x80\xff",
                   {"https://xcc-webshop.com/cart", "http://a", "https://", "ftp://x"}, 20000, 3));
}

TEST_CASE("byte_regex: assorted ECMAScript constructs agree with std::regex", "[byte_regex]") {
  const std::string alphabet =
      std::string("ab09_-. \n\r\t\x01\x7f\x80\xc3\xa9", 17) + std::string(1, '\0');
  const std::vector<std::string> patterns = {
      "a",       "^a",        "a$",     "^$",     "^a|b$",         "(a|b)*c?", "a{2,3}",
      "^a{2}$",  "^a{0,2}b",  "a{2,}",  "[^a-z]", "[a-]",          "[-a]",     "[\\]\\-]",
      "\\d+",    "\\D",       "\\w+",   "\\W",    "\\s",           "\\S+$",    ".",
      "^.$",     "^.*$",      "a.b",    "\\.",    "[.]",           "(?:ab)+",  "^(a|ab)(c|bcd)$",
      "x*",      "^(a*)*$",   "[\\d_]", "\\x41",  "[\\x00-\\x1f]", "\\t\\n",   "(^a|b)",
      "(a$|b)c", "^[^\\s]+$", "0|^$",   "a??",    "a+?b",          "[\\b]",    "\\0",
      "^\\$\\^", "\\/",       "\\|",
  };
  std::uint32_t seed = 10;
  for (const auto& p : patterns) check_agrees(p, samples(alphabet + "ab$^|/]", {}, 3000, ++seed));
}

TEST_CASE("byte_regex: constructs outside the subset are refused, not mis-compiled",
          "[byte_regex]") {
  for (const char* p :
       {"(a)\\1", "(?=a)", "(?!a)", "\\bword\\b", "[[:alpha:]]", "a{2000}", "\\u00e9", "\\cA",
        "a**", "(a", "a)", "[a", "[]", "[^]a]", "\\p{L}", "\\k<x>"}) {
    std::string why;
    INFO(p);
    CHECK(byte_regex::compile(p, &why) == nullptr);
    CHECK_FALSE(why.empty());
  }
}

TEST_CASE("byte_regex: a pathological pattern stays linear", "[byte_regex]") {
  const auto re = byte_regex::compile("^(a+)+$");
  REQUIRE(re != nullptr);
  const std::string s = std::string(100000, 'a') + "b";
  CHECK_FALSE(re->search(s));  // std::regex would backtrack exponentially here
  CHECK(re->search(std::string(100000, 'a')));
  CHECK(re->state_count() < 10);
}
