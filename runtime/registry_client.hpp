// Confluent-compatible Schema Registry client (Apicurio's /apis/ccompat/v7 here): fetches the
// latest version of a subject. Blocking (cpp-httplib): call it from a detached actor or thread.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace clickstream {

/// `GET <url>/subjects/<subject>/versions/latest` answers
/// {"subject","version","id","schema","schemaType"}.
struct registry_schema {
  std::string subject;
  std::int32_t version = -1;
  std::int32_t id = -1;
  std::string schema;       ///< the schema document as text
  std::string schema_type;  ///< "JSON" (absent means AVRO in Confluent's API)
};

/// The pieces of a base URL, e.g. http://localhost:8085/apis/ccompat/v7 ->
/// {"http://localhost:8085", "/apis/ccompat/v7"}.
/// Credentials in the URL (https://user:secret@host/...) are taken out of scheme_host_port into
/// user/password (sent as HTTP Basic auth, e.g. a Confluent Cloud API key and secret).
struct url_parts {
  std::string scheme_host_port;
  std::string base_path;  ///< without trailing slash, may be empty
  std::string user;       ///< percent-decoded; empty: no credentials
  std::string password;
};
std::optional<url_parts> split_url(std::string_view url);

/// The URL for logs and error messages: credentials replaced by "***"
/// (https://key:secret@host/x -> https://***@host/x); other URLs unchanged.
std::string redact_url(std::string_view url);

/// Percent-encodes a path segment (subject names may contain anything).
std::string encode_path_segment(std::string_view s);

/// Parses the registry's answer. On error returns nullopt and sets `error`.
std::optional<registry_schema> parse_latest_version(std::string_view body, std::string& error);

class registry_client {
 public:
  registry_client(std::string url, std::int64_t timeout_ms);
  /// Fetches the latest version of `subject`; nullopt with `error` set when the registry is
  /// unreachable, answers non-200 or something unparsable.
  std::optional<registry_schema> fetch_latest(const std::string& subject, std::string& error);
  const std::string& url() const { return url_; }

 private:
  std::string url_;
  std::int64_t timeout_ms_;
};

}  // namespace clickstream
