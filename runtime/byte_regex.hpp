// A small regular-expression matcher for JSON Schema `pattern`s: the ECMAScript subset without
// back-references, look-arounds or word boundaries, compiled once into a DFA over bytes.
// search() answers exactly what std::regex_search(std::string, std::regex(pattern)) answers (the
// regex libstdc++ and valijson use, byte by byte, "C" locale classes), in one table lookup per byte
// and without allocating. Patterns outside the subset, or whose DFA would be too big, are refused
// by compile(); callers then use std::regex.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace clickstream {

class byte_regex {
 public:
  // nullptr when the pattern is outside the supported subset (reason in `why_not` if given).
  static std::shared_ptr<const byte_regex> compile(std::string_view pattern,
                                                   std::string* why_not = nullptr);

  // true if some substring of `s` matches (std::regex_search semantics, no multiline).
  bool search(std::string_view s) const noexcept {
    std::uint32_t st = 0;
    if (flags_[st] & match_now) return true;
    const auto* p = reinterpret_cast<const unsigned char*>(s.data());
    for (std::size_t i = 0, n = s.size(); i < n; ++i) {
      st = table_[st * 256 + p[i]];
      const std::uint8_t f = flags_[st];
      if (f & match_now) return true;
      if (f & dead) return false;
    }
    return (flags_[st] & match_at_end) != 0;
  }

  std::size_t state_count() const noexcept { return flags_.size(); }
  const std::string& pattern() const noexcept { return pattern_; }

 private:
  static constexpr std::uint8_t match_now = 1;
  static constexpr std::uint8_t match_at_end = 2;
  static constexpr std::uint8_t dead = 4;
  std::string pattern_;
  std::vector<std::uint32_t> table_;  // state * 256 + byte -> state
  std::vector<std::uint8_t> flags_;
};

}  // namespace clickstream
