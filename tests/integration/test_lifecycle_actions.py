"""The lifecycle worker (issue 5) on a private server whose lifecycle day lasts 2 seconds:
expiration, expired delete markers, transitions between tiers (checking where the bytes are),
noncurrent expiry keeping the newest N, aborting stale uploads, and object lock respected."""

import hashlib
import os
import pathlib
import time

import boto3
import pytest
import requests
from botocore.exceptions import ClientError

import own_server
from conftest import client_config
from version_helpers import utc_in

DAY_S = 2
WAIT_S = 12 * DAY_S  # a rule due after 1-2 days must act well within this


@pytest.fixture(scope="module")
def lc_server(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("lifecycle")
    server = own_server.start(tmp, {"listen": f"127.0.0.1:{own_server.free_port()}"},
                              args=["--lifecycle-day-seconds", str(DAY_S)])
    yield server
    server.stop()


@pytest.fixture(scope="module")
def s3(lc_server):
    return boto3.session.Session().client(
        "s3", endpoint_url=lc_server.http, aws_access_key_id=lc_server.access_key,
        aws_secret_access_key=lc_server.secret_key, region_name="us-east-1",
        config=client_config())


_counter = [0]


@pytest.fixture
def bucket_name(request):
    _counter[0] += 1
    return f"lc-{_counter[0]}-{os.getpid()}"


def put_rules(s3, bucket, *rules):
    s3.put_bucket_lifecycle_configuration(Bucket=bucket,
                                          LifecycleConfiguration={"Rules": list(rules)})


def rule(rule_id, **actions):
    return {"ID": rule_id, "Status": "Enabled", "Filter": {"Prefix": ""}, **actions}


def wait_for(predicate, what, timeout=WAIT_S):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.25)
    raise AssertionError(f"timed out after {timeout} s waiting for: {what}")


def versions(s3, bucket):
    r = s3.list_object_versions(Bucket=bucket)
    return r.get("Versions", []), r.get("DeleteMarkers", [])


def exists(s3, bucket, key):
    try:
        s3.head_object(Bucket=bucket, Key=key)
        return True
    except ClientError as e:
        if e.response["ResponseMetadata"]["HTTPStatusCode"] == 404:
            return False
        raise


def tier_bytes(data_dir: pathlib.Path, prefix: str) -> int:
    total = 0
    for drive in (data_dir / "drives").glob(prefix + "*"):
        for f in drive.rglob("*"):
            if f.is_file():
                total += f.stat().st_size
    return total


def metric(lc_server, name) -> float:
    text = requests.get(lc_server.http + "/metrics", timeout=5).text
    for line in text.splitlines():
        if line.startswith(name + " "):
            return float(line.split()[1])
    return 0.0


def test_expiration_removes_unversioned_objects_when_due(s3, bucket_name):
    s3.create_bucket(Bucket=bucket_name)
    s3.put_object(Bucket=bucket_name, Key="old", Body=b"x" * 100)
    put_rules(s3, bucket_name, rule("expire", Expiration={"Days": 1}))
    assert exists(s3, bucket_name, "old")  # not before a day has passed
    wait_for(lambda: not exists(s3, bucket_name, "old"), "the object to expire")
    vs, markers = versions(s3, bucket_name)
    assert vs == [] and markers == []


def test_expiration_writes_a_delete_marker_in_versioned_buckets(s3, bucket_name):
    s3.create_bucket(Bucket=bucket_name)
    s3.put_bucket_versioning(Bucket=bucket_name, VersioningConfiguration={"Status": "Enabled"})
    vid = s3.put_object(Bucket=bucket_name, Key="k", Body=b"keep me")["VersionId"]
    put_rules(s3, bucket_name, rule("expire", Expiration={"Days": 1}))
    wait_for(lambda: not exists(s3, bucket_name, "k"), "a delete marker on the key")
    vs, markers = versions(s3, bucket_name)
    assert [v["VersionId"] for v in vs] == [vid]
    assert len(markers) == 1 and markers[0]["IsLatest"]
    body = s3.get_object(Bucket=bucket_name, Key="k", VersionId=vid)["Body"].read()
    assert body == b"keep me"


def test_expired_object_delete_marker_is_removed_when_alone(s3, bucket_name):
    s3.create_bucket(Bucket=bucket_name)
    s3.put_bucket_versioning(Bucket=bucket_name, VersioningConfiguration={"Status": "Enabled"})
    vid = s3.put_object(Bucket=bucket_name, Key="alone", Body=b"a")["VersionId"]
    s3.put_object(Bucket=bucket_name, Key="shadowed", Body=b"b")
    s3.delete_object(Bucket=bucket_name, Key="alone")
    s3.delete_object(Bucket=bucket_name, Key="shadowed")
    s3.delete_object(Bucket=bucket_name, Key="alone", VersionId=vid)  # the marker is now alone
    put_rules(s3, bucket_name,
              rule("markers", Expiration={"ExpiredObjectDeleteMarker": True}))

    def only_shadowed_marker():
        _, markers = versions(s3, bucket_name)
        return [m["Key"] for m in markers] == ["shadowed"]

    wait_for(only_shadowed_marker, "the lone marker to go, the other to stay")
    time.sleep(2 * DAY_S)
    assert only_shadowed_marker()  # a marker with a version behind it is never removed


