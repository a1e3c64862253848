// The MinIO JavaScript SDK (npm `minio`) against a running Strata named by STRATA_ENDPOINT,
// STRATA_ROOT_ACCESS_KEY and STRATA_ROOT_SECRET_KEY (tests/clients/run_with_server.py sets them).
// Run with `node --test`. The client is configured as a user would for an S3-compatible server:
// endpoint, port, keys, path-style; no region, so minio-js asks the server (GetBucketLocation).
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { randomBytes, createHash } from "node:crypto";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import http from "node:http";
import https from "node:https";
import { tmpdir } from "node:os";
import path from "node:path";
import { Readable } from "node:stream";
import * as Minio from "minio";

const MiB = 1024 * 1024;
const { STRATA_ENDPOINT, STRATA_ROOT_ACCESS_KEY, STRATA_ROOT_SECRET_KEY } = process.env;

let mc;
let tmp;
const stamp = Date.now();
const bucket = `minio-js-${stamp}`;
const versionedBucket = `minio-js-ver-${stamp}`;

const md5 = (data) => createHash("md5").update(data).digest("hex");

async function readAll(stream) {
  const chunks = [];
  for await (const c of stream) chunks.push(c);
  return Buffer.concat(chunks);
}

async function getBytes(key, opts) {
  return readAll(await mc.getObject(bucket, key, opts));
}

// Every entry of a listObjectsV2 stream: { name, size, etag, lastModified } or { prefix, size }.
async function listV2(prefix, recursive, b = bucket) {
  const entries = [];
  for await (const e of mc.listObjectsV2(b, prefix, recursive)) entries.push(e);
  return entries;
}

// A stream that yields `data` in 64 KiB pieces, like a file or socket would.
function chunked(data) {
  return Readable.from(
    (function* () {
      for (let i = 0; i < data.length; i += 64 * 1024) yield data.subarray(i, i + 64 * 1024);
    })(),
  );
}

function clientOptions(url) {
  return {
    endPoint: url.hostname,
    port: Number(url.port),
    useSSL: url.protocol === "https:",
    accessKey: STRATA_ROOT_ACCESS_KEY,
    secretKey: STRATA_ROOT_SECRET_KEY,
    pathStyle: true,
  };
}

function oneShotClient() {
  const url = new URL(STRATA_ENDPOINT);
  const Agent = url.protocol === "https:" ? https.Agent : http.Agent;
  return new Minio.Client({ ...clientOptions(url), transportAgent: new Agent({ keepAlive: false }) });
}

before(async () => {
  assert.ok(
    STRATA_ENDPOINT && STRATA_ROOT_ACCESS_KEY && STRATA_ROOT_SECRET_KEY,
    "STRATA_ENDPOINT, STRATA_ROOT_ACCESS_KEY and STRATA_ROOT_SECRET_KEY must be set: " +
      "run through tests/clients/run_with_server.py (ctest -R clients_js does)",
  );
  const url = new URL(STRATA_ENDPOINT);
  mc = new Minio.Client({
    ...clientOptions(url),
    // The default (64 MiB) would send 12 MiB in one PUT: 5 MiB parts make it multipart.
    partSize: 5 * MiB,
  });
  tmp = await mkdtemp(path.join(tmpdir(), "strata-minio-js-"));
  await mc.makeBucket(bucket);
});

after(async () => {
  if (tmp) await rm(tmp, { recursive: true, force: true });
  if (!mc) return;
  for (const b of [bucket, versionedBucket]) {
    if (!(await mc.bucketExists(b))) continue;
    // Every version and delete marker (a plain bucket lists each key once, version "null").
    const all = [];
    for await (const o of mc.listObjects(b, "", true, { IncludeVersion: true })) {
      all.push(o.versionId ? { name: o.name, versionId: o.versionId } : o.name);
    }
    if (all.length) await mc.removeObjects(b, all);
    await mc.removeBucket(b);
  }
});

