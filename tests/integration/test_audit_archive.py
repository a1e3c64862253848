"""The audit log kept in a locked bucket (issue 7): with "archive_bucket", closed audit segments
are copied into a bucket with object lock (COMPLIANCE), byte for byte; the root cannot delete
them, an overwrite only adds a version, `strata-admin audit verify --bucket` checks the chain
from the archive alone, and still does after the local log was tampered with."""

import json
import os
import pathlib
import re
import subprocess
import time
import urllib.request

import pytest
from botocore.exceptions import ClientError

import own_server
from durability_fixtures import PrivateServer

BUCKET = "audit-vault"


def _admin(ps, *args):
    env = dict(os.environ)
    env["STRATA_ROOT_ACCESS_KEY"] = ps.creds.access_key
    env["STRATA_ROOT_SECRET_KEY"] = ps.creds.secret_key
    return subprocess.run([own_server.binary("strata-admin"), "audit", *args],
                          capture_output=True, text=True, timeout=120, env=env)


def _closed_segments(audit_dir: pathlib.Path):
    return sorted(audit_dir.glob("audit-*.log"))[:-1]  # the newest is the live one


def _archived(s3):
    keys = []
    for page in s3.get_paginator("list_objects_v2").paginate(Bucket=BUCKET, Prefix="audit/"):
        keys += [o["Key"] for o in page.get("Contents", [])]
    return keys


def _metric(ps, name):
    text = urllib.request.urlopen(ps.server.endpoint + "/metrics", timeout=10).read().decode()
    m = re.search(rf"^{name} (\S+)$", text, re.M)
    assert m, f"{name} missing from /metrics"
    return float(m.group(1))


def _wait_archived(ps, s3, audit_dir, at_least):
    """Waits until every closed local segment (at least `at_least`) is in the bucket."""
    deadline = time.time() + 30
    while True:
        closed = _closed_segments(audit_dir)
        keys = set(_archived(s3))
        if len(closed) >= at_least and all(f"audit/{p.name}" in keys for p in closed):
            return closed
        assert time.time() < deadline, (
            f"closed={[p.name for p in closed]} archived={sorted(keys)}\n{ps.log_tail()}")
        time.sleep(0.2)


@pytest.fixture
def archived_server(tmp_path):
    if os.environ.get("STRATA_ENDPOINT"):
        pytest.skip("needs to start its own strata-server (STRATA_ENDPOINT is set)")
    config = tmp_path / "strata.json"
    config.write_text(json.dumps({"audit": {"archive_bucket": BUCKET, "segment_kb": 16}}))
    ps = PrivateServer(tmp_path, ["--config", str(config)])
    ps.start()
    yield ps
    print(ps.log_tail())
    ps.kill()


