"""Index loss (issue 6) and retention across index rebuilds (issue 4).

A private server gets buckets with versioning, object lock (GOVERNANCE and COMPLIANCE),
legal hold, object and bucket tags, inline and erasure-coded objects, a multipart object, an
in-progress upload and delete markers. Then the index folder is deleted: the server must refuse
to start, `strata-server --rebuild-index` rebuilds it from the index journal on the drives, and
every version comes back with the same ids, ETags, sizes, storage class, tags, retention and
legal hold, and exact bytes. A second test SIGKILLs the server during concurrent PUTs, deletes
the index, rebuilds, and checks that every acknowledged write is present.
"""

import datetime
import hashlib
import os
import shutil
import signal
import subprocess
import threading
import time

import boto3
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError

import own_server

MIB = 1024 * 1024


def _s3(server):
    return boto3.session.Session().client(
        "s3", endpoint_url=server.http, aws_access_key_id=server.access_key,
        aws_secret_access_key=server.secret_key, region_name="us-east-1",
        config=Config(signature_version="s3v4", s3={"addressing_style": "path"},
                      retries={"total_max_attempts": 1, "mode": "standard"}, read_timeout=60))


def _config():
    # A small segment size so checkpoints (snapshot + segment deletion) happen during the test.
    return {"listen": f"127.0.0.1:{own_server.free_port()}",
            "index_journal": {"copies": 3, "segment_mb": 1}}


def _run_server(tmp, config, *args, timeout=120):
    config_path = tmp / "config.json"
    return subprocess.run([own_server.binary("strata-server"), "--config", str(config_path), *args],
                          capture_output=True, text=True, timeout=timeout)


def _lose_index_and_rebuild(tmp, server, config):
    index = server.data_dir / "index"
    assert index.is_dir()
    shutil.rmtree(index)
    refused = _run_server(tmp, config)
    assert refused.returncode != 0, refused.stdout + refused.stderr
    assert "--rebuild-index" in refused.stderr, refused.stderr
    assert not (server.data_dir / "index" / "CURRENT").exists()
    rebuilt = _run_server(tmp, config, "--rebuild-index")
    assert rebuilt.returncode == 0, rebuilt.stdout + rebuilt.stderr
    assert "the index is complete" in rebuilt.stdout
    return rebuilt.stdout


def _md5(data):
    return hashlib.md5(data).hexdigest()


def _state(s3, buckets):
    """Everything a user can observe about the buckets' versions and uploads."""
    state = {}
    for b in buckets:
        vs = s3.list_object_versions(Bucket=b)
        versions = []
        for v in vs.get("Versions", []):
            key, vid = v["Key"], v["VersionId"]
            entry = {"key": key, "id": vid, "etag": v["ETag"], "size": v["Size"],
                     "class": v.get("StorageClass"), "latest": v["IsLatest"]}
            obj = s3.get_object(Bucket=b, Key=key, VersionId=vid)
            entry["md5"] = _md5(obj["Body"].read())
            entry["lock_mode"] = obj.get("ObjectLockMode")
            entry["retain"] = obj.get("ObjectLockRetainUntilDate")
            entry["hold"] = obj.get("ObjectLockLegalHoldStatus")
            entry["meta"] = obj.get("Metadata")
            entry["tags"] = s3.get_object_tagging(Bucket=b, Key=key, VersionId=vid)["TagSet"]
            versions.append(entry)
        markers = [(m["Key"], m["VersionId"], m["IsLatest"]) for m in vs.get("DeleteMarkers", [])]
        uploads = []
        for u in s3.list_multipart_uploads(Bucket=b).get("Uploads", []):
            parts = s3.list_parts(Bucket=b, Key=u["Key"], UploadId=u["UploadId"]).get("Parts", [])
            uploads.append((u["Key"], u["UploadId"],
                            [(p["PartNumber"], p["ETag"], p["Size"]) for p in parts]))
        try:
            btags = s3.get_bucket_tagging(Bucket=b)["TagSet"]
        except ClientError as e:
            btags = e.response["Error"]["Code"]
        state[b] = {"versions": versions, "markers": markers, "uploads": uploads,
                    "versioning": s3.get_bucket_versioning(Bucket=b).get("Status"),
                    "bucket_tags": btags}
    return state


