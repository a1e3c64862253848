"""Tamper-evident audit log (issue 7): requests produce hash-chained records with the right
fields, `strata-admin audit verify` passes on the real log, and an edited, a removed and a
reordered record are each found (exit 1, the right file and line). `audit tail` shows records."""

import json
import pathlib
import subprocess
import threading
import time

import boto3
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError

import own_server


def _s3(server, access_key=None, secret_key=None):
    return boto3.session.Session().client(
        "s3", endpoint_url=server.http, aws_access_key_id=access_key or server.access_key,
        aws_secret_access_key=secret_key or server.secret_key, region_name="us-east-1",
        config=Config(signature_version="s3v4", s3={"addressing_style": "path"},
                      retries={"total_max_attempts": 1, "mode": "standard"}))


def _admin(*args):
    return subprocess.run([own_server.binary("strata-admin"), "audit", *args],
                          capture_output=True, text=True, timeout=60)


def _records(audit_dir: pathlib.Path):
    out = []
    for seg in sorted(audit_dir.glob("audit-*.log")):
        # The live segment runs ahead of its records in zeros: they end at the first zero byte.
        text = seg.read_bytes().split(b"\0", 1)[0].decode()
        out += [json.loads(l) for l in text.splitlines() if l]
    return out


@pytest.fixture
def audited(tmp_path):
    server = own_server.start(tmp_path, {"listen": f"127.0.0.1:{own_server.free_port()}"})
    yield server
    server.stop()


def test_writes_produce_chained_records_with_the_right_fields(audited):
    s3 = _s3(audited)
    s3.create_bucket(Bucket="aud")
    s3.put_bucket_versioning(Bucket="aud", VersioningConfiguration={"Status": "Enabled"})
    put = s3.put_object(Bucket="aud", Key="dir/obj.txt", Body=b"hello audit")
    s3.get_object(Bucket="aud", Key="dir/obj.txt")["Body"].read()  # reads: not audited
    s3.delete_object(Bucket="aud", Key="dir/obj.txt")
    bad = _s3(audited, secret_key="wrong-secret-wrong-secret-wrong-secret00")
    with pytest.raises(ClientError):
        bad.put_object(Bucket="aud", Key="denied", Body=b"x")

    audit_dir = audited.data_dir / "audit"
    recs = _records(audit_dir)
    ops = [r["operation"] for r in recs]
    assert ops == ["CreateBucket", "PutBucketVersioning", "PutObject", "DeleteObject",
                   "PutObject"], ops
    assert [r["seq"] for r in recs] == list(range(1, len(recs) + 1))
    put_rec = recs[2]
    assert put_rec["bucket"] == "aud" and put_rec["key"] == "dir/obj.txt"
    assert put_rec["principal"] == audited.access_key
    assert put_rec["remote"] == "127.0.0.1"
    assert put_rec["status"] == 200
    assert put_rec["bytes_in"] == len(b"hello audit")
    assert put_rec["version_id"] == put["VersionId"]
    assert put_rec["request_id"] == put["ResponseMetadata"]["RequestId"]
    assert recs[3]["version_id"]  # the delete marker's id
    assert recs[4]["status"] == 403 and recs[4]["key"] == "denied"
    for prev, cur in zip(recs, recs[1:]):
        assert cur["prev"] == prev["hash"]

    r = _admin("verify", "--dir", str(audit_dir))
    assert r.returncode == 0, r.stdout + r.stderr
    assert "intact, 5 records" in r.stdout

    t = _admin("tail", "--dir", str(audit_dir), "-n", "2")
    assert t.returncode == 0, t.stderr
    assert [json.loads(l)["seq"] for l in t.stdout.splitlines()] == [4, 5]


def test_the_chain_continues_across_a_restart(tmp_path):
    config = {"listen": f"127.0.0.1:{own_server.free_port()}"}
    server = own_server.start(tmp_path, config)
    _s3(server).create_bucket(Bucket="one")
    server.stop()
    server = own_server.start(tmp_path, config)
    try:
        _s3(server).create_bucket(Bucket="two")
    finally:
        server.stop()
    recs = _records(server.data_dir / "audit")
    assert [(r["seq"], r["bucket"]) for r in recs] == [(1, "one"), (2, "two")]
    assert _admin("verify", "--dir", str(server.data_dir / "audit")).returncode == 0