def test_transition_moves_bytes_from_nvme_to_hdd_and_content_stays_exact(lc_server, s3,
                                                                         bucket_name):
    s3.create_bucket(Bucket=bucket_name)
    payloads = {f"data/{i}": os.urandom(1024 * 1024 + i * 4099) for i in range(4)}
    for key, data in payloads.items():
        s3.put_object(Bucket=bucket_name, Key=key, Body=data)
    s3.put_object(Bucket=bucket_name, Key="hot/keep", Body=b"h" * 200_000)
    nvme_before = tier_bytes(lc_server.data_dir, "nvme")
    hdd_before = tier_bytes(lc_server.data_dir, "hdd")
    moved_before = metric(lc_server, "strata_lifecycle_transitions_total")
    put_rules(s3, bucket_name, {"ID": "cold", "Status": "Enabled", "Filter": {"Prefix": "data/"},
                                "Transitions": [{"Days": 1, "StorageClass": "GLACIER"}]})

    def all_glacier():
        return all(s3.head_object(Bucket=bucket_name, Key=k).get("StorageClass") == "GLACIER"
                   for k in payloads)

    wait_for(all_glacier, "every data/ object to be GLACIER")
    assert s3.head_object(Bucket=bucket_name, Key="hot/keep").get("StorageClass") in (
        None, "STANDARD")
    for key, data in payloads.items():
        got = s3.get_object(Bucket=bucket_name, Key=key)["Body"].read()
        assert hashlib.sha256(got).hexdigest() == hashlib.sha256(data).hexdigest()
    listed = {o["Key"]: o["StorageClass"] for o in
              s3.list_objects_v2(Bucket=bucket_name)["Contents"]}
    assert all(listed[k] == "GLACIER" for k in payloads)
    moved = sum(len(d) for d in payloads.values())
    assert hdd_before + moved <= tier_bytes(lc_server.data_dir, "hdd")
    assert tier_bytes(lc_server.data_dir, "nvme") <= nvme_before - moved
    assert metric(lc_server, "strata_lifecycle_transitions_total") >= moved_before + 4


def test_noncurrent_expiry_keeps_the_newest_noncurrent_versions(s3, bucket_name):
    s3.create_bucket(Bucket=bucket_name)
    s3.put_bucket_versioning(Bucket=bucket_name, VersioningConfiguration={"Status": "Enabled"})
    ids = [s3.put_object(Bucket=bucket_name, Key="ckpt", Body=f"v{i}".encode())["VersionId"]
           for i in range(5)]
    put_rules(s3, bucket_name, rule("nc", NoncurrentVersionExpiration={
        "NoncurrentDays": 1, "NewerNoncurrentVersions": 2}))
    wait_for(lambda: len(versions(s3, bucket_name)[0]) == 3, "two old versions to expire")
    left = [v["VersionId"] for v in versions(s3, bucket_name)[0]]
    assert left == [ids[4], ids[3], ids[2]]


def test_stale_multipart_uploads_are_aborted(s3, bucket_name):
    s3.create_bucket(Bucket=bucket_name)
    upload = s3.create_multipart_upload(Bucket=bucket_name, Key="big")["UploadId"]
    s3.upload_part(Bucket=bucket_name, Key="big", UploadId=upload, PartNumber=1, Body=b"p" * 1000)
    put_rules(s3, bucket_name, rule("abort", AbortIncompleteMultipartUpload={
        "DaysAfterInitiation": 1}))
    wait_for(lambda: not s3.list_multipart_uploads(Bucket=bucket_name).get("Uploads"),
             "the upload to be aborted")
    with pytest.raises(ClientError) as e:
        s3.list_parts(Bucket=bucket_name, Key="big", UploadId=upload)
    assert e.value.response["Error"]["Code"] == "NoSuchUpload"


def test_a_locked_version_is_never_expired(lc_server, s3, bucket_name):
    s3.create_bucket(Bucket=bucket_name, ObjectLockEnabledForBucket=True)
    vid = s3.put_object(Bucket=bucket_name, Key="precious", Body=b"worm",
                        ObjectLockMode="GOVERNANCE",
                        ObjectLockRetainUntilDate=utc_in(3600))["VersionId"]
    skipped_before = metric(lc_server, "strata_lifecycle_skipped_locked_total")
    put_rules(s3, bucket_name, rule("expire-all", Expiration={"Days": 1},
                                    NoncurrentVersionExpiration={"NoncurrentDays": 1}))
    # Current expiry adds a marker on top; noncurrent expiry is then refused by the lock.
    wait_for(lambda: metric(lc_server, "strata_lifecycle_skipped_locked_total") > skipped_before,
             "the worker to meet the lock")
    vs, markers = versions(s3, bucket_name)
    assert [v["VersionId"] for v in vs] == [vid]
    assert len(markers) == 1
    assert s3.get_object(Bucket=bucket_name, Key="precious",
                         VersionId=vid)["Body"].read() == b"worm"
    # Clean up: bypass governance (the test's own credentials are root).
    s3.delete_object(Bucket=bucket_name, Key="precious", VersionId=vid,
                     BypassGovernanceRetention=True)


def test_admin_info_and_metrics_report_lifecycle_counters(lc_server):
    assert metric(lc_server, "strata_lifecycle_passes_total") >= 1
    text = requests.get(lc_server.http + "/metrics", timeout=5).text
    for name in ("expired", "markers_written", "noncurrent_expired", "markers_removed",
                 "transitions", "transition_bytes", "uploads_aborted", "skipped_locked",
                 "errors", "versions_scanned"):
        assert f"strata_lifecycle_{name}_total" in text