def test_closed_segments_are_archived_locked_and_verifiable_from_the_archive(archived_server):
    ps = archived_server
    s3 = ps.s3()
    audit_dir = ps.data_dir / "audit"
    # Started before the bucket exists: a clear warning, nothing archived, no crash.
    assert "NOT archived" in ps.logs[-1].read_text()

    s3.create_bucket(Bucket=BUCKET, ObjectLockEnabledForBucket=True)
    s3.put_object_lock_configuration(
        Bucket=BUCKET, ObjectLockConfiguration={
            "ObjectLockEnabled": "Enabled",
            "Rule": {"DefaultRetention": {"Mode": "COMPLIANCE", "Days": 1}}})
    s3.create_bucket(Bucket="work")
    # ~400-byte records, 16 KiB segments: 200 writes rotate about five times.
    for i in range(200):
        s3.put_object(Bucket="work", Key=f"obj-{i:04d}", Body=b"x")
    closed = _wait_archived(ps, s3, audit_dir, at_least=3)

    # Byte-identical copies with COMPLIANCE retention; GENESIS alongside; the live one is not.
    for seg in closed:
        key = f"audit/{seg.name}"
        obj = s3.get_object(Bucket=BUCKET, Key=key)
        assert obj["Body"].read() == seg.read_bytes(), key
        assert obj["ContentType"] == "application/x-ndjson"
        assert obj["ObjectLockMode"] == "COMPLIANCE"
    live = sorted(audit_dir.glob("audit-*.log"))[-1]
    assert f"audit/{live.name}" not in _archived(s3)
    genesis = s3.get_object(Bucket=BUCKET, Key="audit/GENESIS")["Body"].read()
    assert genesis == (audit_dir / "GENESIS").read_bytes()
    assert _metric(ps, "strata_audit_archived_segments_total") >= len(closed)
    assert _metric(ps, "strata_audit_archive_failures_total") == 0

    # The root cannot delete an archived version, not even with the governance bypass.
    first_key = f"audit/{closed[0].name}"
    version = s3.head_object(Bucket=BUCKET, Key=first_key)["VersionId"]
    assert s3.get_object_retention(Bucket=BUCKET, Key=first_key,
                                   VersionId=version)["Retention"]["Mode"] == "COMPLIANCE"
    for bypass in (False, True):
        with pytest.raises(ClientError) as e:
            s3.delete_object(Bucket=BUCKET, Key=first_key, VersionId=version,
                             BypassGovernanceRetention=bypass)
        assert e.value.response["Error"]["Code"] == "AccessDenied"

    # A restart archives nothing twice (same ETag: skipped).
    versions_before = len(s3.list_object_versions(Bucket=BUCKET, Prefix="audit/")["Versions"])
    ps.stop()
    ps.start()
    s3 = ps.s3()
    s3.put_object(Bucket="work", Key="after-restart", Body=b"y")
    time.sleep(1)
    assert _metric(ps, "strata_audit_archive_failures_total") == 0
    assert _metric(ps, "strata_audit_archived_segments_total") == 0
    assert len(s3.list_object_versions(Bucket=BUCKET, Prefix="audit/")["Versions"]) == \
        versions_before

    # Overwriting as the root makes a new version; the locked original stays, and verify reads
    # the original.
    s3.put_object(Bucket=BUCKET, Key=first_key, Body=b'{"forged": true}\n')
    versions = [v for v in s3.list_object_versions(Bucket=BUCKET, Prefix=first_key)["Versions"]
                if v["Key"] == first_key]
    assert len(versions) == 2
    old = s3.get_object(Bucket=BUCKET, Key=first_key, VersionId=version)["Body"].read()
    assert old == closed[0].read_bytes()

    r = _admin(ps, "verify", "--bucket", BUCKET, "--endpoint", ps.server.endpoint)
    assert r.returncode == 0, r.stdout + r.stderr
    assert "intact" in r.stdout and f"in {len(_archived(s3)) - 1} segment(s)" in r.stdout, r.stdout
    assert "oldest (locked) one is verified" in r.stdout
    assert _admin(ps, "verify", "--dir", str(audit_dir)).returncode == 0

    # Tamper with a closed local segment: the local log fails, the archive still verifies.
    lines = closed[1].read_text().splitlines()
    lines[2] = lines[2].replace('"status":200', '"status":404')
    closed[1].write_text("\n".join(lines) + "\n")
    local = _admin(ps, "verify", "--dir", str(audit_dir))
    assert local.returncode == 1 and "edited" in local.stdout, local.stdout
    archive = _admin(ps, "verify", "--bucket", BUCKET, "--endpoint", ps.server.endpoint,
                     "--json")
    assert archive.returncode == 0, archive.stdout + archive.stderr
    report = json.loads(archive.stdout)
    assert report["intact"] and report["records"] > 0


def test_without_a_default_rule_segments_get_compliance_retention_of_archive_retain_days(
        archived_server):
    """A lock bucket with no default rule: the archiver sets COMPLIANCE retention itself; and
    verify --bucket on a bucket that is not an audit archive fails clearly."""
    ps = archived_server
    s3 = ps.s3()
    audit_dir = ps.data_dir / "audit"
    s3.create_bucket(Bucket=BUCKET, ObjectLockEnabledForBucket=True)  # no default rule
    s3.create_bucket(Bucket="work")
    for i in range(120):
        s3.put_object(Bucket="work", Key=f"obj-{i:04d}", Body=b"x")
    closed = _wait_archived(ps, s3, audit_dir, at_least=2)
    key = f"audit/{closed[1].name}"
    # No default rule: the archiver set COMPLIANCE itself (archive_retain_days, 365).
    head = s3.head_object(Bucket=BUCKET, Key=key)
    assert head["ObjectLockMode"] == "COMPLIANCE"
    assert head["ObjectLockRetainUntilDate"].timestamp() > time.time() + 300 * 86400

    ok = _admin(ps, "verify", "--bucket", BUCKET, "--endpoint", ps.server.endpoint)
    assert ok.returncode == 0, ok.stdout + ok.stderr
    # A bucket whose objects are not an audit archive is refused clearly.
    bad = _admin(ps, "verify", "--bucket", "work", "--endpoint", ps.server.endpoint)
    assert bad.returncode == 1 and "no audit/GENESIS" in bad.stdout, bad.stdout + bad.stderr
