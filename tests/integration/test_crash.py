"""Crash rounds beyond PUT (issue 6): SIGKILL the server at a random moment while threads run
multipart uploads and completes, deletes (plain, and by version id in a versioned bucket) and
CopyObject of large (erasure-coded) and small (inline) objects; restart; repeat.

After every restart: each acknowledged write reads back exact (bytes and ETag), each
acknowledged delete is gone, what was in flight is whole or absent (never torn), and
ListObjectsV2 agrees with GET. At the end, one heal pass with grace 0 reclaims every blob the
crashes orphaned: the shard files on the drives are exactly those of the live versions.

Each thread owns its keys, so a key's history is the thread's sequence of operations, of which
only the last can be unacknowledged (the thread stops at its first error).
"""

import hashlib
import json
import os
import random
import subprocess
import threading
import time
from dataclasses import dataclass, field
from typing import Dict, List, Optional, Tuple

import pytest
from botocore.exceptions import ClientError

import own_server
from durability_fixtures import private_server  # noqa: F401 (fixture)
from s3helpers import data_of, http_status

ROUNDS = 8
INLINE = 16 * 1024  # the embedded default's inline threshold: larger bodies become blobs
MIB = 1024 * 1024
NVME = [f"nvme{i}" for i in range(4)]  # STANDARD: 2+2, 4 shard files per blob
HDD = [f"hdd{i}" for i in range(6)]
UB, VB = "crash-plain", "crash-versioned"


def md5(data: bytes) -> str:
    return hashlib.md5(data).hexdigest()


def multipart_etag(parts: List[bytes]) -> str:
    return hashlib.md5(b"".join(hashlib.md5(p).digest() for p in parts)).hexdigest() + \
        f"-{len(parts)}"


def blobs_of(parts: List[bytes]) -> int:
    """Blobs a write of these parts stores (parts up to the inline threshold stay inline)."""
    return sum(1 for p in parts if len(p) > INLINE)


@dataclass
class Write:
    """The content one write (PUT, copy, completion) would leave as a version."""
    data: bytes
    etag: str
    blobs: int


@dataclass
class Model:
    """What the threads did, guarded by `lock`."""
    lock: threading.Lock = field(default_factory=threading.Lock)
    # (bucket, key) -> acknowledged writes in order, and the one in flight at the kill.
    acked: Dict[Tuple[str, str], List[Write]] = field(default_factory=dict)
    pending: Dict[Tuple[str, str], Write] = field(default_factory=dict)
    # Deletes: (bucket, key, version id or "") -> "acked" | "pending".
    deletes: Dict[Tuple[str, str, str], str] = field(default_factory=dict)
    acks: int = 0
    by_etag: Dict[str, Write] = field(default_factory=dict)
    errors: List[str] = field(default_factory=list)  # wrong answers seen by the threads

    def attempt(self, bucket, key, w: Write):
        with self.lock:
            self.pending[(bucket, key)] = w
            self.by_etag[w.etag] = w

    def ack(self, bucket, key):
        with self.lock:
            self.acked.setdefault((bucket, key), []).append(self.pending.pop((bucket, key)))
            self.acks += 1


def client(ps):
    return ps.s3(connect_timeout=2, read_timeout=15)


def multipart_worker(ps, model, rnd, t, stop):
    s3 = client(ps)
    s3.head_bucket(Bucket=UB)
    rng = random.Random(rnd * 100 + t)
    i = 0
    try:
        while not stop.is_set():
            bucket = (UB, VB)[i % 2]
            key = f"r{rnd}/mp{t}/k{i}"
            seed = rnd * 10000 + t * 1000 + i
            if i % 3 == 2:  # two parts: 5 MiB (S3's minimum for all but the last) + an inline one
                parts = [data_of(5 * MIB, seed), data_of(rng.randrange(1, INLINE), seed + 1)]
            else:  # one part, erasure-coded
                parts = [data_of(INLINE + rng.randrange(1, 400_000), seed)]
            model.attempt(bucket, key, Write(b"".join(parts), multipart_etag(parts),
                                             blobs_of(parts)))
            up = s3.create_multipart_upload(Bucket=bucket, Key=key)["UploadId"]
            done = []
            for n, p in enumerate(parts, 1):
                etag = s3.upload_part(Bucket=bucket, Key=key, UploadId=up, PartNumber=n,
                                      Body=p)["ETag"]
                done.append({"PartNumber": n, "ETag": etag})
            r = s3.complete_multipart_upload(Bucket=bucket, Key=key, UploadId=up,
                                             MultipartUpload={"Parts": done})
            model.ack(bucket, key)
            if r["ETag"].strip('"') != multipart_etag(parts):
                model.errors.append(f"{key}: completion answered ETag {r['ETag']}")
            i += 1
    except Exception:  # the server died under us: this operation is unacknowledged
        return


