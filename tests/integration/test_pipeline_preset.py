"""`strata-admin pipeline create NAME` (issue 5): one bucket per pipeline stage, configured over
the S3 API; checked bucket by bucket with boto3. --dry-run sends nothing."""

import json
import os
import subprocess
import uuid

import boto3
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError

import own_server
from s3helpers import error_code

STAGES = ["raw", "curated", "checkpoints", "models", "archive"]


def admin(endpoint, access_key, secret_key, *args, timeout=120):
    """Runs strata-admin against `endpoint`; no credentials in its environment when None."""
    env = dict(os.environ)
    env.pop("STRATA_ROOT_ACCESS_KEY", None)
    env.pop("STRATA_ROOT_SECRET_KEY", None)
    if access_key is not None:
        env.update(STRATA_ROOT_ACCESS_KEY=access_key, STRATA_ROOT_SECRET_KEY=secret_key)
    return subprocess.run([own_server.binary("strata-admin"), "--endpoint", endpoint, *args],
                          env=env, capture_output=True, text=True, timeout=timeout)


def run_admin(server, *args, creds=True):
    if not creds:
        return admin(server.endpoint, None, None, *args)
    return admin(server.endpoint, server.creds.access_key, server.creds.secret_key, *args)


@pytest.fixture
def pipeline(s3):
    name = "pl-" + uuid.uuid4().hex[:10]
    yield name
    for stage in STAGES:  # every bucket stays empty, so even the COMPLIANCE one can go
        try:
            s3.delete_bucket(Bucket=f"{name}-{stage}")
        except ClientError:
            pass


def versioning(s3, bucket):
    return s3.get_bucket_versioning(Bucket=bucket).get("Status")


def tags(s3, bucket):
    return {t["Key"]: t["Value"] for t in s3.get_bucket_tagging(Bucket=bucket)["TagSet"]}


def rules(s3, bucket):
    return s3.get_bucket_lifecycle_configuration(Bucket=bucket)["Rules"]


def lock(s3, bucket):
    return s3.get_object_lock_configuration(Bucket=bucket)["ObjectLockConfiguration"]


def check_pipeline(s3, name, raw_days, keep, models_days, archive_days):
    for stage in STAGES:
        assert tags(s3, f"{name}-{stage}") == {"stage": stage, "pipeline": name}

    raw = f"{name}-raw"
    assert versioning(s3, raw) == "Enabled"
    assert rules(s3, raw) == [{"ID": "raw-to-glacier", "Filter": {}, "Status": "Enabled",
                               "Transitions": [{"Days": raw_days, "StorageClass": "GLACIER"}]}]

    curated = f"{name}-curated"
    assert versioning(s3, curated) is None
    with pytest.raises(ClientError) as e:
        rules(s3, curated)
    assert error_code(e.value) == "NoSuchLifecycleConfiguration"

    checkpoints = f"{name}-checkpoints"
    assert versioning(s3, checkpoints) == "Enabled"
    assert rules(s3, checkpoints) == [{
        "ID": "keep-newest-checkpoints", "Filter": {}, "Status": "Enabled",
        "NoncurrentVersionExpiration": {"NoncurrentDays": 1, "NewerNoncurrentVersions": keep},
        "AbortIncompleteMultipartUpload": {"DaysAfterInitiation": 1}}]

    models = f"{name}-models"
    assert versioning(s3, models) == "Enabled"
    assert lock(s3, models) == {"ObjectLockEnabled": "Enabled", "Rule": {
        "DefaultRetention": {"Mode": "GOVERNANCE", "Days": models_days}}}

    archive = f"{name}-archive"
    assert versioning(s3, archive) == "Enabled"
    assert lock(s3, archive) == {"ObjectLockEnabled": "Enabled", "Rule": {
        "DefaultRetention": {"Mode": "COMPLIANCE", "Days": archive_days}}}
    assert rules(s3, archive) == [{"ID": "archive-to-deep-archive", "Filter": {},
                                   "Status": "Enabled",
                                   "Transitions": [{"Days": 0, "StorageClass": "DEEP_ARCHIVE"}]}]


def test_pipeline_create_configures_every_stage(server, s3, pipeline):
    r = run_admin(server, "pipeline", "create", pipeline, "--raw-days", "7",
                  "--keep-checkpoints", "3", "--models-retention-days", "2",
                  "--archive-retention-days", "3")
    assert r.returncode == 0, r.stderr + r.stdout
    lines = r.stdout.splitlines()
    assert lines[0].split()[:2] == ["BUCKET", "CLASS"]
    for stage in STAGES:
        row = next(line for line in lines if line.startswith(f"{pipeline}-{stage} "))
        assert row.rstrip().endswith("created"), row
    check_pipeline(s3, pipeline, raw_days=7, keep=3, models_days=2, archive_days=3)


