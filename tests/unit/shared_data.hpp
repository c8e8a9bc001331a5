// Where the tests find the real sample: $CLICKSTREAM_SHARED_DATA_DIR when set (worktrees outside
// /work/main), else the path CMake passes (../shared/data relative to the repository root).
#pragma once

#include <cstdlib>
#include <fstream>
#include <memory>
#include <sstream>
#include <string>

#include "runtime/schema_validator.hpp"

namespace clickstream::test {

inline std::string shared_data_file(const char* name) {
  const char* env = std::getenv("CLICKSTREAM_SHARED_DATA_DIR");
  return std::string(env && *env ? env : CLICKSTREAM_SHARED_DATA_DIR) + "/" + name;
}

/// The repository's raw-event schema, compiled (subject acme.clickstream.raw.events-value, id 17,
/// version 4).
inline std::shared_ptr<const compiled_schema> repo_schema() {
  std::ifstream in{std::string{CLICKSTREAM_SOURCE_DIR} +
                   "/schemas/acme.clickstream.raw.events.json"};
  std::ostringstream ss;
  ss << in.rdbuf();
  return compiled_schema::compile(ss.str(), 17, 4, "acme.clickstream.raw.events-value");
}

}  // namespace clickstream::test