def copy_worker(ps, model, rnd, t, stop, sources):
    """Copies the large and small sources onto three destination keys per bucket, overwriting
    (unversioned: the old blob is retired; versioned: versions pile up)."""
    s3 = client(ps)
    s3.head_bucket(Bucket=UB)
    i = 0
    try:
        while not stop.is_set():
            bucket = (UB, VB)[i % 2]
            key = f"r{rnd}/cp{t}/d{(i // 2) % 3}"
            src_key, src = sources[i % len(sources)]
            model.attempt(bucket, key, Write(src, md5(src), blobs_of([src])))
            r = s3.copy_object(Bucket=bucket, Key=key, CopySource={"Bucket": UB, "Key": src_key})
            model.ack(bucket, key)
            if r["CopyObjectResult"]["ETag"].strip('"') != md5(src):
                model.errors.append(f"{key}: copy answered ETag {r['CopyObjectResult']['ETag']}")
            i += 1
    except Exception:
        return


def delete_worker(ps, model, rnd, stop, victims):
    """Deletes the seeded objects one by one: plain in the unversioned bucket; in the versioned
    one by version id (the older version) or plain (a delete marker)."""
    s3 = client(ps)
    s3.head_bucket(Bucket=UB)
    try:
        for bucket, key, version in victims:
            if stop.is_set():
                return
            with model.lock:
                model.deletes[(bucket, key, version)] = "pending"
            if version:
                s3.delete_object(Bucket=bucket, Key=key, VersionId=version)
            else:
                s3.delete_object(Bucket=bucket, Key=key)
            with model.lock:
                model.deletes[(bucket, key, version)] = "acked"
                model.acks += 1
            time.sleep(random.random() * 0.1)
    except Exception:
        return


def get(s3, bucket, key, version=None) -> Optional[Tuple[bytes, str]]:
    try:
        kw = {"VersionId": version} if version else {}
        r = s3.get_object(Bucket=bucket, Key=key, **kw)
        return r["Body"].read(), r["ETag"].strip('"')
    except ClientError as e:
        assert http_status(e) in (404, 405), e.response
        return None


def versions_of(s3, bucket, key):
    """[(version id, is marker, etag)] of exactly this key, newest first."""
    r = s3.list_object_versions(Bucket=bucket, Prefix=key)
    assert not r.get("IsTruncated")
    out = [(v["VersionId"], False, v["ETag"].strip('"'), v.get("IsLatest"))
           for v in r.get("Versions", []) if v["Key"] == key]
    out += [(m["VersionId"], True, None, m.get("IsLatest"))
            for m in r.get("DeleteMarkers", []) if m["Key"] == key]
    return out


def verify_writes(s3, model, when):
    with model.lock:
        keys = set(model.acked) | set(model.pending)
        acked = {k: list(v) for k, v in model.acked.items()}
        pending = dict(model.pending)
    for bucket, key in sorted(keys):
        done, flying = acked.get((bucket, key), []), pending.get((bucket, key))
        got = get(s3, bucket, key)
        allowed = ([done[-1]] if done else []) + ([flying] if flying else [])
        if got is None:  # writes only add: an acknowledged one never leaves the key empty
            assert not done, f"{when}: acknowledged {bucket}/{key} is gone"
            continue
        body, etag = got
        assert any(body == w.data and etag == w.etag for w in allowed), \
            f"{when}: {bucket}/{key} reads {len(body)} bytes, etag {etag}: torn or stale"
        if bucket == VB:  # every acknowledged write is a version; at most one more (in flight)
            vs = versions_of(s3, bucket, key)
            etags = sorted(v[2] for v in vs if not v[1])
            want = sorted(w.etag for w in done)
            assert etags == want or (flying and etags == sorted(want + [flying.etag])), \
                f"{when}: {bucket}/{key} versions {etags}, acknowledged {want}"
            for vid, marker, etag_v, _ in vs:
                if not marker:
                    b = get(s3, bucket, key, vid)
                    assert b is not None, f"{when}: {bucket}/{key}?versionId={vid} unreadable"
                    assert b == (model.by_etag[etag_v].data, etag_v), f"{when}: {key} {vid} torn"


