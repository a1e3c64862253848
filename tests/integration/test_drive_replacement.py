"""Drive replacement (issue 6): a drive swapped for an empty one is recognised, a heal restores
full redundancy onto it, and afterwards losing any other m drives of the set loses nothing.

Both tiers are exercised: STANDARD objects on nvme (2+2) and GLACIER objects on hdd (4+2). The
replaced drives also hold index-journal copies (nvme1 is one of them), so the test checks that
the server starts and stays writable with its journal copies re-seeded.
"""

import hashlib
import os
import shutil
import subprocess

import own_server
from durability_fixtures import private_server  # noqa: F401 (fixture)

MIB = 1024 * 1024


def md5(data: bytes) -> str:
    return hashlib.md5(data).hexdigest()


def put_objects(s3, bucket):
    objects = {}
    for i, size in enumerate([20_000, 300_000, 2 * MIB + 17]):
        for storage_class in ("STANDARD", "GLACIER"):
            key = f"{storage_class.lower()}-{i}"
            data = os.urandom(size)
            s3.put_object(Bucket=bucket, Key=key, Body=data, StorageClass=storage_class)
            objects[key] = data
    parts = [os.urandom(5 * MIB), os.urandom(MIB)]
    up = s3.create_multipart_upload(Bucket=bucket, Key="multipart")["UploadId"]
    done = [{"PartNumber": n + 1, "ETag": s3.upload_part(
        Bucket=bucket, Key="multipart", UploadId=up, PartNumber=n + 1, Body=p)["ETag"]}
        for n, p in enumerate(parts)]
    s3.complete_multipart_upload(Bucket=bucket, Key="multipart", UploadId=up,
                                 MultipartUpload={"Parts": done})
    objects["multipart"] = b"".join(parts)
    return objects


def check_exact(s3, bucket, objects, when):
    for key, data in objects.items():
        body = s3.get_object(Bucket=bucket, Key=key)["Body"].read()
        assert md5(body) == md5(data), f"{when}: {key} differs"
        # A range across a shard block boundary reads exact too.
        if len(data) > 300_000:
            got = s3.get_object(Bucket=bucket, Key=key, Range="bytes=262100-262199")["Body"].read()
            assert got == data[262100:262200], f"{when}: range of {key}"


def heal(ps):
    env = dict(os.environ, STRATA_ROOT_ACCESS_KEY=ps.creds.access_key,
               STRATA_ROOT_SECRET_KEY=ps.creds.secret_key)
    return subprocess.run([own_server.binary("strata-admin"), "--endpoint", ps.server.endpoint,
                           "heal", "--wait", "--grace", "0"], env=env, capture_output=True,
                          text=True, timeout=180)


def replace_with_empty(ps, name):
    drive = ps.drive(name)
    shutil.rmtree(drive)
    drive.mkdir()


def test_after_replacing_a_drive_and_healing_any_other_m_drives_can_go(private_server):
    ps = private_server
    s3 = ps.s3()
    s3.create_bucket(Bucket="replace")
    objects = put_objects(s3, "replace")
    shards_before = {d: len(ps.shard_files(d)) for d in ("nvme1", "hdd2")}
    assert all(n > 0 for n in shards_before.values()), shards_before

    # Swap nvme1 and hdd2 for empty drives while the server is down.
    ps.stop()
    replace_with_empty(ps, "nvme1")
    replace_with_empty(ps, "hdd2")
    ps.start()
    s3 = ps.s3()
    check_exact(s3, "replace", objects, "degraded, before the heal")
    s3.put_object(Bucket="replace", Key="written-degraded", Body=b"x" * 50_000)
    objects["written-degraded"] = b"x" * 50_000

    r = heal(ps)
    assert r.returncode == 0, r.stdout + r.stderr + ps.log_tail()
    for d, n in shards_before.items():
        assert len(ps.shard_files(d)) >= n, f"{d} not refilled: {len(ps.shard_files(d))} < {n}"

    # Now lose m other drives of each set: nvme0 + nvme3 (2 of 2+2), hdd0 + hdd5 (2 of 4+2);
    # nvme0 and hdd0 also held journal copies.
    ps.stop()
    for d in ("nvme0", "nvme3", "hdd0", "hdd5"):
        replace_with_empty(ps, d)  # the whole drive: format, chunks and journal copy
    ps.start()
    s3 = ps.s3()
    check_exact(s3, "replace", objects, "after the heal, with m other drives gone")
    # Still writable: the index journal re-seeded its copies on the replaced drives.
    s3.put_object(Bucket="replace", Key="after-loss", Body=b"y" * 40_000)
    objects["after-loss"] = b"y" * 40_000
    listed = [o["Key"] for o in s3.list_objects_v2(Bucket="replace")["Contents"]]
    assert sorted(listed) == sorted(objects)
    check_exact(s3, "replace", objects, "after writing again")
