package io.clickstream.connect.s3;

import java.io.IOException;
import java.net.URI;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.auth.credentials.DefaultCredentialsProvider;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.ResponseBytes;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.awscore.retry.AwsRetryStrategy;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.core.checksums.RequestChecksumCalculation;
import software.amazon.awssdk.core.checksums.ResponseChecksumValidation;
import software.amazon.awssdk.http.apache5.Apache5HttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.S3ClientBuilder;
import software.amazon.awssdk.services.s3.S3Configuration;
import software.amazon.awssdk.services.s3.model.GetObjectResponse;
import software.amazon.awssdk.services.s3.model.HeadObjectResponse;
import software.amazon.awssdk.services.s3.model.NoSuchKeyException;
import software.amazon.awssdk.services.s3.model.S3Exception;

/**
 * {@link ObjectStore} over the AWS SDK v2 S3 client: AWS S3 or any S3-compatible store (endpoint
 * override, path-style addressing). SDK-level retries are off: {@link RetryingObjectStore} retries
 * with its own backoff so the attempts and waits are the sink's configuration.
 */
public final class S3ObjectStore implements ObjectStore {
  private final S3Client s3;
  private final String bucket;
  private final String endpoint;

  public S3ObjectStore(S3SinkConfig config) {
    this.bucket = config.bucket();
    this.endpoint = config.endpoint().isEmpty() ? "AWS S3 (" + config.region() + ")" : config.endpoint();
    AwsCredentialsProvider credentials =
        config.accessKey().isEmpty()
            ? DefaultCredentialsProvider.builder().build()
            : StaticCredentialsProvider.create(
                AwsBasicCredentials.create(config.accessKey(), config.secretKey()));
    S3ClientBuilder builder =
        S3Client.builder()
            .region(Region.of(config.region()))
            .credentialsProvider(credentials)
            // Plain signed bodies (no aws-chunked streaming signatures): every S3-compatible store
            // understands them; the body is in memory anyway.
            .serviceConfiguration(
                S3Configuration.builder()
                    .pathStyleAccessEnabled(config.pathStyle())
                    .chunkedEncodingEnabled(false)
                    .build())
            .httpClientBuilder(
                Apache5HttpClient.builder()
                    .connectionTimeout(Duration.ofSeconds(10))
                    .socketTimeout(Duration.ofMillis(config.apiCallTimeoutMs())))
            .overrideConfiguration(
                o ->
                    o.retryStrategy(AwsRetryStrategy.doNotRetry())
                        .apiCallTimeout(Duration.ofMillis(config.apiCallTimeoutMs())));
    if (config.checksumWhenRequired()) {
      builder
          .requestChecksumCalculation(RequestChecksumCalculation.WHEN_REQUIRED)
          .responseChecksumValidation(ResponseChecksumValidation.WHEN_REQUIRED);
    }
    if (!config.endpoint().isEmpty()) {
      builder.endpointOverride(URI.create(config.endpoint()));
    }
    this.s3 = builder.build();
  }

  @Override
  public void put(String key, byte[] body, String contentType, Map<String, String> metadata)
      throws IOException {
    try {
      s3.putObject(
          r -> r.bucket(bucket).key(key).contentType(contentType).metadata(metadata),
          RequestBody.fromBytes(body));
    } catch (SdkException e) {
      throw new IOException("PUT s3://" + bucket + "/" + key + " failed: " + e.getMessage(), e);
    }
  }

  @Override
  public Optional<Map<String, String>> head(String key) throws IOException {
    try {
      HeadObjectResponse r = s3.headObject(b -> b.bucket(bucket).key(key));
      return Optional.of(r.metadata());
    } catch (NoSuchKeyException e) {
      return Optional.empty();
    } catch (S3Exception e) {
      if (e.statusCode() == 404) {
        return Optional.empty();
      }
      throw new IOException("HEAD s3://" + bucket + "/" + key + " failed: " + e.getMessage(), e);
    } catch (SdkException e) {
      throw new IOException("HEAD s3://" + bucket + "/" + key + " failed: " + e.getMessage(), e);
    }
  }

  @Override
  public Optional<byte[]> get(String key) throws IOException {
    try {
      ResponseBytes<GetObjectResponse> r = s3.getObjectAsBytes(b -> b.bucket(bucket).key(key));
      return Optional.of(r.asByteArray());
    } catch (NoSuchKeyException e) {
      return Optional.empty();
    } catch (S3Exception e) {
      if (e.statusCode() == 404) {
        return Optional.empty();
      }
      throw new IOException("GET s3://" + bucket + "/" + key + " failed: " + e.getMessage(), e);
    } catch (SdkException e) {
      throw new IOException("GET s3://" + bucket + "/" + key + " failed: " + e.getMessage(), e);
    }
  }

  /** A configuration problem found by {@link #checkBucket}: retrying will not help. */
  public static final class BucketConfigException extends IOException {
    private static final long serialVersionUID = 1L;

    BucketConfigException(String message, Throwable cause) {
      super(message, cause);
    }
  }

  /**
   * Checks that the bucket exists and these credentials may use it (HEAD bucket). A refusal by the
   * store (403, 404, 301 wrong region, 400) is a {@link BucketConfigException}; a store that cannot be
   * reached is a plain IOException (it may be down for a moment).
   */
  public void checkBucket() throws IOException {
    try {
      s3.headBucket(b -> b.bucket(bucket));
    } catch (S3Exception e) {
      int code = e.statusCode();
      String why = switch (code) {
        case 403 -> "access denied (check aws.access.key.id / aws.secret.access.key)";
        case 404 -> "no such bucket";
        case 301 -> "the bucket is in another region than s3.region";
        default -> "HTTP " + code;
      };
      String msg = "bucket " + bucket + " at " + endpoint + ": " + why;
      if (code == 403 || code == 404 || code == 301 || code == 400) {
        throw new BucketConfigException(msg, e);
      }
      throw new IOException(msg, e);
    } catch (SdkException e) {
      throw new IOException("bucket " + bucket + " at " + endpoint + " is not reachable: "
          + e.getMessage(), e);
    }
  }

  @Override
  public void close() {
    s3.close();
  }
}