def verify_deletes(s3, model, seeded, when):
    """seeded: (bucket, key) -> [(version id, data)] as written before the round's chaos."""
    with model.lock:
        deletes = dict(model.deletes)
    for (bucket, key), versions in seeded.items():
        if bucket == UB:
            state = deletes.get((bucket, key, ""))
            got = get(s3, bucket, key)
            if state == "acked":
                assert got is None, f"{when}: deleted {bucket}/{key} is back"
            elif state is None:
                assert got and got[0] == versions[-1][1], f"{when}: {bucket}/{key} lost"
            else:
                assert got is None or got[0] == versions[-1][1], f"{when}: {bucket}/{key} torn"
            continue
        (old_id, old), (new_id, new) = versions
        listed = versions_of(s3, bucket, key)
        ids = {v[0] for v in listed if not v[1]}
        markers = [v for v in listed if v[1]]
        assert new_id in ids, f"{when}: {bucket}/{key}: newer version lost"
        assert get(s3, bucket, key, new_id)[0] == new
        by_id, plain = deletes.get((bucket, key, old_id)), deletes.get((bucket, key, ""))
        if by_id == "acked":
            assert old_id not in ids, f"{when}: {bucket}/{key}?versionId={old_id} is back"
            assert get(s3, bucket, key, old_id) is None
        elif by_id is None:
            assert old_id in ids and get(s3, bucket, key, old_id)[0] == old
        elif old_id in ids:
            assert get(s3, bucket, key, old_id)[0] == old
        latest = get(s3, bucket, key)
        if plain == "acked":
            assert len(markers) == 1 and latest is None, f"{when}: {bucket}/{key}: no marker"
        elif plain is None:
            assert not markers and latest[0] == new
        else:
            assert (len(markers) == 1 and latest is None) or (not markers and latest[0] == new)


def verify_listing(s3, model, when):
    """ListObjectsV2 names exactly the keys GET finds, with their sizes and ETags."""
    for bucket in (UB, VB):
        listed = {}
        for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket):
            for o in page.get("Contents", []):
                listed[o["Key"]] = (o["Size"], o["ETag"].strip('"'))
        for key, (size, etag) in listed.items():
            got = get(s3, bucket, key)
            assert got is not None, f"{when}: listed {bucket}/{key} cannot be read"
            assert (len(got[0]), got[1]) == (size, etag), f"{when}: {bucket}/{key} listing differs"
        with model.lock:
            tracked = {k for (b, k) in set(model.acked) | set(model.pending) if b == bucket}
        for key in tracked - set(listed):
            assert get(s3, bucket, key) is None, f"{when}: {bucket}/{key} readable, not listed"


def seed_round(s3, rnd):
    """Copy sources and delete victims for one round, written before the chaos (all acked)."""
    big, small = data_of(MIB + rnd, 7000 + rnd), data_of(2000 + rnd, 7100 + rnd)
    sources = [(f"r{rnd}/src-big", big), (f"r{rnd}/src-small", small)]
    for k, d in sources:
        s3.put_object(Bucket=UB, Key=k, Body=d)
    seeded, victims = {}, []
    for j in range(6):
        d = data_of(INLINE + 5000 + j, 7200 + rnd * 10 + j) if j % 2 else data_of(900, 7300 + j)
        key = f"r{rnd}/del/u{j}"
        s3.put_object(Bucket=UB, Key=key, Body=d)
        seeded[(UB, key)] = [("", d)]
        victims.append((UB, key, ""))
        key = f"r{rnd}/del/v{j}"
        vs = []
        for n in range(2):
            d = data_of(200_000 + n, 7400 + rnd * 10 + j * 2 + n)
            vs.append((s3.put_object(Bucket=VB, Key=key, Body=d)["VersionId"], d))
        seeded[(VB, key)] = vs
        victims.append((VB, key, vs[0][0] if j % 2 else ""))
    random.Random(rnd).shuffle(victims)
    return sources, seeded, victims


def settle(s3, model):
    """After a verified restart, what was in flight either happened or not: record which, so
    later rounds check it strictly."""
    with model.lock:
        for (bucket, key), w in list(model.pending.items()):
            done = model.acked.get((bucket, key), [])
            if bucket == UB:
                happened = get(s3, bucket, key) == (w.data, w.etag)
            else:
                seen = sum(1 for v in versions_of(s3, bucket, key) if v[2] == w.etag)
                happened = seen > sum(1 for d in done if d.etag == w.etag)
            if happened:
                model.acked.setdefault((bucket, key), []).append(w)
        model.pending.clear()
        for k, state in list(model.deletes.items()):
            if state != "pending":
                continue
            bucket, key, version = k
            if version:
                gone = version not in {v[0] for v in versions_of(s3, bucket, key)}
            else:
                gone = get(s3, bucket, key) is None
            if gone:
                model.deletes[k] = "acked"
            else:
                del model.deletes[k]  # never happened: the object must stay


