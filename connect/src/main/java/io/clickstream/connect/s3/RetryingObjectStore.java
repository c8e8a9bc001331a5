package io.clickstream.connect.s3;

import java.io.IOException;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ThreadLocalRandom;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Retries every operation of another store with exponential backoff and jitter: {@code attempts}
 * tries, waits starting at {@code backoffMs}, doubling up to {@code maxBackoffMs}.
 */
public final class RetryingObjectStore implements ObjectStore {
  private static final Logger log = LoggerFactory.getLogger(RetryingObjectStore.class);

  /** How to wait; tests pass one that records instead of sleeping. */
  public interface Sleeper {
    void sleep(long ms) throws InterruptedException;
  }

  private interface Op<T> {
    T run() throws IOException;
  }

  private final ObjectStore inner;
  private final int attempts;
  private final long backoffMs;
  private final long maxBackoffMs;
  private final Sleeper sleeper;

  public RetryingObjectStore(
      ObjectStore inner, int attempts, long backoffMs, long maxBackoffMs, Sleeper sleeper) {
    this.inner = inner;
    this.attempts = Math.max(1, attempts);
    this.backoffMs = backoffMs;
    this.maxBackoffMs = maxBackoffMs;
    this.sleeper = sleeper;
  }

  /** The wait before attempt {@code attempt + 1} (attempt counted from 1), without jitter. */
  long backoff(int attempt) {
    long b = backoffMs;
    for (int i = 1; i < attempt && b < maxBackoffMs; i++) {
      b *= 2;
    }
    return Math.min(b, maxBackoffMs);
  }

  private <T> T retry(String what, Op<T> op) throws IOException {
    IOException last = null;
    for (int attempt = 1; attempt <= attempts; attempt++) {
      try {
        return op.run();
      } catch (IOException e) {
        last = e;
        if (attempt == attempts) {
          break;
        }
        long wait = backoff(attempt);
        long jittered = wait / 2 + ThreadLocalRandom.current().nextLong(wait / 2 + 1);
        log.warn("{} failed (attempt {}/{}), retrying in {} ms: {}", what, attempt, attempts,
            jittered, e.getMessage());
        try {
          sleeper.sleep(jittered);
        } catch (InterruptedException ie) {
          Thread.currentThread().interrupt();
          throw new IOException(what + " interrupted while backing off", e);
        }
      }
    }
    throw new IOException(what + " failed after " + attempts + " attempts: " + last.getMessage(),
        last);
  }

  @Override
  public void put(String key, byte[] body, String contentType, Map<String, String> metadata)
      throws IOException {
    retry("PUT " + key, () -> {
      inner.put(key, body, contentType, metadata);
      return null;
    });
  }

  @Override
  public Optional<Map<String, String>> head(String key) throws IOException {
    return retry("HEAD " + key, () -> inner.head(key));
  }

  @Override
  public Optional<byte[]> get(String key) throws IOException {
    return retry("GET " + key, () -> inner.get(key));
  }

  @Override
  public void close() {
    inner.close();
  }
}
