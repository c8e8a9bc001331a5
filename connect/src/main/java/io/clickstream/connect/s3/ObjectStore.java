package io.clickstream.connect.s3;

import java.io.IOException;
import java.util.Map;
import java.util.Optional;

/** The few object-store operations the sink needs; {@link S3ObjectStore} is the real one. */
public interface ObjectStore extends AutoCloseable {
  /** Writes (or overwrites) an object with user metadata. */
  void put(String key, byte[] body, String contentType, Map<String, String> metadata)
      throws IOException;

  /** The user metadata of an object (keys in lower case), or empty when there is no such object. */
  Optional<Map<String, String>> head(String key) throws IOException;

  /** The whole object, or empty when there is no such object. */
  Optional<byte[]> get(String key) throws IOException;

  @Override
  default void close() {}
}