test("makeBucket, bucketExists and listBuckets see the bucket; re-creating it in us-east-1 succeeds", async () => {
  assert.equal(await mc.bucketExists(bucket), true);
  assert.equal(await mc.bucketExists(`${bucket}-none`), false);
  const buckets = await mc.listBuckets();
  const mine = buckets.find((b) => b.name === bucket);
  assert.ok(mine, `${bucket} not in ${JSON.stringify(buckets)}`);
  assert.ok(mine.creationDate instanceof Date && !isNaN(mine.creationDate));
  assert.ok(Math.abs(mine.creationDate - Date.now()) < 10 * 60 * 1000, `${mine.creationDate}`);
  // AWS's us-east-1 legacy (S3 CreateBucket errors): re-creating a bucket you own answers 200
  // there, BucketAlreadyOwnedByYou (409) in every other region. minio-js defaults to us-east-1.
  await mc.makeBucket(bucket);
  assert.equal(await mc.bucketExists(bucket), true);
});

test("putObject of a string and of a Buffer stores the bytes with their MD5 as ETag", async () => {
  const text = "hello from minio-js \u00e9\u00e8\n";
  const put1 = await mc.putObject(bucket, "put/string.txt", text);
  assert.equal(put1.etag, md5(Buffer.from(text)));
  assert.equal((await getBytes("put/string.txt")).toString(), text);

  const data = randomBytes(300 * 1024 + 7);
  const put2 = await mc.putObject(bucket, "put/buffer.bin", data);
  assert.equal(put2.etag, md5(data));
  const st = await mc.statObject(bucket, "put/buffer.bin");
  assert.equal(st.size, data.length);
  assert.equal(st.etag, md5(data));
  assert.ok((await getBytes("put/buffer.bin")).equals(data), "Buffer body differs");
});

test("putObject of a 12 MiB stream is a 3-part multipart upload whose bytes round-trip", async () => {
  const data = randomBytes(12 * MiB + 3);
  const res = await mc.putObject(bucket, "big/stream.bin", chunked(data), data.length, {
    "Content-Type": "application/x-big",
  });
  // The multipart ETag: MD5 of the parts' binary MD5s, "-" and the part count. (minio-js 8.0.7
  // numbers its parts 2, 3, 4: S3 allows gaps, and the ETag depends only on the parts' order.)
  const parts = [0, 5 * MiB, 10 * MiB].map((o) => createHash("md5").update(data.subarray(o, o + 5 * MiB)).digest());
  assert.equal(res.etag, `${md5(Buffer.concat(parts))}-3`);
  const st = await mc.statObject(bucket, "big/stream.bin");
  assert.equal(st.size, data.length);
  assert.equal(st.etag, res.etag);
  assert.equal(st.metaData["content-type"], "application/x-big");
  const back = await getBytes("big/stream.bin");
  assert.equal(back.length, data.length);
  assert.ok(back.equals(data), "multipart body differs");
  // No upload left behind.
  const pending = [];
  for await (const u of mc.listIncompleteUploads(bucket, "big/", true)) pending.push(u);
  assert.deepEqual(pending, []);
});

test("fPutObject uploads a file with a type from its extension and fGetObject writes it back", async () => {
  const json = Buffer.from(JSON.stringify({ strata: true, n: [1, 2, 3] }));
  const src = path.join(tmp, "doc.json");
  await writeFile(src, json);
  const up = await mc.fPutObject(bucket, "files/doc.json", src, { "x-amz-meta-source": "fput" });
  assert.equal(up.etag, md5(json));
  const st = await mc.statObject(bucket, "files/doc.json");
  assert.equal(st.metaData["content-type"], "application/json");
  assert.equal(st.metaData.source, "fput");
  const dst = path.join(tmp, "doc-back.json");
  await mc.fGetObject(bucket, "files/doc.json", dst);
  assert.ok((await readFile(dst)).equals(json));

  // A file above the part size goes up as multipart too (6 MiB + 1 = 2 parts).
  const big = randomBytes(6 * MiB + 1);
  const bigSrc = path.join(tmp, "big.bin");
  await writeFile(bigSrc, big);
  const bigUp = await mc.fPutObject(bucket, "files/big.bin", bigSrc);
  assert.match(bigUp.etag, /^[0-9a-f]{32}-2$/);
  const bigDst = path.join(tmp, "big-back.bin");
  await mc.fGetObject(bucket, "files/big.bin", bigDst);
  assert.ok((await readFile(bigDst)).equals(big), "fGetObject of the multipart file differs");
});

