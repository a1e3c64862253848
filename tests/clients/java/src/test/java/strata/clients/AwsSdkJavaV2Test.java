package strata.clients;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.ResponseBytes;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3AsyncClient;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.CompletedMultipartUpload;
import software.amazon.awssdk.services.s3.model.CompletedPart;
import software.amazon.awssdk.services.s3.model.CreateMultipartUploadResponse;
import software.amazon.awssdk.services.s3.model.Delete;
import software.amazon.awssdk.services.s3.model.DeleteObjectsResponse;
import software.amazon.awssdk.services.s3.model.GetObjectResponse;
import software.amazon.awssdk.services.s3.model.HeadObjectResponse;
import software.amazon.awssdk.services.s3.model.NoSuchKeyException;
import software.amazon.awssdk.services.s3.model.ObjectIdentifier;
import software.amazon.awssdk.services.s3.model.S3Object;
import software.amazon.awssdk.services.s3.model.UploadPartResponse;
import software.amazon.awssdk.transfer.s3.S3TransferManager;
import software.amazon.awssdk.transfer.s3.model.CompletedFileUpload;
import software.amazon.awssdk.transfer.s3.model.UploadFileRequest;

/**
 * The AWS SDK for Java v2 against a running Strata named by STRATA_ENDPOINT,
 * STRATA_ROOT_ACCESS_KEY and STRATA_ROOT_SECRET_KEY (tests/clients/run_with_server.py sets them).
 * Clients are configured as a user does for an S3-compatible server: endpoint override, path
 * style, static keys; SDK defaults otherwise (request checksums included).
 */
class AwsSdkJavaV2Test {
  private static final int MIB = 1024 * 1024;
  private static final String BUCKET = "java-sdk-" + System.currentTimeMillis();
  private static S3Client s3;
  private static S3AsyncClient s3Async;

  @BeforeAll
  static void connect() {
    String endpoint = System.getenv("STRATA_ENDPOINT");
    String ak = System.getenv("STRATA_ROOT_ACCESS_KEY");
    String sk = System.getenv("STRATA_ROOT_SECRET_KEY");
    assertTrue(
        endpoint != null && ak != null && sk != null,
        "STRATA_ENDPOINT, STRATA_ROOT_ACCESS_KEY and STRATA_ROOT_SECRET_KEY must be set: run"
            + " through tests/clients/run_with_server.py (ctest -R clients_java does)");
    var creds = StaticCredentialsProvider.create(AwsBasicCredentials.create(ak, sk));
    s3 =
        S3Client.builder()
            .endpointOverride(URI.create(endpoint))
            .region(Region.US_EAST_1)
            .credentialsProvider(creds)
            .forcePathStyle(true)
            .httpClientBuilder(UrlConnectionHttpClient.builder())
            .overrideConfiguration(o -> o.retryStrategy(r -> r.maxAttempts(1)))
            .build();
    s3Async =
        S3AsyncClient.builder()
            .endpointOverride(URI.create(endpoint))
            .region(Region.US_EAST_1)
            .credentialsProvider(creds)
            .forcePathStyle(true)
            .multipartEnabled(true)
            .multipartConfiguration(m -> m.thresholdInBytes(8L * MIB).minimumPartSizeInBytes(5L * MIB))
            .build();
    s3.createBucket(b -> b.bucket(BUCKET));
  }

  @AfterAll
  static void cleanUp() {
    if (s3 == null) {
      return;
    }
    for (S3Object o : s3.listObjectsV2Paginator(r -> r.bucket(BUCKET)).contents()) {
      s3.deleteObject(r -> r.bucket(BUCKET).key(o.key()));
    }
    s3.deleteBucket(b -> b.bucket(BUCKET));
    s3.close();
    s3Async.close();
  }

  private static byte[] randomBytes(int n, long seed) {
    byte[] b = new byte[n];
    new Random(seed).nextBytes(b);
    return b;
  }

  private static byte[] get(String key) {
    return s3.getObjectAsBytes(r -> r.bucket(BUCKET).key(key)).asByteArray();
  }

  @Test
  void putObjectAndGetObjectRoundTripBodyTypeAndMetadata() throws Exception {
    byte[] data = randomBytes(300 * 1024 + 1, 1);
    s3.putObject(
        r ->
            r.bucket(BUCKET)
                .key("rt/obj.bin")
                .contentType("application/x-test")
                .metadata(Map.of("origin", "java-sdk")),
        RequestBody.fromBytes(data));
    ResponseBytes<GetObjectResponse> got = s3.getObjectAsBytes(r -> r.bucket(BUCKET).key("rt/obj.bin"));
    assertArrayEquals(data, got.asByteArray());
    assertEquals("application/x-test", got.response().contentType());
    assertEquals(Map.of("origin", "java-sdk"), got.response().metadata());
    String md5 = HexFormat.of().formatHex(MessageDigest.getInstance("MD5").digest(data));
    assertEquals("\"" + md5 + "\"", got.response().eTag());
    byte[] range = s3.getObjectAsBytes(r -> r.bucket(BUCKET).key("rt/obj.bin").range("bytes=10-19")).asByteArray();
    assertArrayEquals(java.util.Arrays.copyOfRange(data, 10, 20), range);
  }

