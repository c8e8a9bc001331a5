// Where the tests find the real sample: $CLICKSTREAM_SHARED_DATA_DIR when set (worktrees outside
// /work/main), else the path CMake passes (../shared/data relative to the repository root).
#pragma once

#include <cstdlib>
#include <string>

namespace clickstream::test {

inline std::string shared_data_file(const char* name) {
  const char* env = std::getenv("CLICKSTREAM_SHARED_DATA_DIR");
  return std::string(env && *env ? env : CLICKSTREAM_SHARED_DATA_DIR) + "/" + name;
}

}  // namespace clickstream::test
