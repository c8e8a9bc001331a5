package io.clickstream.connect.s3;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.kafka.connect.errors.ConnectException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The AWS SDK client against a small local S3 look-alike (path-style), to pin the requests it sends. */
class S3ObjectStoreTest {
  record Stored(byte[] body, Map<String, List<String>> headers) {}

  HttpServer server;
  final Map<String, Stored> objects = new ConcurrentHashMap<>();
  final AtomicInteger bucketStatus = new AtomicInteger(200);

  @BeforeEach
  void start() throws IOException {
    server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    server.createContext("/", ex -> {
      String path = ex.getRequestURI().getPath();
      String method = ex.getRequestMethod();
      if (!ex.getRequestHeaders().getFirst("Authorization").startsWith("AWS4-HMAC-SHA256 Credential=ak/")) {
        ex.sendResponseHeaders(403, -1);
      } else if (path.equals("/bkt") || path.equals("/bkt/")) {
        ex.sendResponseHeaders(bucketStatus.get(), -1);
      } else if (method.equals("PUT")) {
        objects.put(path, new Stored(ex.getRequestBody().readAllBytes(),
            new HashMap<>(ex.getRequestHeaders())));
        ex.sendResponseHeaders(200, -1);
      } else {
        Stored s = objects.get(path);
        if (s == null) {
          ex.sendResponseHeaders(404, -1);
        } else {
          s.headers().forEach((k, v) -> {
            if (k.toLowerCase().startsWith("x-amz-meta-") || k.equalsIgnoreCase("Content-Type")) {
              ex.getResponseHeaders().put(k, v);
            }
          });
          if (method.equals("HEAD")) {
            ex.getResponseHeaders().set("Content-Length", Integer.toString(s.body().length));
            ex.sendResponseHeaders(200, -1);
          } else {
            ex.sendResponseHeaders(200, s.body().length);
            ex.getResponseBody().write(s.body());
          }
        }
      }
      ex.close();
    });
    server.start();
  }

  @AfterEach
  void stop() {
    server.stop(0);
  }

  S3SinkConfig config(String endpoint, String accessKey) {
    return new S3SinkConfig(Map.of("s3.bucket.name", "bkt", "s3.endpoint", endpoint,
        "s3.path.style.access", "true", "s3.region", "eu-west-1", "aws.access.key.id", accessKey,
        "aws.secret.access.key", "sk"));
  }

  String endpoint() {
    return "http://127.0.0.1:" + server.getAddress().getPort();
  }

  @Test
  void putHeadGetWithPathStyleAndPlainSignedBodies() throws Exception {
    try (S3ObjectStore store = new S3ObjectStore(config(endpoint(), "ak"))) {
      store.checkBucket();
      byte[] body = "{\"a\":1}\n".getBytes();
      store.put("t/dt=2026-11-25/t+0+00000000000000000000.jsonl.gz", body, "application/gzip",
          Map.of("end-offset", "3"));
      Stored s = objects.get("/bkt/t/dt=2026-11-25/t+0+00000000000000000000.jsonl.gz");
      assertArrayEquals(body, s.body(), "path-style key, body as sent");
      Map<String, String> h = new HashMap<>();
      s.headers().forEach((k, v) -> h.put(k.toLowerCase(), v.get(0)));
      assertEquals("application/gzip", h.get("content-type"));
      assertEquals("3", h.get("x-amz-meta-end-offset"));
      assertEquals(Integer.toString(body.length), h.get("content-length"));
      assertNull(h.get("content-encoding"), "no aws-chunked encoding: any S3-compatible store takes it");
      assertFalse(h.containsKey("x-amz-trailer"));
      assertEquals(Map.of("end-offset", "3"),
          store.head("t/dt=2026-11-25/t+0+00000000000000000000.jsonl.gz").orElseThrow());
      assertArrayEquals(body, store.get("t/dt=2026-11-25/t+0+00000000000000000000.jsonl.gz").orElseThrow());
      assertTrue(store.head("missing").isEmpty());
      assertTrue(store.get("missing").isEmpty());
    }
  }

  @Test
  void refusedBucketFailsTheConnectorWithAClearMessage() {
    bucketStatus.set(404);
    S3SinkConnector c = new S3SinkConnector();
    Map<String, String> props = new HashMap<>(Map.of("s3.bucket.name", "bkt", "s3.endpoint",
        endpoint(), "s3.path.style.access", "true", "aws.access.key.id", "ak",
        "aws.secret.access.key", "sk"));
    ConnectException e = assertThrows(ConnectException.class, () -> c.start(props));
    assertTrue(e.getMessage().contains("no such bucket"), e.getMessage());
    props.put("aws.access.key.id", "wrong");
    e = assertThrows(ConnectException.class, () -> c.start(props));
    assertTrue(e.getMessage().contains("access denied"), e.getMessage());
  }

  @Test
  void unreachableOrFailingStoreIsNotAConfigurationError() throws Exception {
    bucketStatus.set(503);
    try (S3ObjectStore store = new S3ObjectStore(config(endpoint(), "ak"))) {
      IOException e = assertThrows(IOException.class, store::checkBucket);
      assertFalse(e instanceof S3ObjectStore.BucketConfigException);
    }
    int freePort;
    try (ServerSocket s = new ServerSocket(0)) {
      freePort = s.getLocalPort();
    }
    try (S3ObjectStore store = new S3ObjectStore(config("http://127.0.0.1:" + freePort, "ak"))) {
      IOException e = assertThrows(IOException.class, store::checkBucket);
      assertFalse(e instanceof S3ObjectStore.BucketConfigException);
      assertInstanceOf(IOException.class, assertThrows(IOException.class, () -> store.head("k")));
    }
    // and the connector starts anyway: its tasks retry
    new S3SinkConnector().start(Map.of("s3.bucket.name", "bkt", "s3.endpoint",
        "http://127.0.0.1:" + freePort, "s3.path.style.access", "true"));
  }
}
