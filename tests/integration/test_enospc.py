"""Full drives (issue 6): a private server whose 2+2 nvme tier has two drives on small tmpfs
mounts (8 and 12 MiB; the other two on the ordinary file system) is filled with PUTs.

- One drive full: PUTs still succeed (write quorum 3 of 2+2) and read back exact.
- Two drives full: PUT answers 503 with an S3 XML error, leaves nothing visible and no shard
  behind, the server stays up, and every object stored before still reads back exact.
- After deleting objects, PUT succeeds again.

Needs root (mount); skipped with the reason when mounting is not permitted.
"""

import os
import subprocess
import time

import boto3
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError

import own_server
from s3helpers import data_of, http_status, md5_hex

MIB = 1024 * 1024
SIZE = MIB  # each PUT writes 512 KiB (+ header, CRCs) to every drive of the 2+2 set
SMALL_MIB = {0: 8, 1: 12}  # drive index -> tmpfs size


def _mount(path, mib):
    path.mkdir(parents=True, exist_ok=True)
    r = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={mib}m", "tmpfs", str(path)],
                       capture_output=True, text=True)
    if r.returncode != 0:
        msg = (r.stderr or r.stdout).strip()
        if os.geteuid() != 0 or "permission denied" in msg.lower() or "not permitted" in msg:
            pytest.skip(f"cannot mount a tmpfs here (EPERM): {msg}")
        raise AssertionError(f"mount tmpfs at {path} failed: {msg}")


def _umount(path):
    subprocess.run(["umount", "-l", str(path)], capture_output=True)


@pytest.fixture
def small_drive_server(tmp_path):
    if os.environ.get("STRATA_ENDPOINT"):
        pytest.skip("needs to start its own strata-server (STRATA_ENDPOINT is set)")
    drives = [tmp_path / f"drive{i}" for i in range(4)]
    mounted = []
    server = None
    try:
        for i, mib in SMALL_MIB.items():
            _mount(drives[i], mib)
            mounted.append(drives[i])
        for d in drives:
            d.mkdir(exist_ok=True)
        config = {
            "listen": f"127.0.0.1:{own_server.free_port()}",
            "tiers": [{"name": "nvme", "erasure": "2+2", "drives": [str(d) for d in drives]}],
            "storage_classes": {"STANDARD": "nvme"},
        }
        server = own_server.start(tmp_path / "server", config)
        server.drives = drives
        yield server
        assert server.process.poll() is None, "the server died:\n" + server.log()[-4000:]
    finally:
        if server is not None:
            server.stop()
        for d in mounted:
            _umount(d)


def _s3(server):
    return boto3.session.Session().client(
        "s3", endpoint_url=server.http, aws_access_key_id=server.access_key,
        aws_secret_access_key=server.secret_key, region_name="us-east-1",
        config=Config(signature_version="s3v4", s3={"addressing_style": "path"},
                      retries={"total_max_attempts": 1, "mode": "standard"}, read_timeout=60))


def _free(path):
    st = os.statvfs(path)
    return st.f_bavail * st.f_frsize


def _shards(drive):
    chunks = drive / "chunks"
    return sorted(p for p in chunks.rglob("*") if p.is_file()) if chunks.exists() else []


def _temps(drive):
    tmp = drive / "tmp"
    return sorted(p for p in tmp.rglob("*") if p.is_file()) if tmp.exists() else []


def _check_all(s3, stored):
    for key, data in stored.items():
        got = s3.get_object(Bucket="full", Key=key)
        assert got["Body"].read() == data, f"{key}: bytes differ"
        assert got["ETag"] == f'"{md5_hex(data)}"'


def test_puts_survive_one_full_drive_fail_cleanly_at_two_and_recover(small_drive_server):
    server = small_drive_server
    d = server.drives
    s3 = _s3(server)
    s3.create_bucket(Bucket="full")
    stored = {}
    full_one_at = None
    refused = None
    for i in range(60):  # 8 + 12 MiB at 0.5 MiB per shard: ~40 PUTs at most
        key = f"obj{i:03d}"
        data = data_of(SIZE, seed=i)
        try:
            put = s3.put_object(Bucket="full", Key=key, Body=data)
        except ClientError as e:
            refused = (key, data, e)
            break
        assert put["ETag"] == f'"{md5_hex(data)}"'
        stored[key] = data
        if full_one_at is None and _free(d[0]) < SIZE // 2:
            full_one_at = i
    assert full_one_at is not None, "the 8 MiB drive never filled"
    # PUTs went on after the first drive filled (write quorum 3 of 4).
    after_full = [k for k in stored if int(k[3:]) > full_one_at]
    assert len(after_full) >= 4, f"only {len(after_full)} PUTs succeeded with one drive full"
    assert len(_shards(d[0])) < len(stored), "drive 0 holds a shard of every object: not full?"
    _check_all(s3, stored)

    # Both small drives full: a clean 503 with an S3 error document, nothing visible.
    assert refused is not None, "PUT never failed with two drives full"
    key, data, e = refused
    assert http_status(e) == 503, e.response
    assert e.response["Error"].get("Code"), e.response  # parsed from an S3 XML error
    with pytest.raises(ClientError) as head:
        s3.head_object(Bucket="full", Key=key)
    assert http_status(head.value) == 404
    listed = [o["Key"] for o in s3.list_objects_v2(Bucket="full").get("Contents", [])]
    assert sorted(listed) == sorted(stored)
    # The refused PUT left no shard and no temp file, even on the drives with room.
    for drive in d[2:]:
        assert len(_shards(drive)) == len(stored), drive
        assert _temps(drive) == [], drive
    # On the full drives, reads of objects missing a shard there queue heals that fail with
    # ENOSPC: they may be writing a temp file right now, but must not leave it behind.
    for drive in d[:2]:
        deadline = time.monotonic() + 10
        while _temps(drive) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert _temps(drive) == [], drive
    # A second attempt fails the same way; the server is alive and serves reads.
    with pytest.raises(ClientError) as again:
        s3.put_object(Bucket="full", Key=key, Body=data)
    assert http_status(again.value) == 503
    assert server.process.poll() is None
    _check_all(s3, stored)

    # Deleting objects frees room on both small drives: PUT works again.
    for k in sorted(stored)[: len(stored) // 2]:
        s3.delete_object(Bucket="full", Key=k)
        del stored[k]
    assert _free(d[1]) > 2 * SIZE
    put = s3.put_object(Bucket="full", Key=key, Body=data)
    assert put["ETag"] == f'"{md5_hex(data)}"'
    stored[key] = data
    _check_all(s3, stored)