def live_blobs(s3, model) -> int:
    """Blobs the index references: every non-marker version of every object in both buckets,
    plus the copy sources and seeded objects (identified by ETag)."""
    total = 0
    for bucket in (UB, VB):
        for page in s3.get_paginator("list_object_versions").paginate(Bucket=bucket):
            for v in page.get("Versions", []):
                w = model.by_etag.get(v["ETag"].strip('"'))
                total += w.blobs if w else (1 if v["Size"] > INLINE else 0)
    return total


def shard_files(ps) -> Dict[str, int]:
    return {d: len(ps.shard_files(d)) for d in NVME + HDD}


def test_sigkill_during_multipart_deletes_and_copies_loses_nothing_acknowledged(
        private_server):
    ps = private_server
    s3 = ps.s3()
    s3.create_bucket(Bucket=UB)
    s3.create_bucket(Bucket=VB)
    s3.put_bucket_versioning(Bucket=VB, VersioningConfiguration={"Status": "Enabled"})
    model = Model()
    all_seeded = {}
    rng = random.Random(606)
    started = time.monotonic()
    for rnd in range(ROUNDS):
        sources, seeded, victims = seed_round(s3, rnd)
        all_seeded.update(seeded)
        for _, d in sources:
            model.by_etag[md5(d)] = Write(d, md5(d), blobs_of([d]))
        for vs in seeded.values():
            for _, d in vs:
                model.by_etag[md5(d)] = Write(d, md5(d), blobs_of([d]))
        stop = threading.Event()
        threads = [threading.Thread(target=multipart_worker, args=(ps, model, rnd, t, stop))
                   for t in range(2)]
        threads += [threading.Thread(target=copy_worker, args=(ps, model, rnd, 2, stop, sources)),
                    threading.Thread(target=delete_worker, args=(ps, model, rnd, stop, victims))]
        with model.lock:
            acks_before = model.acks
        for t in threads:
            t.start()
        # Kill once a few operations were acknowledged and others are in flight (bounded).
        want = 3 + rng.randrange(8)
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            with model.lock:
                if model.acks - acks_before >= want:
                    break
            time.sleep(0.01)
        time.sleep(rng.random() * 0.2)
        ps.kill()
        stop.set()
        for t in threads:
            t.join(timeout=60)
        with model.lock:
            assert model.acks > acks_before, f"round {rnd}: nothing acknowledged before the kill"
        ps.start()
        s3 = ps.s3()
        when = f"after kill {rnd + 1}"
        verify_writes(s3, model, when)
        verify_deletes(s3, model, all_seeded, when)
        verify_listing(s3, model, when)
        settle(s3, model)
        assert not model.errors, model.errors

    # Uploads a kill interrupted hold part blobs: abort them, then reclaim every orphan.
    for bucket in (UB, VB):
        for u in s3.list_multipart_uploads(Bucket=bucket).get("Uploads", []):
            s3.abort_multipart_upload(Bucket=bucket, Key=u["Key"], UploadId=u["UploadId"])
    before = shard_files(ps)
    env = dict(os.environ, STRATA_ROOT_ACCESS_KEY=ps.creds.access_key,
               STRATA_ROOT_SECRET_KEY=ps.creds.secret_key)
    admin = own_server.binary("strata-admin")
    heal = subprocess.run([admin, "--endpoint", ps.server.endpoint, "heal", "--wait", "--grace",
                           "0"], env=env, capture_output=True, text=True, timeout=120)
    assert heal.returncode == 0, heal.stdout + heal.stderr + ps.log_tail()
    status = json.loads(subprocess.run(
        [admin, "--endpoint", ps.server.endpoint, "--json", "heal", "status"], env=env,
        capture_output=True, text=True, timeout=30, check=True).stdout)
    after = shard_files(ps)
    live = live_blobs(s3, model)
    assert sum(after[d] for d in HDD) == 0
    for d in NVME:
        assert after[d] == live, \
            f"{d}: {after[d]} shard files, {live} live blobs (before the heal: {before[d]})"
    removed = sum(before.values()) - sum(after.values())
    reclaimed = status["orphans_reclaimed"]
    assert status["orphans_found"] == reclaimed, status
    # Each orphan had 1..4 shard files (a crash mid-commit may have renamed only some).
    assert reclaimed <= removed <= 4 * reclaimed, (status, before, after)
    print(f"crash rounds: {ROUNDS}, orphans reclaimed: {reclaimed} ({removed} shard files), "
          f"live blobs: {live}")
    # Reclaiming touched nothing live.
    verify_writes(s3, model, "after the heal")
    verify_deletes(s3, model, all_seeded, "after the heal")
    verify_listing(s3, model, "after the heal")
    assert time.monotonic() - started < 120