  @Test
  void getObjectOfAMissingKeyThrowsNoSuchKey() {
    var e = assertThrows(NoSuchKeyException.class, () -> get("rt/missing"));
    assertEquals(404, e.statusCode());
  }

  @Test
  void listObjectsV2PaginatorVisitsEveryKeyOnce() {
    List<String> want = new ArrayList<>();
    for (int i = 0; i < 7; i++) {
      String key = String.format("list/%02d", i);
      want.add(key);
      s3.putObject(r -> r.bucket(BUCKET).key(key), RequestBody.fromString(key));
    }
    List<String> got = new ArrayList<>();
    var pages = s3.listObjectsV2Paginator(r -> r.bucket(BUCKET).prefix("list/").maxKeys(3));
    int[] pageCount = {0};
    pages.forEach(
        p -> {
          pageCount[0]++;
          p.contents().forEach(o -> got.add(o.key()));
        });
    assertEquals(want, got);
    assertEquals(3, pageCount[0]);
  }

  @Test
  void manualMultipartUploadOfThreePartsReadsBackWhole() {
    byte[] data = randomBytes(11 * MIB + 7, 2);
    CreateMultipartUploadResponse created =
        s3.createMultipartUpload(r -> r.bucket(BUCKET).key("mp/manual.bin"));
    List<CompletedPart> parts = new ArrayList<>();
    for (int n = 1, off = 0; off < data.length; n++, off += 5 * MIB) {
      int len = Math.min(5 * MIB, data.length - off);
      int partNumber = n;
      UploadPartResponse up =
          s3.uploadPart(
              r -> r.bucket(BUCKET).key("mp/manual.bin").uploadId(created.uploadId()).partNumber(partNumber),
              RequestBody.fromBytes(java.util.Arrays.copyOfRange(data, off, off + len)));
      parts.add(CompletedPart.builder().partNumber(partNumber).eTag(up.eTag())
          .checksumCRC32(up.checksumCRC32()).build());
    }
    var done =
        s3.completeMultipartUpload(
            r ->
                r.bucket(BUCKET)
                    .key("mp/manual.bin")
                    .uploadId(created.uploadId())
                    .multipartUpload(CompletedMultipartUpload.builder().parts(parts).build()));
    assertTrue(done.eTag().endsWith("-3\""), "multipart ETag " + done.eTag());
    assertArrayEquals(data, get("mp/manual.bin"));
  }

  @Test
  void transferManagerUploadsAFileInParts(@TempDir Path tmp) throws Exception {
    byte[] data = randomBytes(13 * MIB + 3, 3);
    Path file = tmp.resolve("upload.bin");
    Files.write(file, data);
    try (S3TransferManager tm = S3TransferManager.builder().s3Client(s3Async).build()) {
      CompletedFileUpload up =
          tm.uploadFile(
                  UploadFileRequest.builder()
                      .putObjectRequest(r -> r.bucket(BUCKET).key("mp/tm.bin"))
                      .source(file)
                      .build())
              .completionFuture()
              .join();
      assertNotNull(up.response().eTag());
      assertTrue(up.response().eTag().matches("\"[0-9a-f]{32}-\\d+\""), "ETag " + up.response().eTag());
    }
    HeadObjectResponse head = s3.headObject(r -> r.bucket(BUCKET).key("mp/tm.bin"));
    assertEquals(data.length, head.contentLength());
    assertArrayEquals(data, get("mp/tm.bin"));
  }

  @Test
  void copyObjectThenDeleteObjectsRemovesEveryKey() {
    s3.putObject(r -> r.bucket(BUCKET).key("cp/src"), RequestBody.fromString("copy me"));
    s3.copyObject(r -> r.sourceBucket(BUCKET).sourceKey("cp/src").destinationBucket(BUCKET).destinationKey("cp/dst"));
    assertArrayEquals("copy me".getBytes(), get("cp/dst"));
    DeleteObjectsResponse out =
        s3.deleteObjects(
            r ->
                r.bucket(BUCKET)
                    .delete(
                        Delete.builder()
                            .objects(
                                ObjectIdentifier.builder().key("cp/src").build(),
                                ObjectIdentifier.builder().key("cp/dst").build())
                            .build()));
    assertEquals(0, out.errors().size(), out.errors().toString());
    assertEquals(2, out.deleted().size());
    assertEquals(0, s3.listObjectsV2(r -> r.bucket(BUCKET).prefix("cp/")).keyCount());
  }
}
