"""The operator's kit (issue 9): Prometheus /metrics, the JSON access log, the admin API (root
only) and the strata-admin CLI."""

import json
import os
import re
import subprocess
import time

import pytest
import requests

import own_server
from conftest import Creds
from s3helpers import raw_request, xml_error

SAMPLE = re.compile(r'^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{.*\})? (\S+)$')


def scrape(endpoint) -> dict:
    """{(name, frozenset(labels)): value} from the Prometheus text format, checking its shape."""
    r = requests.get(endpoint + "/metrics", timeout=10)
    assert r.status_code == 200, r.text[:300]
    assert r.headers["Content-Type"].startswith("text/plain; version=0.0.4")
    out = {}
    for line in r.text.splitlines():
        if not line or line.startswith("#"):
            assert line == "" or line.startswith("# HELP ") or line.startswith("# TYPE "), line
            continue
        m = SAMPLE.match(line)
        assert m, f"not a sample line: {line!r}"
        labels = frozenset(re.findall(r'(\w+)="((?:[^"\\]|\\.)*)"', m.group(2) or ""))
        out[(m.group(1), labels)] = float(m.group(3))
    return out


def value(samples, name, **labels) -> float:
    return samples.get((name, frozenset(labels.items())), 0.0)


def test_metrics_request_counters_grow_after_requests(endpoint, s3, bucket):
    before = scrape(endpoint)
    body = b"m" * 50_000
    for i in range(3):
        s3.put_object(Bucket=bucket, Key=f"metric-{i}", Body=body)
    s3.get_object(Bucket=bucket, Key="metric-0")["Body"].read()
    time.sleep(0.2)  # the counters are updated once each response has been written
    after = scrape(endpoint)
    assert value(after, "strata_requests_total", operation="PutObject", status="200") >= \
        value(before, "strata_requests_total", operation="PutObject", status="200") + 3
    assert value(after, "strata_requests_total", operation="GetObject", status="200") >= \
        value(before, "strata_requests_total", operation="GetObject", status="200") + 1
    assert value(after, "strata_bytes_received_total") >= \
        value(before, "strata_bytes_received_total") + 3 * len(body)
    assert value(after, "strata_bytes_sent_total") >= value(before, "strata_bytes_sent_total") + len(body)
    # The histogram's +Inf bucket counts every observation.
    assert value(after, "strata_request_duration_seconds_bucket", operation="PutObject", le="+Inf") == \
        value(after, "strata_request_duration_seconds_count", operation="PutObject")
    assert value(after, "strata_request_duration_seconds_count", operation="PutObject") >= 3


def test_metrics_show_the_index_journal_committing_writes(endpoint, s3, bucket):
    before = scrape(endpoint)
    for i in range(4):
        s3.put_object(Bucket=bucket, Key=f"journal-{i}", Body=b"j")
    after = scrape(endpoint)
    records = value(after, "strata_index_journal_records_total")
    assert records >= value(before, "strata_index_journal_records_total") + 4
    # Each group commit carries at least one record; with concurrency, several.
    assert 0 < value(after, "strata_index_journal_groups_total") <= records
    assert value(after, "strata_index_journal_copies_live") == 3
    assert value(after, "strata_index_journal_copies_dropped") == 0


def test_metrics_show_errors_by_status_and_the_live_gauges(endpoint, s3, bucket):
    before = scrape(endpoint)
    with pytest.raises(Exception):
        s3.get_object(Bucket=bucket, Key="no-such-key-for-metrics")
    time.sleep(0.2)
    after = scrape(endpoint)
    assert value(after, "strata_requests_total", operation="GetObject", status="404") == \
        value(before, "strata_requests_total", operation="GetObject", status="404") + 1
    assert value(after, "strata_connections_open") >= 1  # the scrape's own connection
    assert ("strata_worker_queue_depth", frozenset()) in after
    assert value(after, "strata_workers") >= 1


def test_metrics_report_capacity_for_every_drive_of_both_tiers(endpoint):
    samples = scrape(endpoint)
    drives = {dict(labels)["drive"]: dict(labels)["tier"]
              for (name, labels) in samples if name == "strata_drive_bytes_total"}
    tiers = sorted(set(drives.values()))
    assert tiers == ["hdd", "nvme"], drives
    assert sum(1 for t in drives.values() if t == "nvme") == 4
    assert sum(1 for t in drives.values() if t == "hdd") == 6
    for drive, tier in drives.items():
        total = value(samples, "strata_drive_bytes_total", tier=tier, drive=drive)
        free = value(samples, "strata_drive_bytes_free", tier=tier, drive=drive)
        assert 0 < free <= total
        assert value(samples, "strata_drive_online", tier=tier, drive=drive) == 1
    assert value(samples, "strata_tier_bytes_total", tier="nvme") > 0


