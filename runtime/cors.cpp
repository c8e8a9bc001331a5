#include "runtime/cors.hpp"

#include <algorithm>
#include <cctype>

#include "runtime/http_status.hpp"

namespace clickstream {

namespace {

std::string lower(std::string_view s) {
  std::string out{s};
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

bool iequals(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) ==
                  std::tolower(static_cast<unsigned char>(y));
         });
}

bool host_char(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '.' || c == '[' ||
         c == ']' || c == ':';
}

}  // namespace

std::optional<std::string> cors_pattern_error(std::string_view p) {
  if (p == "*") return std::nullopt;
  std::string_view rest;
  if (p.rfind("https://", 0) == 0)
    rest = p.substr(8);
  else if (p.rfind("http://", 0) == 0)
    rest = p.substr(7);
  else
    return "'" + std::string{p} + "' must be * or start with http:// or https://";
  if (rest.rfind("*.", 0) == 0) rest.remove_prefix(2);
  if (rest.empty() || rest.front() == '.' || rest.front() == ':')
    return "'" + std::string{p} + "' has no host";
  for (char c : rest)
    if (!host_char(c))
      return "'" + std::string{p} +
             "' must be an origin: scheme://host[:port], no path, no trailing slash";
  return std::nullopt;
}

cors_policy::cors_policy(const std::vector<std::string>& allowed_origins, std::int64_t max_age_s)
    : max_age_(std::to_string(max_age_s)) {
  for (const auto& p : allowed_origins) {
    if (cors_pattern_error(p)) continue;
    if (p == "*") {
      any_ = true;
      continue;
    }
    auto sep = p.find("://") + 3;
    if (p.compare(sep, 2, "*.") == 0) {
      suffix_schemes_.push_back(lower(p.substr(0, sep)));
      suffixes_.push_back(lower(p.substr(sep + 1)));  // ".shop.example"
    } else {
      exact_.push_back(lower(p));
    }
  }
}

bool cors_policy::allows(std::string_view origin) const {
  if (origin.empty()) return false;
  if (any_) return true;
  for (const auto& e : exact_)
    if (iequals(origin, e)) return true;
  for (std::size_t i = 0; i < suffixes_.size(); ++i) {
    const auto& scheme = suffix_schemes_[i];
    const auto& suffix = suffixes_[i];
    if (origin.size() <= scheme.size() + suffix.size()) continue;  // a non-empty label first
    if (!iequals(origin.substr(0, scheme.size()), scheme)) continue;
    if (!iequals(origin.substr(origin.size() - suffix.size()), suffix)) continue;
    auto label = origin.substr(scheme.size(), origin.size() - scheme.size() - suffix.size());
    if (std::all_of(label.begin(), label.end(), [](char c) { return host_char(c) && c != ':'; }))
      return true;
  }
  return false;
}

std::string cors_policy::allow_origin(std::string_view origin) const {
  if (!allows(origin)) return {};
  return any_ ? std::string{"*"} : std::string{origin};
}

std::vector<std::pair<std::string, std::string>> cors_policy::answer_headers(
    std::string_view origin) const {
  std::vector<std::pair<std::string, std::string>> out;
  if (!enabled()) return out;
  if (!any_) out.emplace_back("Vary", "Origin");
  auto allow = allow_origin(origin);
  if (!allow.empty()) out.emplace_back("Access-Control-Allow-Origin", std::move(allow));
  return out;
}

cors_answer cors_policy::preflight(std::string_view origin, std::string_view request_method) const {
  cors_answer a;
  if (origin.empty() || request_method.empty()) {
    a.headers.emplace_back("Allow", "POST, OPTIONS");
    for (auto& h : answer_headers(origin)) a.headers.push_back(std::move(h));
    return a;
  }
  if (!allows(origin)) {
    a.status = 403;
    a.body = json_error(403, "cors_origin_not_allowed",
                        enabled() ? "this origin is not in http.cors-allowed-origins"
                                  : "cross-origin requests are off (http.cors-allowed-origins "
                                    "is empty)")
                 .body;
    if (enabled() && !any_) a.headers.emplace_back("Vary", "Origin");
    return a;
  }
  if (request_method != "POST") {
    a.status = 403;
    a.body = json_error(403, "cors_method_not_allowed", "cross-origin requests may only POST").body;
    a.headers = answer_headers(origin);
    return a;
  }
  a.headers = answer_headers(origin);
  a.headers.emplace_back("Access-Control-Allow-Methods", "POST, OPTIONS");
  a.headers.emplace_back("Access-Control-Allow-Headers", "Content-Type");
  a.headers.emplace_back("Access-Control-Max-Age", max_age_);
  return a;
}

}  // namespace clickstream
