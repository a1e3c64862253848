"""Durability through the real binary (issue 6): degraded reads with drive folders gone, bitrot
in shard files, heal on read, SIGKILL during concurrent PUTs, and PUT below write quorum.

Each test runs its own strata-server on its own data folder (durability_fixtures.py). The
embedded default puts STANDARD objects on the nvme tier, 2+2 over <data>/drives/nvme0..3;
objects over the inline threshold (16 KiB) become one shard file per drive under
<drive>/chunks/.
"""

import hashlib
import random
import threading
import time

import pytest
from botocore.exceptions import ClientError

from durability_fixtures import private_server  # noqa: F401 (fixture)
from s3helpers import data_of, http_status, md5_hex

NVME = ["nvme0", "nvme1", "nvme2", "nvme3"]
SIZES = [16 * 1024 + 1, 100 * 1000, 1024 * 1024 + 123, 3 * 1024 * 1024 + 7]
RANGES = [(0, 0), (1, 99), (16 * 1024 - 3, 16 * 1024 + 3), (65536, 300000), (-1000, None)]


def put_objects(s3, bucket):
    objects = {}
    for i, size in enumerate(SIZES):
        key = f"obj-{i}-{size}"
        data = data_of(size, seed=i)
        put = s3.put_object(Bucket=bucket, Key=key, Body=data)
        assert put["ETag"] == f'"{md5_hex(data)}"'
        objects[key] = data
    return objects


def check_exact(s3, bucket, objects):
    for key, data in objects.items():
        got = s3.get_object(Bucket=bucket, Key=key)
        assert got["Body"].read() == data, f"{key}: bytes differ"
        assert got["ETag"] == f'"{md5_hex(data)}"'
        for start, end in RANGES:
            if start < 0:
                header, want = f"bytes={start}", data[start:]
            else:
                if start >= len(data):
                    continue
                header, want = f"bytes={start}-{end}", data[start:end + 1]
            part = s3.get_object(Bucket=bucket, Key=key, Range=header)
            assert part["Body"].read() == want, f"{key} {header}: bytes differ"


def shard_count(ps):
    return sum(len(ps.shard_files(d)) for d in NVME)


def wait_until(pred, limit_s=10.0):
    deadline = time.monotonic() + limit_s
    while time.monotonic() < deadline:
        if pred():
            return True
        time.sleep(0.05)
    return pred()


@pytest.mark.parametrize("lost,how", [((0, 1), "rename"), ((2, 3), "delete"), ((1, 3), "rename")])
def test_reads_stay_exact_with_two_nvme_drives_chunk_folders_gone(private_server, lost, how):
    ps = private_server
    s3 = ps.s3()
    s3.create_bucket(Bucket="durable")
    objects = put_objects(s3, "durable")
    assert shard_count(ps) == 4 * len(SIZES), "objects over 16 KiB should be shard files"
    for d in lost:
        chunks = ps.drive(NVME[d]) / "chunks"
        if how == "rename":
            chunks.rename(chunks.with_name("chunks.gone"))
        else:
            for f in ps.shard_files(NVME[d]):
                f.unlink()
    check_exact(s3, "durable", objects)
    # Listing and HEAD do not need the shards at all.
    keys = [o["Key"] for o in s3.list_objects_v2(Bucket="durable")["Contents"]]
    assert sorted(keys) == sorted(objects)


