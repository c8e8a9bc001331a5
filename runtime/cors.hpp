// CORS for POST /collect (browsers posting events from the shop's pages to the collector on
// another origin). Pure logic, no HTTP library: which origins are allowed (http.cors-allowed-
// origins), the answer to a preflight (OPTIONS /collect) and the headers of an actual answer.
//
// Patterns (each entry of the list):
//  - "*": any origin; answers carry "Access-Control-Allow-Origin: *" (no credentials are used);
//  - "https://shop.example" (scheme://host[:port]): that origin exactly (ASCII case-insensitive;
//    a browser omits a default port, so list "https://shop.example:8443" separately);
//  - "https://*.shop.example": any subdomain of shop.example (not shop.example itself).
// An empty list (the default) turns CORS off: no answer carries CORS headers, every preflight
// that names an Origin is refused with 403, and non-browser clients are not affected at all.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace clickstream {

/// Why `pattern` is not a valid entry of http.cors-allowed-origins (nullopt: valid).
std::optional<std::string> cors_pattern_error(std::string_view pattern);

struct cors_answer {
  int status = 204;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;  ///< JSON error body of a 403 (empty for 204)
};

class cors_policy {
 public:
  cors_policy() = default;
  /// Invalid patterns never match (config checks reject them before).
  cors_policy(const std::vector<std::string>& allowed_origins, std::int64_t max_age_s);

  bool enabled() const noexcept { return any_ || !exact_.empty() || !suffixes_.empty(); }
  bool allows(std::string_view origin) const;

  /// Access-Control-Allow-Origin value for a request with this Origin header ("" if none or not
  /// allowed): "*" under the "*" pattern, else the origin itself.
  std::string allow_origin(std::string_view origin) const;

  /// Headers to add to an answer of POST /collect (any status): Vary: Origin when CORS is on
  /// (caches must not reuse one origin's answer for another) and the allow header if allowed.
  std::vector<std::pair<std::string, std::string>> answer_headers(std::string_view origin) const;

  /// The answer to OPTIONS /collect. `origin` and `request_method` are the request's Origin and
  /// Access-Control-Request-Method headers (empty if absent). Not a preflight (no Origin or no
  /// request method): 204 with Allow. A preflight from an allowed origin for POST: 204 with the
  /// Access-Control-Allow-* headers and Max-Age. Any other preflight: 403 with a JSON body.
  cors_answer preflight(std::string_view origin, std::string_view request_method) const;

 private:
  bool any_ = false;
  std::vector<std::string> exact_;     ///< lower-cased scheme://host[:port]
  std::vector<std::string> suffixes_;  ///< "https://*.a.b" stored as scheme "https://", ".a.b"
  std::vector<std::string> suffix_schemes_;
  std::string max_age_;
};

}  // namespace clickstream