test("getPartialObject returns the asked byte range", async () => {
  const data = randomBytes(64 * 1024);
  await mc.putObject(bucket, "range/obj.bin", data);
  const range = async (offset, length) =>
    readAll(await mc.getPartialObject(bucket, "range/obj.bin", offset, length));
  assert.ok((await range(1000, 2345)).equals(data.subarray(1000, 3345)));
  assert.ok((await range(60000)).equals(data.subarray(60000)), "open-ended range");
  assert.ok((await range(0, 1)).equals(data.subarray(0, 1)));
});

test("statObject returns content-type and x-amz-meta-* metadata as given", async () => {
  await mc.putObject(bucket, "meta/obj.txt", "metadata", undefined, {
    "Content-Type": "text/x-strata",
    "x-amz-meta-color": "blue",
    "X-Amz-Meta-Count": "42",
    "Cache-Control": "max-age=60",
  });
  const st = await mc.statObject(bucket, "meta/obj.txt");
  assert.equal(st.size, "metadata".length);
  assert.equal(st.etag, md5(Buffer.from("metadata")));
  assert.equal(st.metaData["content-type"], "text/x-strata");
  assert.equal(st.metaData.color, "blue");
  assert.equal(st.metaData.count, "42");
  assert.equal(st.metaData["cache-control"], "max-age=60");
  assert.ok(st.lastModified instanceof Date && !isNaN(st.lastModified));
});

test("getObject and statObject of a missing key reject with NoSuchKey / NotFound", async () => {
  await assert.rejects(mc.getObject(bucket, "nothing/here"), (e) => e.code === "NoSuchKey");
  // HEAD has no body, so minio-js names a 404 from statObject NotFound.
  await assert.rejects(mc.statObject(bucket, "nothing/here"), (e) => e.code === "NotFound");
  await assert.rejects(mc.getObject(`${bucket}-none`, "k"), (e) => e.code === "NoSuchBucket");
});

test("listObjectsV2 by prefix: recursive lists every key, non-recursive folds folders into prefixes", async () => {
  const keys = ["tree/a.txt", "tree/b/1.txt", "tree/b/2.txt", "tree/c/d/3.txt", "tree/z.txt", "treetop.txt"];
  for (const k of keys) await mc.putObject(bucket, k, k);

  const rec = await listV2("tree/", true);
  assert.deepEqual(rec.map((e) => e.name), keys.slice(0, 5));
  for (const e of rec) {
    assert.equal(e.size, e.name.length);
    assert.equal(e.etag, md5(Buffer.from(e.name)));
    assert.ok(e.lastModified instanceof Date);
  }

  // minio-js yields a page's Contents first, then its CommonPrefixes.
  const top = await listV2("tree/", false);
  assert.deepEqual(
    top.map((e) => e.name ?? `prefix:${e.prefix}`),
    ["tree/a.txt", "tree/z.txt", "prefix:tree/b/", "prefix:tree/c/"],
  );
  for (const e of top.filter((x) => x.prefix)) assert.equal(e.size, 0);
  assert.deepEqual((await listV2("tree/c/", false)).map((e) => e.prefix ?? e.name), ["tree/c/d/"]);
  assert.deepEqual((await listV2("tree", false)).map((e) => e.prefix ?? e.name), ["treetop.txt", "tree/"]);
  assert.deepEqual(await listV2("no-such-prefix/", true), []);
});