def test_reads_are_audited_when_enabled(tmp_path):
    server = own_server.start(tmp_path, {"listen": f"127.0.0.1:{own_server.free_port()}",
                                         "audit": {"reads": True, "dir": str(tmp_path / "aud")}})
    try:
        s3 = _s3(server)
        s3.create_bucket(Bucket="reads")
        s3.put_object(Bucket="reads", Key="k", Body=b"12345")
        s3.get_object(Bucket="reads", Key="k")["Body"].read()
    finally:
        server.stop()
    recs = _records(tmp_path / "aud")
    get = [r for r in recs if r["operation"] == "GetObject"]
    assert len(get) == 1 and get[0]["bytes_out"] == 5


def _tamper_setup(tmp_path):
    server = own_server.start(tmp_path, {"listen": f"127.0.0.1:{own_server.free_port()}"})
    try:
        s3 = _s3(server)
        s3.create_bucket(Bucket="tamper")
        for i in range(6):
            s3.put_object(Bucket="tamper", Key=f"k{i}", Body=b"x" * i)
    finally:
        server.stop()
    audit_dir = server.data_dir / "audit"
    seg = sorted(audit_dir.glob("audit-*.log"))[-1]
    assert _admin("verify", "--dir", str(audit_dir)).returncode == 0
    return audit_dir, seg, seg.read_text().splitlines()


def _verify_broken(audit_dir, seg, line):
    r = _admin("verify", "--dir", str(audit_dir))
    assert r.returncode == 1, r.stdout + r.stderr
    assert f"{seg} line {line}:" in r.stdout, r.stdout
    return r.stdout


def test_an_edited_record_is_detected(tmp_path):
    audit_dir, seg, lines = _tamper_setup(tmp_path)
    lines[3] = lines[3].replace('"status":200', '"status":404')
    seg.write_text("\n".join(lines) + "\n")
    assert "edited" in _verify_broken(audit_dir, seg, 4)


def test_a_removed_record_is_detected(tmp_path):
    audit_dir, seg, lines = _tamper_setup(tmp_path)
    del lines[2]
    seg.write_text("\n".join(lines) + "\n")
    assert "missing" in _verify_broken(audit_dir, seg, 3)


def test_a_reordered_pair_is_detected(tmp_path):
    audit_dir, seg, lines = _tamper_setup(tmp_path)
    lines[4], lines[5] = lines[5], lines[4]
    seg.write_text("\n".join(lines) + "\n")
    assert "reordered" in _verify_broken(audit_dir, seg, 5)


def test_tail_follow_prints_new_records_of_the_live_segment(audited):
    """The live segment runs ahead of its records in zeros: --follow follows the records' end,
    not the file's size."""
    s3 = _s3(audited)
    s3.create_bucket(Bucket="follow")
    audit_dir = audited.data_dir / "audit"
    follow = subprocess.Popen([own_server.binary("strata-admin"), "audit", "tail", "--dir",
                               str(audit_dir), "-n", "1", "--follow"],
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    lines = []
    reader = threading.Thread(target=lambda: lines.extend(follow.stdout), daemon=True)
    reader.start()
    try:
        time.sleep(1)  # --follow polls every 0.5 s from where it started
        for i in range(3):
            s3.put_object(Bucket="follow", Key=f"k{i}", Body=b"x")
        deadline = time.time() + 10
        while len(lines) < 4 and time.time() < deadline:
            time.sleep(0.1)
    finally:
        follow.kill()
        follow.wait()
    recs = [json.loads(l) for l in lines]
    assert [r["operation"] for r in recs] == ["CreateBucket"] + ["PutObject"] * 3, lines
    assert [r["seq"] for r in recs] == [1, 2, 3, 4]
    assert all("\0" not in l for l in lines)