def test_metrics_with_a_query_string_is_still_s3_for_a_bucket_named_metrics(endpoint):
    r = requests.get(endpoint + "/metrics?list-type=2", timeout=10)
    assert r.status_code == 403
    assert xml_error(r.content)["Code"] == "AccessDenied"


@pytest.mark.parametrize("method,path", [("GET", "/strata/admin/v1/info"),
                                         ("POST", "/strata/admin/v1/heal"),
                                         ("GET", "/strata/admin/v1/heal/status"),
                                         ("GET", "/strata/admin/v1/nothing-here")])
def test_admin_endpoints_refuse_unsigned_requests(server, method, path):
    r = raw_request(server, method, path, sign=False)
    assert r.status_code == 403
    assert xml_error(r.content)["Code"] == "AccessDenied"
    assert b"uptime" not in r.content and b"tiers" not in r.content


@pytest.mark.parametrize("method,path", [("GET", "/strata/admin/v1/info"),
                                         ("POST", "/strata/admin/v1/heal")])
def test_admin_endpoints_refuse_other_credentials(server, method, path):
    stranger = Creds("AKSTRANGER0000000000", "not-the-root-secret-at-all-0000000000000")
    r = raw_request(server, method, path, creds=stranger)
    assert r.status_code == 403, r.content
    assert xml_error(r.content)["Code"] in ("AccessDenied", "InvalidAccessKeyId")
    wrong_secret = Creds(server.creds.access_key, "not-the-root-secret-at-all-0000000000000")
    r = raw_request(server, method, path, creds=wrong_secret)
    assert r.status_code == 403
    assert xml_error(r.content)["Code"] == "SignatureDoesNotMatch"


def test_admin_info_signed_by_root_answers_json(server):
    r = raw_request(server, "GET", "/strata/admin/v1/info")
    assert r.status_code == 200, r.content
    assert r.headers["Content-Type"] == "application/json"
    info = r.json()
    assert info["version"]
    assert info["uptime_seconds"] >= 0
    assert [t["name"] for t in info["tiers"]] == ["nvme", "hdd"]
    assert info["tiers"][0]["erasure"] == "2+2" and info["tiers"][1]["erasure"] == "4+2"
    assert all(d["state"] == "online" for t in info["tiers"] for d in t["drives"])
    assert info["counters"]["requests"] > 0


def test_admin_unknown_endpoint_is_404_json_for_root(server):
    r = raw_request(server, "GET", "/strata/admin/v1/nothing-here")
    assert r.status_code == 404
    assert r.json()["error"] == "NoSuchAdminEndpoint"
    r = raw_request(server, "DELETE", "/strata/admin/v1/info")
    assert r.status_code == 405


def _admin(server, *args, env_creds=None, timeout=120):
    creds = env_creds or server.creds
    env = dict(os.environ, STRATA_ROOT_ACCESS_KEY=creds.access_key,
               STRATA_ROOT_SECRET_KEY=creds.secret_key)
    return subprocess.run([own_server.binary("strata-admin"), "--endpoint", server.endpoint, *args],
                          env=env, capture_output=True, text=True, timeout=timeout)


def test_strata_admin_info_prints_the_tiers(server):
    r = _admin(server, "info")
    assert r.returncode == 0, r.stderr
    lines = r.stdout.splitlines()
    assert lines[0].startswith("Strata ")
    tier_rows = {l.split()[0]: l.split() for l in lines if l.split()[:1] in (["nvme"], ["hdd"])}
    assert tier_rows["nvme"][1] == "2+2" and tier_rows["nvme"][3] == "4"
    assert tier_rows["hdd"][1] == "4+2" and tier_rows["hdd"][3] == "6"
    assert sum(1 for l in lines if "/drives/nvme" in l and " online " in l) == 4


def test_strata_admin_json_is_the_servers_document(server):
    r = _admin(server, "--json", "info")
    assert r.returncode == 0, r.stderr
    info = json.loads(r.stdout)
    assert [t["name"] for t in info["tiers"]] == ["nvme", "hdd"]


