"""The operator's kit (issue 9): `strata-admin drives` and `strata-admin usage` (tables and
--json), and the GET /strata/admin/v1/usage endpoint behind the latter (root only)."""

import json
import os
import subprocess

import pytest

import own_server
from conftest import Creds
from s3helpers import raw_request, xml_error
from version_helpers import delete_all_versions_and_bucket


def _admin(server, *args, timeout=120):
    env = dict(os.environ, STRATA_ROOT_ACCESS_KEY=server.creds.access_key,
               STRATA_ROOT_SECRET_KEY=server.creds.secret_key)
    return subprocess.run([own_server.binary("strata-admin"), "--endpoint", server.endpoint, *args],
                          env=env, capture_output=True, text=True, timeout=timeout)


def _fill(s3, bucket):
    """Two STANDARD objects (nvme) of 100 and 5000 bytes, one GLACIER object (hdd) of 70000."""
    s3.put_object(Bucket=bucket, Key="a", Body=b"x" * 100)
    s3.put_object(Bucket=bucket, Key="dir/b", Body=b"y" * 5000)
    s3.put_object(Bucket=bucket, Key="cold", Body=b"z" * 70000, StorageClass="GLACIER")


def test_usage_endpoint_sums_objects_and_bytes_per_tier(server, s3, bucket):
    _fill(s3, bucket)
    r = raw_request(server, "GET", "/strata/admin/v1/usage")
    assert r.status_code == 200, r.content
    usage = r.json()
    mine = next(b for b in usage["buckets"] if b["name"] == bucket)
    assert mine["tiers"] == {"nvme": {"objects": 2, "bytes": 5100},
                             "hdd": {"objects": 1, "bytes": 70000}}
    assert mine["objects"] == 3 and mine["bytes"] == 75100
    assert mine["current_objects"] == 3 and mine["delete_markers"] == 0
    assert set(usage["tiers"]) == {"nvme", "hdd"}
    assert usage["bytes"] >= 75100


def test_usage_counts_noncurrent_versions_and_delete_markers(server, s3, new_bucket_name):
    bucket = new_bucket_name
    s3.create_bucket(Bucket=bucket)
    try:
        s3.put_bucket_versioning(Bucket=bucket, VersioningConfiguration={"Status": "Enabled"})
        s3.put_object(Bucket=bucket, Key="k", Body=b"1" * 10)
        s3.put_object(Bucket=bucket, Key="k", Body=b"2" * 20)
        s3.delete_object(Bucket=bucket, Key="k")
        usage = raw_request(server, "GET", "/strata/admin/v1/usage").json()
        mine = next(b for b in usage["buckets"] if b["name"] == bucket)
        assert mine["tiers"] == {"nvme": {"objects": 2, "bytes": 30}}
        assert mine["current_objects"] == 0
        assert mine["delete_markers"] == 1
    finally:
        delete_all_versions_and_bucket(s3, bucket)


def test_usage_endpoint_is_root_only(server):
    r = raw_request(server, "GET", "/strata/admin/v1/usage", sign=False)
    assert r.status_code == 403
    assert xml_error(r.content)["Code"] == "AccessDenied"
    stranger = Creds("AKSTRANGER0000000000", "not-the-root-secret-at-all-0000000000000")
    assert raw_request(server, "GET", "/strata/admin/v1/usage", creds=stranger).status_code == 403
    assert raw_request(server, "POST", "/strata/admin/v1/usage").status_code == 405


def test_strata_admin_usage_prints_a_row_per_bucket_and_tier(server, s3, bucket):
    _fill(s3, bucket)
    r = _admin(server, "usage")
    assert r.returncode == 0, r.stderr
    lines = r.stdout.splitlines()
    assert lines[0].split() == ["BUCKET", "TIER", "OBJECTS", "BYTES", "SIZE"]
    rows = {tuple(l.split()[:2]): l.split() for l in lines if l.startswith(bucket + " ")}
    assert rows[(bucket, "nvme")][2:4] == ["2", "5100"]
    assert rows[(bucket, "hdd")][2:5] == ["1", "70000", "68"]
    assert any(l.startswith("total: ") for l in lines)

    j = _admin(server, "--json", "usage")
    assert j.returncode == 0, j.stderr
    doc = json.loads(j.stdout)
    assert next(b for b in doc["buckets"] if b["name"] == bucket)["bytes"] == 75100


def test_strata_admin_drives_lists_every_drive_with_its_slot_and_capacity(server):
    r = _admin(server, "drives")
    assert r.returncode == 0, r.stderr
    lines = r.stdout.splitlines()
    assert lines[0].split()[:5] == ["TIER", "SET", "SLOT", "PATH", "STATE"]
    rows = [l.split() for l in lines[1:] if l.split()[:1] in (["nvme"], ["hdd"])]
    nvme = [row for row in rows if row[0] == "nvme"]
    hdd = [row for row in rows if row[0] == "hdd"]
    # The default layout: nvme 2+2 (one set of 4), hdd 4+2 (one set of 6).
    assert [row[2] for row in nvme] == ["0", "1", "2", "3"]
    assert [row[2] for row in hdd] == ["0", "1", "2", "3", "4", "5"]
    assert all(row[1] == "0" and row[4] == "online" for row in rows)
    assert all(row[-1].startswith("[") and row[-1].endswith("]") for row in rows)
    assert any(l.startswith("tier nvme (2+2, 1 set(s)): 4/4 drives online") for l in lines)

    j = _admin(server, "--json", "drives")
    assert j.returncode == 0, j.stderr
    info = json.loads(j.stdout)
    assert sum(len(t["drives"]) for t in info["tiers"]) == 10


def test_the_compose_files_two_tier_config_starts_a_server(tmp_path):
    """docker/compose.yaml's inline config, its folders moved under tmp_path: the server accepts
    it, and strata-admin drives shows its 4 + 6 drives online."""
    yaml = pytest.importorskip("yaml")
    compose = yaml.safe_load((own_server.REPO_ROOT / "docker" / "compose.yaml").read_text())
    config = json.loads(compose["configs"]["strata-config"]["content"])
    assert config["listen"] == "0.0.0.0:9000" and config["data"] == "/var/lib/strata"
    for tier in config["tiers"]:
        tier["drives"] = [str(tmp_path / d.lstrip("/")) for d in tier["drives"]]
    config["data"] = str(tmp_path / "data")
    config["listen"] = f"127.0.0.1:{own_server.free_port()}"
    srv = own_server.start(tmp_path, config)
    try:
        env = dict(os.environ, STRATA_ROOT_ACCESS_KEY=srv.access_key,
                   STRATA_ROOT_SECRET_KEY=srv.secret_key)
        r = subprocess.run([own_server.binary("strata-admin"), "--endpoint", srv.http, "--json",
                            "drives"], env=env, capture_output=True, text=True, timeout=60)
        assert r.returncode == 0, r.stderr
        tiers = {t["name"]: t for t in json.loads(r.stdout)["tiers"]}
        assert tiers["nvme"]["erasure"] == "2+2" and tiers["nvme"]["drives_online"] == 4
        assert tiers["hdd"]["erasure"] == "4+2" and tiers["hdd"]["drives_online"] == 6
    finally:
        assert srv.stop() == 0
