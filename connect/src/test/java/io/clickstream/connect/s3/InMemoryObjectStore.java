package io.clickstream.connect.s3;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.zip.GZIPInputStream;

/** Test double of the object store: a sorted map, with injectable failures. */
final class InMemoryObjectStore implements ObjectStore {
  record Obj(byte[] body, String contentType, Map<String, String> metadata) {}

  final TreeMap<String, Obj> objects = new TreeMap<>();
  int failuresLeft;
  int headFailuresLeft;
  int puts;
  int heads;
  boolean keepMetadata = true;

  @Override
  public synchronized void put(String key, byte[] body, String contentType,
      Map<String, String> metadata) throws IOException {
    if (failuresLeft > 0) {
      failuresLeft--;
      throw new IOException("injected failure");
    }
    puts++;
    objects.put(key, new Obj(body, contentType, keepMetadata ? Map.copyOf(metadata) : Map.of()));
  }

  @Override
  public synchronized Optional<Map<String, String>> head(String key) throws IOException {
    if (headFailuresLeft > 0) {
      headFailuresLeft--;
      throw new IOException("injected failure");
    }
    heads++;
    Obj o = objects.get(key);
    return o == null ? Optional.empty() : Optional.of(o.metadata());
  }

  @Override
  public synchronized Optional<byte[]> get(String key) throws IOException {
    Obj o = objects.get(key);
    return o == null ? Optional.empty() : Optional.of(o.body());
  }

  /** The lines of one object (gunzipped when its name ends in .gz). */
  List<String> lines(String key) throws IOException {
    byte[] b = objects.get(key).body();
    try (InputStream in = key.endsWith(".gz")
        ? new GZIPInputStream(new ByteArrayInputStream(b)) : new ByteArrayInputStream(b)) {
      String text = new String(in.readAllBytes(), StandardCharsets.UTF_8);
      if (text.isEmpty()) {
        return List.of();
      }
      if (!text.endsWith("\n")) {
        throw new AssertionError("object " + key + " does not end with a newline");
      }
      return new ArrayList<>(Arrays.asList(text.substring(0, text.length() - 1).split("\n", -1)));
    }
  }

  /** Every line of every object, objects in key order. */
  List<String> allLines() throws IOException {
    List<String> all = new ArrayList<>();
    for (String k : objects.keySet()) {
      all.addAll(lines(k));
    }
    return all;
  }
}