def test_reads_stay_exact_with_bytes_flipped_in_shard_files_and_reads_heal_them(private_server):
    ps = private_server
    s3 = ps.s3()
    s3.create_bucket(Bucket="bitrot")
    objects = put_objects(s3, "bitrot")
    originals = {}
    rng = random.Random(6)
    # Every shard file on two of the four drives gets bytes flipped (blocks, CRCs, headers).
    for d in ("nvme0", "nvme2"):
        for f in ps.shard_files(d):
            raw = bytearray(f.read_bytes())
            originals[f] = bytes(raw)
            for pos in (rng.randrange(len(raw)), len(raw) // 2, 5):
                raw[pos] ^= 0x5A
            f.write_bytes(bytes(raw))
    check_exact(s3, "bitrot", objects)
    # The reads found the damage (both drives' shards: nvme0 holds data shard 0, and nvme2's
    # parity is read to rebuild it), and the background healer rewrites every damaged shard
    # from the good ones, byte-for-byte.
    healed = wait_until(lambda: all(f.exists() and f.read_bytes() == originals[f]
                                    for f in originals))
    assert healed, "shards a read found corrupt were not healed within 10 s\n" + ps.log_tail()
    check_exact(s3, "bitrot", objects)


def test_put_below_write_quorum_is_503_and_leaves_nothing_visible(private_server):
    ps = private_server
    s3 = ps.s3()
    s3.create_bucket(Bucket="quorum")
    before = data_of(200 * 1000, seed=9)
    s3.put_object(Bucket="quorum", Key="before", Body=before)
    moved = []
    for d in ("nvme1", "nvme2", "nvme3"):
        drive = ps.drive(d)
        drive.rename(drive.with_name(d + ".removed"))
        moved.append(drive)
    data = data_of(300 * 1000, seed=10)
    with pytest.raises(ClientError) as e:
        s3.put_object(Bucket="quorum", Key="new", Body=data)
    assert http_status(e.value) == 503, e.value.response
    with pytest.raises(ClientError) as e:
        s3.head_object(Bucket="quorum", Key="new")
    assert http_status(e.value) == 404
    keys = [o["Key"] for o in s3.list_objects_v2(Bucket="quorum").get("Contents", [])]
    assert keys == ["before"]
    # One drive of four cannot serve a 2+2 read either: a clear 503, not wrong bytes.
    with pytest.raises(ClientError) as e:
        s3.get_object(Bucket="quorum", Key="before")["Body"].read()
    assert http_status(e.value) == 503
    # The drives come back: writes and reads work again, and the failed PUT left nothing.
    for drive in moved:
        drive.with_name(drive.name + ".removed").rename(drive)
    s3.put_object(Bucket="quorum", Key="new", Body=data)
    assert s3.get_object(Bucket="quorum", Key="new")["Body"].read() == data
    assert s3.get_object(Bucket="quorum", Key="before")["Body"].read() == before
    assert shard_count(ps) == 8


def test_put_with_one_nvme_drive_gone_succeeds_and_reads_exact(private_server):
    ps = private_server
    s3 = ps.s3()
    s3.create_bucket(Bucket="degraded")
    drive = ps.drive("nvme2")
    drive.rename(drive.with_name("nvme2.removed"))
    objects = put_objects(s3, "degraded")  # write quorum for 2+2 is 3
    check_exact(s3, "degraded", objects)


ROUNDS = 5
THREADS = 4
OBJECT_SIZE = 1024 * 1024


def _writer(ps, bucket, round_no, thread_no, stop, acked, attempted, lock):
    s3 = ps.s3(connect_timeout=2, read_timeout=10)
    try:
        s3.head_bucket(Bucket=bucket)  # connect before the clock starts
    except Exception:  # the kill came before this thread got going: it wrote nothing
        return
    i = 0
    while not stop.is_set():
        key = f"r{round_no}/t{thread_no}/k{i}"
        data = data_of(OBJECT_SIZE + thread_no * 1000 + i, seed=round_no * 1000 + thread_no * 100 + i)
        with lock:
            attempted[key] = data
        try:
            put = s3.put_object(Bucket=bucket, Key=key, Body=data)
        except Exception:  # the server died under us: this write is unacknowledged
            return
        with lock:
            acked[key] = put["ETag"].strip('"')
        i += 1


def test_sigkill_during_concurrent_puts_never_loses_or_tears_an_acknowledged_write(
        private_server):
    ps = private_server
    s3 = ps.s3()
    s3.create_bucket(Bucket="crash")
    acked, attempted = {}, {}
    lock = threading.Lock()
    rng = random.Random(66)
    started = time.monotonic()
    for round_no in range(ROUNDS):
        stop = threading.Event()
        threads = [threading.Thread(target=_writer,
                                    args=(ps, "crash", round_no, t, stop, acked, attempted, lock))
                   for t in range(THREADS)]
        for t in threads:
            t.start()
        # Kill once some PUTs were acknowledged and others are in flight (bounded wait).
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline:
            with lock:
                done = sum(1 for k in acked if k.startswith(f"r{round_no}/"))
            if done >= 2 + rng.randrange(6):
                break
            time.sleep(0.01)
        time.sleep(rng.random() * 0.05)
        ps.kill()  # in the middle of the PUTs
        stop.set()
        for t in threads:
            t.join(timeout=30)
        ps.start()
        s3 = ps.s3()
        with lock:
            acked_now, attempted_now = dict(acked), dict(attempted)
        assert any(k.startswith(f"r{round_no}/") for k in acked_now), \
            f"round {round_no}: no PUT was acknowledged before the kill"
        _verify(s3, {k: v for k, v in attempted_now.items() if k.startswith(f"r{round_no}/")},
                acked_now, f"round {round_no}")
    # After all the kills, every acknowledged write of every round is still there and exact.
    _verify(s3, {k: attempted[k] for k in acked}, acked, "at the end")
    assert time.monotonic() - started < 80


def _verify(s3, attempted, acked, when):
    for key, data in attempted.items():
        try:
            got = s3.get_object(Bucket="crash", Key=key)
            body = got["Body"].read()
        except ClientError as e:
            assert http_status(e) == 404, f"{when}: {key}: {e.response}"
            assert key not in acked, f"{when}: acknowledged {key} was lost"
            continue  # never acknowledged and absent: fine
        # Present: it must be whole, the bytes that were written, never torn.
        assert body == data, f"{when}: {key} reads back torn ({len(body)} bytes)"
        etag = got["ETag"].strip('"')
        assert etag == hashlib.md5(data).hexdigest(), f"{when}: {key}"
        if key in acked:
            assert acked[key] == etag, f"{when}: {key}"