def test_rebuild_index_restores_versions_tags_retention_and_uploads(tmp_path):
    tmp = tmp_path / "server"
    config = _config()
    server = own_server.start(tmp, config)
    try:
        s3 = _s3(server)
        s3.create_bucket(Bucket="ver")
        s3.put_bucket_versioning(Bucket="ver", VersioningConfiguration={"Status": "Enabled"})
        s3.put_bucket_tagging(Bucket="ver", Tagging={"TagSet": [{"Key": "team", "Value": "ml"}]})
        s3.create_bucket(Bucket="lock", ObjectLockEnabledForBucket=True)
        s3.create_bucket(Bucket="plain")

        for i in range(3):
            s3.put_object(Bucket="ver", Key="small", Body=f"version {i}".encode(),
                          Tagging=f"n={i}", Metadata={"gen": str(i)})
        big = os.urandom(int(1.5 * MIB))
        s3.put_object(Bucket="ver", Key="big", Body=big, Tagging="kind=big")
        s3.put_object(Bucket="ver", Key="cold", Body=os.urandom(300 * 1024),
                      StorageClass="STANDARD_IA")
        s3.put_object(Bucket="ver", Key="gone", Body=b"soon deleted")
        s3.delete_object(Bucket="ver", Key="gone")  # a delete marker

        part1, part2 = os.urandom(5 * MIB), os.urandom(1000)
        mp = s3.create_multipart_upload(Bucket="ver", Key="multi", Tagging="mp=yes")
        e1 = s3.upload_part(Bucket="ver", Key="multi", UploadId=mp["UploadId"], PartNumber=1,
                            Body=part1)["ETag"]
        e2 = s3.upload_part(Bucket="ver", Key="multi", UploadId=mp["UploadId"], PartNumber=2,
                            Body=part2)["ETag"]
        s3.complete_multipart_upload(
            Bucket="ver", Key="multi", UploadId=mp["UploadId"],
            MultipartUpload={"Parts": [{"PartNumber": 1, "ETag": e1}, {"PartNumber": 2, "ETag": e2}]})
        pending = s3.create_multipart_upload(Bucket="plain", Key="pending")
        pending_part1 = os.urandom(5 * MIB)
        pe1 = s3.upload_part(Bucket="plain", Key="pending", UploadId=pending["UploadId"],
                             PartNumber=1, Body=pending_part1)["ETag"]

        until = (datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(days=2)).replace(
            microsecond=0)
        gov = s3.put_object(Bucket="lock", Key="gov", Body=b"governed", ObjectLockMode="GOVERNANCE",
                            ObjectLockRetainUntilDate=until)["VersionId"]
        comp = s3.put_object(Bucket="lock", Key="comp", Body=os.urandom(40 * 1024),
                             ObjectLockMode="COMPLIANCE", ObjectLockRetainUntilDate=until)["VersionId"]
        held = s3.put_object(Bucket="lock", Key="held", Body=b"on hold",
                             ObjectLockLegalHoldStatus="ON")["VersionId"]
        # Enough small objects for the journal to pass its 1 MiB segment size and checkpoint.
        for i in range(150):
            s3.put_object(Bucket="plain", Key=f"many/{i:04d}", Body=os.urandom(12 * 1024))
        for i in range(0, 150, 10):
            s3.delete_object(Bucket="plain", Key=f"many/{i:04d}")

        before = _state(s3, ["ver", "lock", "plain"])
        assert server.stop() == 0
        journal = server.data_dir / "drives" / "nvme0" / "index-journal"
        assert any(p.name.startswith("snapshot-") for p in journal.iterdir()), list(journal.iterdir())

        out = _lose_index_and_rebuild(tmp, server, config)
        assert "buckets:        3" in out, out
        assert "0 missing" in out, out

        server = own_server.start(tmp, config)
        s3 = _s3(server)
        after = _state(s3, ["ver", "lock", "plain"])
        assert after == before
        assert s3.get_object(Bucket="ver", Key="big")["Body"].read() == big
        assert s3.get_object_retention(Bucket="lock", Key="gov", VersionId=gov)["Retention"] == {
            "Mode": "GOVERNANCE", "RetainUntilDate": until}
        assert s3.get_object_retention(Bucket="lock", Key="comp", VersionId=comp)["Retention"][
            "Mode"] == "COMPLIANCE"
        assert s3.get_object_legal_hold(Bucket="lock", Key="held", VersionId=held)["LegalHold"][
            "Status"] == "ON"
        # Locks still hold after the rebuild.
        for key, vid in (("gov", gov), ("comp", comp), ("held", held)):
            with pytest.raises(ClientError) as e:
                s3.delete_object(Bucket="lock", Key=key, VersionId=vid)
            assert e.value.response["Error"]["Code"] == "AccessDenied"
        # The in-progress upload can be completed, with the part uploaded before the loss.
        pe2 = s3.upload_part(Bucket="plain", Key="pending", UploadId=pending["UploadId"],
                             PartNumber=2, Body=b"tail")["ETag"]
        s3.complete_multipart_upload(
            Bucket="plain", Key="pending", UploadId=pending["UploadId"],
            MultipartUpload={"Parts": [{"PartNumber": 1, "ETag": pe1}, {"PartNumber": 2, "ETag": pe2}]})
        assert s3.get_object(Bucket="plain", Key="pending")["Body"].read() == pending_part1 + b"tail"
        # And new writes work on the rebuilt index.
        s3.put_object(Bucket="ver", Key="small", Body=b"after rebuild")
        assert s3.get_object(Bucket="ver", Key="small")["Body"].read() == b"after rebuild"
    finally:
        server.stop()


def test_every_acknowledged_put_survives_sigkill_and_index_loss(tmp_path):
    tmp = tmp_path / "server"
    config = _config()
    server = own_server.start(tmp, config)
    s3 = _s3(server)
    s3.create_bucket(Bucket="crash")
    acked = {}
    lock = threading.Lock()
    stop = threading.Event()

    def writer(t):
        client = _s3(server)
        i = 0
        while not stop.is_set():
            key = f"t{t}/{i}"
            body = os.urandom(4096 if i % 4 else 64 * 1024)
            try:
                client.put_object(Bucket="crash", Key=key, Body=body)
            except Exception:  # the kill: unacknowledged
                return
            with lock:
                acked[key] = _md5(body)
            i += 1

    threads = [threading.Thread(target=writer, args=(t,)) for t in range(8)]
    for th in threads:
        th.start()
    time.sleep(3)
    server.process.send_signal(signal.SIGKILL)
    server.process.wait()
    stop.set()
    for th in threads:
        th.join()
    assert len(acked) > 50

    _lose_index_and_rebuild(tmp, server, config)
    server = own_server.start(tmp, config)
    try:
        s3 = _s3(server)
        for key, digest in acked.items():
            assert _md5(s3.get_object(Bucket="crash", Key=key)["Body"].read()) == digest, key
    finally:
        server.stop()