test("removeObject deletes one key and removeObjects deletes many in one request", async () => {
  const keys = Array.from({ length: 12 }, (_, i) => `rm/${String(i).padStart(2, "0")}`);
  for (const k of keys) await mc.putObject(bucket, k, k);
  await mc.removeObject(bucket, "rm/00");
  await assert.rejects(mc.statObject(bucket, "rm/00"), (e) => e.code === "NotFound");
  // Removing a missing key is not an error in S3.
  await mc.removeObject(bucket, "rm/00");

  const errors = await mc.removeObjects(bucket, [...keys.slice(1), "rm/missing"]);
  assert.deepEqual(errors, []);
  assert.deepEqual(await listV2("rm/", true), []);
});

test("copyObject copies bytes and metadata, honours CopyConditions", async () => {
  const data = randomBytes(10 * 1024);
  const put = await mc.putObject(bucket, "cp/src.bin", data, undefined, { "x-amz-meta-kind": "source" });

  const cond = new Minio.CopyConditions();
  cond.setMatchETag(put.etag);
  const res = await mc.copyObject(bucket, "cp/dst.bin", `/${bucket}/cp/src.bin`, cond);
  assert.equal(res.etag, put.etag);
  assert.ok(res.lastModified instanceof Date && !isNaN(res.lastModified));
  assert.ok((await getBytes("cp/dst.bin")).equals(data));
  assert.equal((await mc.statObject(bucket, "cp/dst.bin")).metaData.kind, "source");

  const ifNoneMatch = new Minio.CopyConditions();
  ifNoneMatch.setMatchETagExcept(put.etag);
  await assert.rejects(
    mc.copyObject(bucket, "cp/never.bin", `/${bucket}/cp/src.bin`, ifNoneMatch),
    (e) => e.code === "PreconditionFailed",
  );
  const wrongEtag = new Minio.CopyConditions();
  wrongEtag.setMatchETag("0123456789abcdef0123456789abcdef");
  await assert.rejects(
    mc.copyObject(bucket, "cp/never.bin", `/${bucket}/cp/src.bin`, wrongEtag),
    (e) => e.code === "PreconditionFailed",
  );
  const future = new Minio.CopyConditions();
  future.setModified(new Date(Date.now() + 24 * 3600 * 1000));
  await assert.rejects(
    mc.copyObject(bucket, "cp/never.bin", `/${bucket}/cp/src.bin`, future),
    (e) => e.code === "PreconditionFailed",
  );
  await assert.rejects(mc.statObject(bucket, "cp/never.bin"), (e) => e.code === "NotFound");

  // The CopySourceOptions / CopyDestinationOptions form, replacing the metadata.
  const v2 = await mc.copyObject(
    new Minio.CopySourceOptions({ Bucket: bucket, Object: "cp/src.bin", MatchETag: put.etag }),
    new Minio.CopyDestinationOptions({
      Bucket: bucket, Object: "cp/dst2.bin",
      MetadataDirective: "REPLACE", UserMetadata: { kind: "copy" },
    }),
  );
  // minio-js takes Etag (and Size) of this form from response headers; S3's CopyObject answers
  // them only in the CopyObjectResult body, so they are empty against AWS as here.
  assert.equal(v2.Bucket, bucket);
  assert.equal(v2.Key, "cp/dst2.bin");
  const st = await mc.statObject(bucket, "cp/dst2.bin");
  assert.equal(st.etag, put.etag);
  assert.equal(st.metaData.kind, "copy");
  assert.equal(st.size, data.length);
});

test("presignedGetObject and presignedPutObject URLs work with fetch()", async () => {
  const data = randomBytes(40 * 1024);
  await mc.putObject(bucket, "presign/get.bin", data);
  const getUrl = await mc.presignedGetObject(bucket, "presign/get.bin", 600);
  const got = await fetch(getUrl);
  assert.equal(got.status, 200);
  assert.ok(Buffer.from(await got.arrayBuffer()).equals(data));
  assert.equal(got.headers.get("etag"), `"${md5(data)}"`);

  // Response-header overrides are part of the signature.
  const dispUrl = await mc.presignedGetObject(bucket, "presign/get.bin", 600, {
    "response-content-disposition": 'attachment; filename="x.bin"',
  });
  const disp = await fetch(dispUrl);
  assert.equal(disp.status, 200);
  assert.equal(disp.headers.get("content-disposition"), 'attachment; filename="x.bin"');
  await disp.arrayBuffer();

  // The URL signs one key: moved to another, it is refused.
  const moved = await fetch(getUrl.replace("presign/get.bin", "presign/other.bin"));
  assert.equal(moved.status, 403);
  assert.match(await moved.text(), /SignatureDoesNotMatch/);

  const body = randomBytes(33 * 1024);
  const putUrl = await mc.presignedPutObject(bucket, "presign/put.bin", 600);
  const put = await fetch(putUrl, { method: "PUT", body });
  assert.equal(put.status, 200, await put.text());
  assert.equal(put.headers.get("etag"), `"${md5(body)}"`);
  assert.ok((await getBytes("presign/put.bin")).equals(body));
});

