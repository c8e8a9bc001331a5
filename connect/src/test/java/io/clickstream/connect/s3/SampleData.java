package io.clickstream.connect.s3;

import java.nio.file.Files;
import java.nio.file.Path;

/** Finds the real sample data: $CLICKSTREAM_SHARED_DATA_DIR, else ../shared/data beside the repo. */
final class SampleData {
  private SampleData() {}

  static Path file(String name) {
    String env = System.getenv("CLICKSTREAM_SHARED_DATA_DIR");
    if (env != null && Files.isRegularFile(Path.of(env, name))) {
      return Path.of(env, name);
    }
    // Tests run in connect/: the repository root is its parent.
    Path p = Path.of("..", "..", "shared", "data", name).toAbsolutePath().normalize();
    return Files.isRegularFile(p) ? p : null;
  }
}