def test_pipeline_defaults_and_a_second_run_says_exists(server, s3, pipeline):
    r = run_admin(server, "pipeline", "create", pipeline)
    assert r.returncode == 0, r.stderr + r.stdout
    check_pipeline(s3, pipeline, raw_days=30, keep=5, models_days=30, archive_days=365)
    # Again, as JSON, with another --raw-days: every bucket exists and is reconfigured.
    r = run_admin(server, "--json", "pipeline", "create", pipeline, "--raw-days", "60")
    assert r.returncode == 0, r.stderr + r.stdout
    doc = json.loads(r.stdout)
    assert doc["dry_run"] is False
    assert [b["bucket"] for b in doc["buckets"]] == [f"{pipeline}-{s}" for s in STAGES]
    assert {b["status"] for b in doc["buckets"]} == {"exists"}
    archive = doc["buckets"][4]
    assert archive["object_lock"] == {"mode": "COMPLIANCE", "days": 365}
    assert archive["storage_class"] == "DEEP_ARCHIVE"
    check_pipeline(s3, pipeline, raw_days=60, keep=5, models_days=30, archive_days=365)


def test_dry_run_prints_the_plan_and_creates_nothing(server, s3, pipeline):
    r = run_admin(server, "pipeline", "create", pipeline, "--dry-run", creds=False)
    assert r.returncode == 0, r.stderr + r.stdout
    assert "Dry run" in r.stdout
    for stage in STAGES:
        assert f"{pipeline}-{stage}" in r.stdout
    assert "GLACIER after 30d" in r.stdout
    assert "COMPLIANCE 365d" in r.stdout
    r = run_admin(server, "--json", "pipeline", "create", pipeline, "--dry-run")
    assert r.returncode == 0, r.stderr
    doc = json.loads(r.stdout)
    assert doc["dry_run"] is True
    assert {b["status"] for b in doc["buckets"]} == {"planned"}
    names = {b["Name"] for b in s3.list_buckets()["Buckets"]}
    assert not any(n.startswith(pipeline) for n in names)


@pytest.mark.parametrize("args", [
    ["pipeline", "create", "Bad_Name"],
    ["pipeline", "create", "x" * 52],
    ["pipeline", "create", "ok", "--keep-checkpoints", "0"],
    ["pipeline", "create", "ok", "--raw-days", "many"],
    ["pipeline", "create"],
])
def test_bad_pipeline_arguments_are_usage_errors(server, args):
    r = run_admin(server, *args)
    assert r.returncode == 2, r.stdout + r.stderr
    assert "strata-admin:" in r.stderr


@pytest.fixture
def fast_only_server(tmp_path):
    """A private server with one tier and only STANDARD: no class to archive to."""
    drives = [tmp_path / f"drive{i}" for i in range(4)]
    for d in drives:
        d.mkdir()
    config = {"listen": f"127.0.0.1:{own_server.free_port()}",
              "tiers": [{"name": "nvme", "erasure": "2+2", "drives": [str(d) for d in drives]}],
              "storage_classes": {"STANDARD": "nvme"}}
    server = own_server.start(tmp_path / "server", config)
    yield server
    server.stop()


def test_a_bucket_that_cannot_be_configured_is_reported_and_fails(fast_only_server):
    srv = fast_only_server
    s3 = boto3.client("s3", endpoint_url=srv.http, aws_access_key_id=srv.access_key,
                      aws_secret_access_key=srv.secret_key, region_name="us-east-1",
                      config=Config(s3={"addressing_style": "path"}))
    r = admin(srv.http, srv.access_key, srv.secret_key, "pipeline", "create", "fast")
    assert r.returncode == 1, r.stdout + r.stderr
    rows = {line.split()[0]: line for line in r.stdout.splitlines()[1:]}
    # Without a GLACIER or DEEP_ARCHIVE class, the raw and archive lifecycles are refused...
    assert "error: PutBucketLifecycleConfiguration: InvalidStorageClass" in rows["fast-raw"]
    assert "error: PutBucketLifecycleConfiguration: InvalidStorageClass" in rows["fast-archive"]
    # ...and the other stages are configured all the same.
    for stage in ("curated", "checkpoints", "models"):
        assert rows[f"fast-{stage}"].rstrip().endswith("created"), rows
    assert versioning(s3, "fast-checkpoints") == "Enabled"
    assert lock(s3, "fast-models")["Rule"]["DefaultRetention"]["Mode"] == "GOVERNANCE"