test("setObjectTagging and getObjectTagging round-trip the tag set", async () => {
  await mc.putObject(bucket, "tags/obj", "tagged");
  await mc.setObjectTagging(bucket, "tags/obj", { project: "strata", "team name": "storage & co" });
  const tags = await mc.getObjectTagging(bucket, "tags/obj");
  assert.deepEqual(
    tags.map((t) => [t.Key, t.Value]).sort(),
    [["project", "strata"], ["team name", "storage & co"]],
  );
  // minio-js 8.0.7's removeObjectTagging never reads the response, so its keep-alive socket stays
  // busy and holds node open until the server's idle timeout (60 s). A client whose agent does
  // not keep connections alive sends "Connection: close", and the server's close frees it.
  await oneShotClient().removeObjectTagging(bucket, "tags/obj");
  assert.deepEqual(await mc.getObjectTagging(bucket, "tags/obj"), []);
});

test("setBucketVersioning keeps old versions readable by versionId", async () => {
  await mc.makeBucket(versionedBucket);
  await mc.setBucketVersioning(versionedBucket, { Status: "Enabled" });
  const cfg = await mc.getBucketVersioning(versionedBucket);
  assert.equal(cfg.Status, "Enabled");

  const v1 = await mc.putObject(versionedBucket, "doc.txt", "version one");
  const v2 = await mc.putObject(versionedBucket, "doc.txt", "version two!");
  assert.ok(v1.versionId && v2.versionId && v1.versionId !== v2.versionId, JSON.stringify([v1, v2]));

  const latest = await readAll(await mc.getObject(versionedBucket, "doc.txt"));
  assert.equal(latest.toString(), "version two!");
  const old = await readAll(await mc.getObject(versionedBucket, "doc.txt", { versionId: v1.versionId }));
  assert.equal(old.toString(), "version one");
  const st = await mc.statObject(versionedBucket, "doc.txt", { versionId: v1.versionId });
  assert.equal(st.versionId, v1.versionId);
  assert.equal(st.size, "version one".length);

  // A plain delete leaves a marker; the versions stay readable by id.
  await mc.removeObject(versionedBucket, "doc.txt");
  await assert.rejects(mc.getObject(versionedBucket, "doc.txt"), (e) => e.code === "NoSuchKey");
  const still = await readAll(await mc.getObject(versionedBucket, "doc.txt", { versionId: v2.versionId }));
  assert.equal(still.toString(), "version two!");
  const versions = [];
  for await (const o of mc.listObjects(versionedBucket, "", true, { IncludeVersion: true })) versions.push(o);
  assert.equal(versions.length, 3, JSON.stringify(versions));
  assert.equal(versions.filter((o) => o.isDeleteMarker).length, 1);
});

test("removeBucket refuses a non-empty bucket and removes an empty one", async () => {
  const b = `minio-js-rb-${stamp}`;
  await mc.makeBucket(b);
  await mc.putObject(b, "k", "v");
  await assert.rejects(mc.removeBucket(b), (e) => e.code === "BucketNotEmpty");
  await mc.removeObject(b, "k");
  await mc.removeBucket(b);
  assert.equal(await mc.bucketExists(b), false);
  await assert.rejects(mc.removeBucket(b), (e) => e.code === "NoSuchBucket");
});