def test_strata_admin_with_wrong_credentials_fails_with_the_reason(server):
    r = _admin(server, "info", env_creds=Creds(server.creds.access_key, "x" * 40))
    assert r.returncode == 1
    assert "403" in r.stderr and "SignatureDoesNotMatch" in r.stderr


def test_access_log_lines_are_json_and_hide_presigned_secrets(server, s3, bucket):
    if server.log_path is None:
        pytest.skip("external server: no log")
    s3.put_object(Bucket=bucket, Key="presigned-log", Body=b"hello")
    url = s3.generate_presigned_url("get_object", Params={"Bucket": bucket, "Key": "presigned-log"})
    signature = re.search(r"X-Amz-Signature=([0-9a-f]+)", url).group(1)
    assert requests.get(url, timeout=10).content == b"hello"
    deadline = time.monotonic() + 10
    entry = None
    while entry is None and time.monotonic() < deadline:
        for line in server.log_tail(200_000).splitlines():
            if line.startswith("{") and f"/{bucket}/presigned-log?" in line:
                entry = json.loads(line)
        time.sleep(0.05)
    assert entry is not None
    assert signature not in server.log_tail(200_000)
    assert "X-Amz-Signature=REDACTED" in entry["path"]
    assert "X-Amz-Credential=REDACTED" in entry["path"]
    assert entry["operation"] == "GetObject" and entry["status"] == 200
    assert entry["access_key"] == server.creds.access_key
    assert entry["bytes_out"] == 5
    for field in ("time", "request_id", "remote", "method", "duration_ms", "bytes_in"):
        assert field in entry


@pytest.fixture
def heal_server(tmp_path):
    server = own_server.start(tmp_path, {"listen": f"127.0.0.1:{own_server.free_port()}"})
    yield server
    assert server.stop() == 0, server.log()


def test_strata_admin_heal_wait_restores_a_deleted_shard(heal_server, tmp_path):
    import boto3
    from botocore.config import Config
    s3 = boto3.session.Session().client(
        "s3", endpoint_url=heal_server.http, aws_access_key_id=heal_server.access_key,
        aws_secret_access_key=heal_server.secret_key, region_name="us-east-1",
        config=Config(signature_version="s3v4", s3={"addressing_style": "path"}))
    s3.create_bucket(Bucket="heal-me")
    body = os.urandom(600_000)  # far above the inline threshold: erasure coded on nvme 2+2
    s3.put_object(Bucket="heal-me", Key="obj", Body=body)
    shards = sorted(p for p in (heal_server.data_dir / "drives").rglob("chunks/*/*") if p.is_file())
    assert len(shards) == 4, shards
    victim = shards[1]
    original = victim.read_bytes()
    victim.unlink()

    env = dict(os.environ, STRATA_ROOT_ACCESS_KEY=heal_server.access_key,
               STRATA_ROOT_SECRET_KEY=heal_server.secret_key)
    r = subprocess.run([own_server.binary("strata-admin"), "--endpoint", heal_server.http,
                        "heal", "--wait", "--grace", "0"],
                       env=env, capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stdout + r.stderr
    assert "1 healed" in r.stdout and "fully redundant" in r.stdout, r.stdout
    assert victim.read_bytes() == original

    status = subprocess.run([own_server.binary("strata-admin"), "--endpoint", heal_server.http,
                             "--json", "heal", "status"],
                            env=env, capture_output=True, text=True, timeout=60)
    doc = json.loads(status.stdout)
    assert doc["state"] == "done" and doc["clean"] is True and doc["shards_rewritten"] == 1
    assert s3.get_object(Bucket="heal-me", Key="obj")["Body"].read() == body
    metrics = requests.get(heal_server.http + "/metrics", timeout=10).text
    assert re.search(r"^strata_heal_shards_rewritten_total [1-9]", metrics, re.M), metrics[-2000:]


def test_metrics_can_require_root_signatures(tmp_path):
    server = own_server.start(tmp_path, {"listen": f"127.0.0.1:{own_server.free_port()}",
                                         "metrics_public": False})
    try:
        r = requests.get(server.http + "/metrics", timeout=10)
        assert r.status_code == 403
        assert xml_error(r.content)["Code"] == "AccessDenied"

        class S:
            endpoint = server.http
            creds = Creds(server.access_key, server.secret_key)
        r = raw_request(S, "GET", "/metrics")
        assert r.status_code == 200
        assert "strata_requests_total" in r.text
    finally:
        assert server.stop() == 0
