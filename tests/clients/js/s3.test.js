// The AWS SDK for JavaScript v3 (@aws-sdk/client-s3, @aws-sdk/lib-storage) against a running
// Strata named by STRATA_ENDPOINT, STRATA_ROOT_ACCESS_KEY and STRATA_ROOT_SECRET_KEY
// (tests/clients/run_with_server.py sets them). Run with `node --test`.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { randomBytes, createHash } from "node:crypto";
import {
  S3Client,
  CreateBucketCommand,
  DeleteBucketCommand,
  PutObjectCommand,
  GetObjectCommand,
  HeadObjectCommand,
  DeleteObjectCommand,
  DeleteObjectsCommand,
  CopyObjectCommand,
  paginateListObjectsV2,
  NoSuchKey,
} from "@aws-sdk/client-s3";
import { Upload } from "@aws-sdk/lib-storage";

const MiB = 1024 * 1024;
const { STRATA_ENDPOINT, STRATA_ROOT_ACCESS_KEY, STRATA_ROOT_SECRET_KEY } = process.env;

let s3;
const bucket = `js-sdk-${Date.now()}`;

before(async () => {
  assert.ok(
    STRATA_ENDPOINT && STRATA_ROOT_ACCESS_KEY && STRATA_ROOT_SECRET_KEY,
    "STRATA_ENDPOINT, STRATA_ROOT_ACCESS_KEY and STRATA_ROOT_SECRET_KEY must be set: " +
      "run through tests/clients/run_with_server.py (ctest -R clients_js does)",
  );
  // What a user writes for an S3-compatible server; SDK defaults otherwise (checksums included).
  s3 = new S3Client({
    endpoint: STRATA_ENDPOINT,
    region: "us-east-1",
    forcePathStyle: true,
    maxAttempts: 1,
    credentials: { accessKeyId: STRATA_ROOT_ACCESS_KEY, secretAccessKey: STRATA_ROOT_SECRET_KEY },
  });
  await s3.send(new CreateBucketCommand({ Bucket: bucket }));
});

after(async () => {
  if (!s3) return;
  for await (const page of paginateListObjectsV2({ client: s3 }, { Bucket: bucket })) {
    for (const o of page.Contents ?? []) {
      await s3.send(new DeleteObjectCommand({ Bucket: bucket, Key: o.Key }));
    }
  }
  await s3.send(new DeleteBucketCommand({ Bucket: bucket }));
  s3.destroy();
});

async function listKeys(prefix) {
  const keys = [];
  for await (const page of paginateListObjectsV2({ client: s3, pageSize: 2 }, { Bucket: bucket, Prefix: prefix })) {
    for (const o of page.Contents ?? []) keys.push(o.Key);
  }
  return keys;
}

async function getBytes(key) {
  const out = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
  return Buffer.from(await out.Body.transformToByteArray());
}

test("PutObject and GetObject round-trip a body, its type and metadata", async () => {
  const data = randomBytes(256 * 1024 + 9);
  await s3.send(
    new PutObjectCommand({
      Bucket: bucket, Key: "rt/data.bin", Body: data,
      ContentType: "application/x-test", Metadata: { origin: "js-sdk" },
    }),
  );
  const out = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: "rt/data.bin" }));
  const body = Buffer.from(await out.Body.transformToByteArray());
  assert.ok(body.equals(data), "body differs");
  assert.equal(out.ContentType, "application/x-test");
  assert.deepEqual(out.Metadata, { origin: "js-sdk" });
  assert.equal(out.ETag, `"${createHash("md5").update(data).digest("hex")}"`);
});

test("GetObject of a missing key rejects with NoSuchKey", async () => {
  await assert.rejects(
    s3.send(new GetObjectCommand({ Bucket: bucket, Key: "rt/missing" })),
    (e) => e instanceof NoSuchKey && e.$metadata.httpStatusCode === 404,
  );
});

test("paginateListObjectsV2 visits every key under a prefix once", async () => {
  const want = [];
  for (let i = 0; i < 5; i++) {
    const key = `list/${i}.txt`;
    want.push(key);
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: key }));
  }
  assert.deepEqual(await listKeys("list/"), want);
});

test("lib-storage Upload sends 12 MiB as multipart in 5 MiB parts", async () => {
  const data = randomBytes(12 * MiB + 1);
  const parts = [];
  const upload = new Upload({
    client: s3,
    params: { Bucket: bucket, Key: "big/upload.bin", Body: data, ContentType: "application/octet-stream" },
    partSize: 5 * MiB,
    queueSize: 2,
    leavePartsOnError: false,
  });
  upload.on("httpUploadProgress", (p) => parts.push(p.part));
  const res = await upload.done();
  assert.match(res.ETag, /-3"$/, `ETag ${res.ETag} is not a 3-part multipart ETag`);
  const head = await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: "big/upload.bin" }));
  assert.equal(head.ContentLength, data.length);
  assert.ok((await getBytes("big/upload.bin")).equals(data), "multipart body differs");
});

test("lib-storage Upload of a stream smaller than one part is a single PutObject", async () => {
  const { Readable } = await import("node:stream");
  const data = randomBytes(100 * 1024);
  const res = await new Upload({
    client: s3, params: { Bucket: bucket, Key: "small/stream.bin", Body: Readable.from([data]) },
  }).done();
  assert.doesNotMatch(res.ETag, /-\d+"$/);
  assert.ok((await getBytes("small/stream.bin")).equals(data));
});

test("CopyObject and DeleteObjects", async () => {
  await s3.send(new PutObjectCommand({ Bucket: bucket, Key: "cp/src", Body: "copy me" }));
  await s3.send(new CopyObjectCommand({ Bucket: bucket, Key: "cp/dst", CopySource: `${bucket}/cp/src` }));
  assert.equal((await getBytes("cp/dst")).toString(), "copy me");
  const out = await s3.send(
    new DeleteObjectsCommand({
      Bucket: bucket,
      Delete: { Objects: [{ Key: "cp/src" }, { Key: "cp/dst" }, { Key: "cp/none" }] },
    }),
  );
  assert.equal(out.Errors?.length ?? 0, 0, JSON.stringify(out.Errors));
  assert.equal(out.Deleted.length, 3);
  assert.deepEqual(await listKeys("cp/"), []);
});
