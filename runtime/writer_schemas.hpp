// Writer schemas by id for the enricher: `GET <registry>/schemas/ids/<id>` (the schema text) and
// `GET <registry>/schemas/ids/<id>/versions` (its subject and version), compiled once and cached by
// id. Also the latest version of a subject (the id the enricher writes into latest records).
// Blocking HTTP (cpp-httplib): called from the enricher's own thread, never per event once cached.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>

#include "runtime/schema_validator.hpp"

namespace clickstream {

enum class lookup_status {
  ok,
  not_found,    // the registry answered 404: the id or subject does not exist (permanent)
  unavailable,  // unreachable, timeout, 5xx, unparsable answer: retry later (transient)
};

class writer_schema_source {
 public:
  virtual ~writer_schema_source() = default;
  // The compiled writer schema of `id`; on failure `error` says why.
  virtual lookup_status by_id(std::int32_t id, std::shared_ptr<const compiled_schema>& out,
                              std::string& error) = 0;
};

struct subject_version {
  std::string subject;
  std::int32_t id = -1;
  std::int32_t version = -1;
  std::string schema;
};

// Thread-safe: one instance can serve a pool of enrichers.
class registry_writer_schemas final : public writer_schema_source {
 public:
  registry_writer_schemas(std::string registry_url, std::int64_t timeout_ms);

  lookup_status by_id(std::int32_t id, std::shared_ptr<const compiled_schema>& out,
                      std::string& error) override;

  // `GET <registry>/subjects/<subject>/versions/latest`.
  lookup_status latest(const std::string& subject, subject_version& out, std::string& error);

  std::size_t cached() const;

 private:
  lookup_status get(const std::string& path, std::string& body, std::string& error);
  std::string scheme_host_port_;
  std::string base_path_;
  bool url_ok_ = false;
  std::string user_;  ///< Basic auth from the URL's userinfo (never logged)
  std::string password_;
  std::int64_t timeout_ms_;
  mutable std::mutex mutex_;
  std::map<std::int32_t, std::shared_ptr<const compiled_schema>> cache_;
};

}  // namespace clickstream
