#include "runtime/writer_schemas.hpp"

#include <httplib.h>

#include <nlohmann/json.hpp>
#include <stdexcept>

#include "runtime/registry_client.hpp"

namespace clickstream {

namespace {

std::string percent_encode(std::string_view s) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : s) {
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
        c == '.' || c == '_' || c == '~') {
      out.push_back(char(c));
    } else {
      out.push_back('%');
      out.push_back(kHex[c >> 4]);
      out.push_back(kHex[c & 15]);
    }
  }
  return out;
}

}  // namespace

registry_writer_schemas::registry_writer_schemas(std::string url, std::int64_t timeout_ms)
    : timeout_ms_(timeout_ms) {
  // "http://host:port/base/path" -> "http://host:port" + "/base/path" (+ Basic auth credentials)
  if (auto parts = split_url(url)) {
    scheme_host_port_ = std::move(parts->scheme_host_port);
    base_path_ = std::move(parts->base_path);
    user_ = std::move(parts->user);
    password_ = std::move(parts->password);
    url_ok_ = true;
  }
}

lookup_status registry_writer_schemas::get(const std::string& path, std::string& body,
                                           std::string& error) {
  if (!url_ok_) {
    error = "schema registry URL is not http(s)://host[:port][/path]";
    return lookup_status::unavailable;
  }
  httplib::Client cli(scheme_host_port_);
  if (!user_.empty()) cli.set_basic_auth(user_.c_str(), password_.c_str());
  const auto secs = static_cast<time_t>(timeout_ms_ / 1000);
  const auto usecs = static_cast<time_t>((timeout_ms_ % 1000) * 1000);
  cli.set_connection_timeout(secs, usecs);
  cli.set_read_timeout(secs, usecs);
  cli.set_write_timeout(secs, usecs);
  auto res = cli.Get(base_path_ + path);
  if (!res) {
    error =
        "schema registry " + scheme_host_port_ + " unreachable: " + httplib::to_string(res.error());
    return lookup_status::unavailable;
  }
  if (res->status == 404) {
    error = "schema registry: " + path + " not found (404): " + res->body.substr(0, 200);
    return lookup_status::not_found;
  }
  if (res->status != 200) {
    error = "schema registry: " + path + " answered " + std::to_string(res->status) + ": " +
            res->body.substr(0, 200);
    return lookup_status::unavailable;
  }
  body = std::move(res->body);
  return lookup_status::ok;
}

lookup_status registry_writer_schemas::by_id(std::int32_t id,
                                             std::shared_ptr<const compiled_schema>& out,
                                             std::string& error) {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (auto it = cache_.find(id); it != cache_.end()) {
      out = it->second;
      return lookup_status::ok;
    }
  }
  std::string body;
  const std::string path = "/schemas/ids/" + std::to_string(id);
  if (auto st = get(path, body, error); st != lookup_status::ok) return st;
  std::string schema_text;
  try {
    const auto j = nlohmann::json::parse(body);
    schema_text = j.at("schema").get<std::string>();
    if (j.contains("schemaType") && j.at("schemaType") != "JSON") {
      error = "schema id " + std::to_string(id) + " is of type " +
              j.at("schemaType").get<std::string>() + ", not JSON";
      return lookup_status::not_found;
    }
  } catch (const std::exception& e) {
    error = "schema registry: unparsable answer for " + path + ": " + e.what();
    return lookup_status::unavailable;
  }
  // Subject and version are informative (metadata.schema): a failure here is not fatal.
  std::string subject;
  std::int32_t version = -1;
  std::string versions_body, ignored;
  if (get(path + "/versions", versions_body, ignored) == lookup_status::ok) {
    try {
      const auto j = nlohmann::json::parse(versions_body);
      if (j.is_array() && !j.empty()) {
        subject = j.at(0).value("subject", "");
        version = j.at(0).value("version", -1);
      }
    } catch (const std::exception&) {
    }
  }
  std::shared_ptr<const compiled_schema> compiled;
  try {
    compiled = compiled_schema::compile(schema_text, id, version, subject);
  } catch (const std::exception& e) {
    error = "schema id " + std::to_string(id) + " does not compile: " + e.what();
    return lookup_status::not_found;
  }
  std::lock_guard<std::mutex> lock(mutex_);
  out = cache_.emplace(id, std::move(compiled)).first->second;
  return lookup_status::ok;
}

lookup_status registry_writer_schemas::latest(const std::string& subject, subject_version& out,
                                              std::string& error) {
  std::string body;
  const std::string path = "/subjects/" + percent_encode(subject) + "/versions/latest";
  if (auto st = get(path, body, error); st != lookup_status::ok) return st;
  try {
    const auto j = nlohmann::json::parse(body);
    out.subject = j.value("subject", subject);
    out.id = j.at("id").get<std::int32_t>();
    out.version = j.value("version", -1);
    out.schema = j.value("schema", "");
  } catch (const std::exception& e) {
    error = "schema registry: unparsable answer for " + path + ": " + e.what();
    return lookup_status::unavailable;
  }
  return lookup_status::ok;
}

std::size_t registry_writer_schemas::cached() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return cache_.size();
}

}  // namespace clickstream
