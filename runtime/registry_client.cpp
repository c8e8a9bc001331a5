#include "runtime/registry_client.hpp"

#include <httplib.h>

#include <cctype>
#include <string>

#include <nlohmann/json.hpp>

namespace clickstream {

namespace {

std::string percent_decode(std::string_view s) {
  std::string out;
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '%' && i + 2 < s.size() && std::isxdigit(static_cast<unsigned char>(s[i + 1])) &&
        std::isxdigit(static_cast<unsigned char>(s[i + 2]))) {
      out.push_back(static_cast<char>(std::stoi(std::string{s.substr(i + 1, 2)}, nullptr, 16)));
      i += 2;
    } else {
      out.push_back(s[i]);
    }
  }
  return out;
}

// Position of the '@' ending the userinfo of an absolute URL (npos: none).
std::size_t userinfo_end(std::string_view url) {
  auto scheme_end = url.find("://");
  if (scheme_end == std::string_view::npos) return std::string_view::npos;
  auto authority_end = url.find_first_of("/?#", scheme_end + 3);
  auto authority = url.substr(0, authority_end);
  auto at = authority.rfind('@');
  return at != std::string_view::npos && at > scheme_end ? at : std::string_view::npos;
}

}  // namespace

std::string redact_url(std::string_view url) {
  auto at = userinfo_end(url);
  if (at == std::string_view::npos) return std::string{url};
  auto scheme_end = url.find("://");
  return std::string{url.substr(0, scheme_end + 3)} + "***" + std::string{url.substr(at)};
}

std::optional<url_parts> split_url(std::string_view url) {
  url_parts parts;
  if (auto at = userinfo_end(url); at != std::string_view::npos) {
    auto info_start = url.find("://") + 3;
    auto info = url.substr(info_start, at - info_start);
    auto colon = info.find(':');
    parts.user = percent_decode(info.substr(0, colon));
    if (colon != std::string_view::npos) parts.password = percent_decode(info.substr(colon + 1));
  }
  std::string stripped;
  if (auto at = userinfo_end(url); at != std::string_view::npos) {
    stripped = std::string{url.substr(0, url.find("://") + 3)} + std::string{url.substr(at + 1)};
    url = stripped;
  }
  auto scheme_end = url.find("://");
  if (scheme_end == std::string_view::npos) return std::nullopt;
  auto scheme = url.substr(0, scheme_end);
  if (scheme != "http" && scheme != "https") return std::nullopt;
  auto host_start = scheme_end + 3;
  auto path_start = url.find('/', host_start);
  auto host =
      url.substr(host_start, path_start == std::string_view::npos ? std::string_view::npos
                                                                  : path_start - host_start);
  if (host.empty()) return std::nullopt;
  parts.scheme_host_port = std::string{url.substr(0, host_start)} + std::string{host};
  if (path_start != std::string_view::npos) {
    auto path = url.substr(path_start);
    while (!path.empty() && path.back() == '/') path.remove_suffix(1);
    parts.base_path = std::string{path};
  }
  return parts;
}

std::string encode_path_segment(std::string_view s) {
  static constexpr char hex[] = "0123456789ABCDEF";
  std::string out;
  for (char c : s) {
    auto u = static_cast<unsigned char>(c);
    if (std::isalnum(u) || c == '-' || c == '_' || c == '.' || c == '~') {
      out.push_back(c);
    } else {
      out.push_back('%');
      out.push_back(hex[u >> 4]);
      out.push_back(hex[u & 0xF]);
    }
  }
  return out;
}

std::optional<registry_schema> parse_latest_version(std::string_view body, std::string& error) {
  auto doc = nlohmann::json::parse(body.begin(), body.end(), nullptr, false);
  if (doc.is_discarded() || !doc.is_object()) {
    error = "registry answer is not a JSON object";
    return std::nullopt;
  }
  registry_schema out;
  auto id = doc.find("id");
  auto version = doc.find("version");
  auto schema = doc.find("schema");
  if (id == doc.end() || !id->is_number_integer()) {
    error = "registry answer has no integer 'id'";
    return std::nullopt;
  }
  if (version == doc.end() || !version->is_number_integer()) {
    error = "registry answer has no integer 'version'";
    return std::nullopt;
  }
  if (schema == doc.end() || !schema->is_string()) {
    error = "registry answer has no string 'schema'";
    return std::nullopt;
  }
  out.id = id->get<std::int32_t>();
  out.version = version->get<std::int32_t>();
  out.schema = schema->get<std::string>();
  if (auto s = doc.find("subject"); s != doc.end() && s->is_string())
    out.subject = s->get<std::string>();
  if (auto t = doc.find("schemaType"); t != doc.end() && t->is_string())
    out.schema_type = t->get<std::string>();
  else
    out.schema_type = "AVRO";
  if (out.schema_type != "JSON") {
    error = "subject holds a " + out.schema_type + " schema, expected JSON";
    return std::nullopt;
  }
  if (out.id < 0 || out.version < 0) {
    error = "registry answer has a negative id or version";
    return std::nullopt;
  }
  return out;
}

registry_client::registry_client(std::string url, std::int64_t timeout_ms)
    : url_(std::move(url)), timeout_ms_(timeout_ms) {}

std::optional<registry_schema> registry_client::fetch_latest(const std::string& subject,
                                                             std::string& error) {
  auto parts = split_url(url_);
  if (!parts) {
    error = "invalid registry url '" + redact_url(url_) + "'";
    return std::nullopt;
  }
  httplib::Client cli{parts->scheme_host_port};
  if (!parts->user.empty()) cli.set_basic_auth(parts->user.c_str(), parts->password.c_str());
  auto timeout = std::chrono::milliseconds{timeout_ms_};
  cli.set_connection_timeout(timeout);
  cli.set_read_timeout(timeout);
  cli.set_write_timeout(timeout);
  auto path = parts->base_path + "/subjects/" + encode_path_segment(subject) + "/versions/latest";
  auto res = cli.Get(path.c_str(),
                     {{"Accept", "application/vnd.schemaregistry.v1+json, application/json"}});
  if (!res) {
    error = "GET " + redact_url(url_) + path.substr(parts->base_path.size()) +
            " failed: " + httplib::to_string(res.error()) + " error (registry down or unreachable)";
    return std::nullopt;
  }
  if (res->status != 200) {
    error = "GET " + parts->scheme_host_port + path + " answered " + std::to_string(res->status) +
            ": " + res->body.substr(0, 300);
    return std::nullopt;
  }
  return parse_latest_version(res->body, error);
}

}  // namespace clickstream
