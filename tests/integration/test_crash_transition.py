"""Crash safety of lifecycle transitions (issue 6): SIGKILL the server again and again while its
lifecycle worker re-encodes objects from the nvme tier (2+2) onto the hdd tier (4+2).

After every restart each object reads back exact, its storage class is the old or the new one
(never a torn mix: HEAD, GET and the listing agree), and no object is lost. In the end every
object is on hdd, and one heal pass with grace 0 reclaims what the kills left behind (copies
whose record never switched, old shards whose delete never ran): the nvme drives hold no shard
files and each hdd drive holds exactly one shard per live blob.
"""

import hashlib
import json
import os
import random
import subprocess
import time

import pytest

import own_server
from durability_fixtures import PrivateServer

DAY_S = 1
ROUNDS = 5
MIB = 1024 * 1024
NVME = [f"nvme{i}" for i in range(4)]
HDD = [f"hdd{i}" for i in range(6)]
BUCKET = "crash-transition"


@pytest.fixture
def lifecycle_server(tmp_path):
    if os.environ.get("STRATA_ENDPOINT"):
        pytest.skip("needs to start its own strata-server (STRATA_ENDPOINT is set)")
    # Slow transitions (4 MiB/s) so that kills land in the middle of copies.
    config = tmp_path / "lifecycle.json"
    config.write_text(json.dumps({"lifecycle": {"transition_mb_per_second": 4,
                                                "interval_seconds": 1}}))
    ps = PrivateServer(tmp_path, ["--config", str(config), "--lifecycle-day-seconds", str(DAY_S)])
    ps.start()
    yield ps
    print(ps.log_tail())
    ps.kill()


def md5(data: bytes) -> str:
    return hashlib.md5(data).hexdigest()


def check_all(s3, objects, when):
    """Every object exact, with one storage class seen by HEAD, GET and the listing."""
    listed = {}
    for page in s3.get_paginator("list_objects_v2").paginate(Bucket=BUCKET):
        for o in page.get("Contents", []):
            listed[o["Key"]] = o.get("StorageClass", "STANDARD")
    assert set(listed) == set(objects), f"{when}: listing {sorted(listed)}"
    moved = 0
    for key, (data, etag) in objects.items():
        head = s3.head_object(Bucket=BUCKET, Key=key)
        got = s3.get_object(Bucket=BUCKET, Key=key)
        body = got["Body"].read()
        assert md5(body) == md5(data), f"{when}: {key} bytes differ"
        assert got["ETag"].strip('"') == etag, f"{when}: {key} ETag"
        head_class = head.get("StorageClass", "STANDARD")
        assert head_class in ("STANDARD", "GLACIER"), f"{when}: {key} class {head_class}"
        # The listing was read first: a transition may have finished since, never undone.
        assert (listed[key], head_class) != ("GLACIER", "STANDARD"), f"{when}: {key} went back"
        moved += head_class == "GLACIER"
    return moved


def test_sigkill_during_transitions_loses_nothing_and_leaves_no_garbage(lifecycle_server):
    ps = lifecycle_server
    s3 = ps.s3()
    rng = random.Random(505)
    s3.create_bucket(Bucket=BUCKET)
    objects = {}
    blobs = 0
    for i in range(20):
        data = os.urandom(rng.randrange(256 * 1024, 1536 * 1024))
        etag = s3.put_object(Bucket=BUCKET, Key=f"obj-{i:02d}", Body=data)["ETag"].strip('"')
        objects[f"obj-{i:02d}"] = (data, etag)
        blobs += 1
    for i in range(2):  # multipart objects move part by part: 2 blobs each
        key = f"mp-{i}"
        parts = [os.urandom(5 * MIB), os.urandom(MIB)]
        up = s3.create_multipart_upload(Bucket=BUCKET, Key=key)["UploadId"]
        done = [{"PartNumber": n + 1, "ETag": s3.upload_part(
            Bucket=BUCKET, Key=key, UploadId=up, PartNumber=n + 1, Body=p)["ETag"]}
            for n, p in enumerate(parts)]
        etag = s3.complete_multipart_upload(Bucket=BUCKET, Key=key, UploadId=up,
                                            MultipartUpload={"Parts": done})["ETag"]
        objects[key] = (b"".join(parts), etag.strip('"'))
        blobs += len(parts)
    s3.put_bucket_lifecycle_configuration(Bucket=BUCKET, LifecycleConfiguration={"Rules": [{
        "ID": "to-glacier", "Status": "Enabled", "Filter": {"Prefix": ""},
        "Transitions": [{"Days": 1, "StorageClass": "GLACIER"}]}]})

    progress = []
    for rnd in range(ROUNDS):
        time.sleep(1.5 + rng.random() * 2.5)  # mid-pass: the worker copies at 4 MiB/s
        ps.kill()
        ps.start()
        s3 = ps.s3()
        progress.append(check_all(s3, objects, f"after kill {rnd + 1}"))
    assert progress[0] < len(objects), "every transition finished before the first kill"

    deadline = time.monotonic() + 90
    while check_all(s3, objects, "waiting") < len(objects):
        assert time.monotonic() < deadline, "transitions did not finish after the kills"
        time.sleep(1)

    env = dict(os.environ, STRATA_ROOT_ACCESS_KEY=ps.creds.access_key,
               STRATA_ROOT_SECRET_KEY=ps.creds.secret_key)
    heal = subprocess.run([own_server.binary("strata-admin"), "--endpoint", ps.server.endpoint,
                           "heal", "--wait", "--grace", "0"], env=env, capture_output=True,
                          text=True, timeout=120)
    assert heal.returncode == 0, heal.stdout + heal.stderr + ps.log_tail()
    for d in NVME:
        assert ps.shard_files(d) == [], f"{d} still holds shards after every object moved"
    for d in HDD:
        assert len(ps.shard_files(d)) == blobs, f"{d}: {len(ps.shard_files(d))} != {blobs}"
    check_all(s3, objects, "after the heal")
    print(f"objects on hdd after each kill: {progress}")
