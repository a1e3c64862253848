"""Hostile input (issue 7): slowloris and stalled bodies are cut by their timeouts, oversized
headers and URIs get S3 errors, the connection cap holds, a huge Content-Length with no body
costs nothing, and no key (../../etc/passwd, ., .., //a, NUL, invalid UTF-8) reaches a path
outside the data folder."""

import os
import pathlib
import socket
import time

import boto3
import pytest
from botocore.auth import S3SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.config import Config
from botocore.credentials import Credentials
from botocore.exceptions import ClientError

import own_server

LIMITS = {"header_timeout_seconds": 2, "idle_timeout_seconds": 2, "body_timeout_seconds": 2,
          "max_connections": 8}


@pytest.fixture
def server(tmp_path):
    s = own_server.start(tmp_path, {"listen": f"127.0.0.1:{own_server.free_port()}",
                                    "limits": LIMITS})
    yield s
    s.stop()


def _addr(server):
    host, port = server.http.removeprefix("http://").rsplit(":", 1)
    return host, int(port)


def _raw(server, data: bytes, timeout=10.0):
    """Sends `data`, returns (everything the server answered until it closed, seconds)."""
    with socket.create_connection(_addr(server), timeout=timeout) as s:
        started = time.monotonic()
        s.sendall(data)
        out = b""
        while True:
            try:
                chunk = s.recv(65536)
            except (ConnectionResetError, socket.timeout):
                break
            if not chunk:
                break
            out += chunk
        return out, time.monotonic() - started


def _status(answer: bytes) -> int:
    return int(answer.split(b" ", 2)[1]) if answer.startswith(b"HTTP/1.1 ") else 0


def _signed(server, method, path, headers=None):
    req = AWSRequest(method=method, url=server.http + path, headers=dict(headers or {}))
    req.headers["x-amz-content-sha256"] = "UNSIGNED-PAYLOAD"
    S3SigV4Auth(Credentials(server.access_key, server.secret_key), "s3", "us-east-1").add_auth(req)
    host, port = _addr(server)
    lines = [f"{method} {path} HTTP/1.1", f"Host: {host}:{port}"]
    lines += [f"{k}: {v}" for k, v in req.headers.items() if k.lower() != "host"]
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")


def _rss_kib(server) -> int:
    for line in pathlib.Path(f"/proc/{server.process.pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


def test_slowloris_is_cut_within_the_header_timeout(server):
    with socket.create_connection(_addr(server), timeout=10) as s:
        started = time.monotonic()
        request = b"GET /bucket HTTP/1.1\r\nHost: x\r\nX-Slow: " + b"a" * 100
        answer = b""
        for byte in request:
            try:
                s.send(bytes([byte]))
            except OSError:
                break
            time.sleep(0.25)
            if time.monotonic() - started > 8:
                break
        s.settimeout(5)
        try:
            answer = s.recv(65536)
        except OSError:
            pass
        elapsed = time.monotonic() - started
    assert elapsed < 4.5, elapsed  # 2 s timeout, not 25 s of trickle
    assert _status(answer) == 400 and b"<Code>RequestTimeout</Code>" in answer, answer


def test_an_idle_connection_is_closed(server):
    answer, elapsed = _raw(server, b"")
    assert answer == b"" and 1.5 < elapsed < 5


def test_oversized_header_field_gets_400(server):
    answer, _ = _raw(server, b"GET / HTTP/1.1\r\nHost: x\r\nX-Big: " + b"a" * 9000 + b"\r\n\r\n")
    assert _status(answer) == 400
    assert b"<Code>RequestHeaderSectionTooLarge</Code>" in answer


def test_oversized_header_section_gets_400(server):
    fields = b"".join(b"X-F%d: %s\r\n" % (i, b"b" * 4000) for i in range(20))
    answer, _ = _raw(server, b"GET / HTTP/1.1\r\nHost: x\r\n" + fields + b"\r\n")
    assert _status(answer) == 400
    assert b"RequestHeaderSectionTooLarge" in answer


def test_too_many_header_fields_get_400(server):
    fields = b"".join(b"X-F%d: v\r\n" % i for i in range(300))
    answer, _ = _raw(server, b"GET / HTTP/1.1\r\nHost: x\r\n" + fields + b"\r\n")
    assert _status(answer) == 400


def test_long_uri_gets_414(server):
    answer, _ = _raw(server, b"GET /b/" + b"k" * 9000 + b" HTTP/1.1\r\nHost: x\r\n\r\n")
    assert _status(answer) == 414
    assert b"<Code>RequestURITooLong</Code>" in answer


def test_connections_beyond_the_cap_are_closed(server):
    held = [socket.create_connection(_addr(server)) for _ in range(LIMITS["max_connections"])]
    try:
        time.sleep(0.3)
        answer, elapsed = _raw(server, b"GET /health/live HTTP/1.1\r\nHost: x\r\n\r\n")
        assert answer == b"" and elapsed < 1.5
    finally:
        for s in held:
            s.close()
    time.sleep(0.3)
    answer, _ = _raw(server, b"GET /health/live HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
    assert _status(answer) == 200


def test_huge_content_length_without_a_body_costs_nothing(server):
    s3 = boto3.client("s3", endpoint_url=server.http, aws_access_key_id=server.access_key,
                      aws_secret_access_key=server.secret_key, region_name="us-east-1",
                      config=Config(s3={"addressing_style": "path"}))
    s3.create_bucket(Bucket="huge")
    rss_before = _rss_kib(server)
    # Anonymous: refused before the body is read.
    answer, elapsed = _raw(server, b"PUT /huge/k HTTP/1.1\r\nHost: x\r\n"
                                   b"Content-Length: 4000000000\r\n\r\n")
    assert _status(answer) == 403 and elapsed < 1.5
    # Signed, 4 GB claimed, nothing sent: the body stall timeout answers RequestTimeout.
    answer, elapsed = _raw(server, _signed(server, "PUT", "/huge/k2",
                                           {"Content-Length": "4000000000"}))
    assert _status(answer) == 400 and b"RequestTimeout" in answer, answer
    assert elapsed < 5
    assert _rss_kib(server) - rss_before < 20 * 1024
    with pytest.raises(ClientError):
        s3.head_object(Bucket="huge", Key="k2")
    du = sum(f.stat().st_size for f in server.data_dir.rglob("*") if f.is_file())
    assert du < 200 * 1024 * 1024


HOSTILE_KEYS = ["../../etc/passwd", "../../../../../../tmp/strata-escape", ".", "..", "//a",
                "a/../../b", "./x", "a//b/", "..\\..\\win", "\u00e9t\u00e9/\u2603"]


def test_hostile_keys_are_opaque_or_refused_and_never_escape(server, tmp_path):
    s3 = boto3.client("s3", endpoint_url=server.http, aws_access_key_id=server.access_key,
                      aws_secret_access_key=server.secret_key, region_name="us-east-1",
                      config=Config(s3={"addressing_style": "path"},
                                    retries={"total_max_attempts": 1, "mode": "standard"}))
    s3.create_bucket(Bucket="paths")
    passwd_mtime = os.stat("/etc/passwd").st_mtime
    stored = {}
    for i, key in enumerate(HOSTILE_KEYS):
        body = f"body-{i}".encode()
        try:
            s3.put_object(Bucket="paths", Key=key, Body=body)
            stored[key] = body
        except ClientError as e:
            assert e.response["ResponseMetadata"]["HTTPStatusCode"] < 500, (key, e.response)
    for key, body in stored.items():
        assert s3.get_object(Bucket="paths", Key=key)["Body"].read() == body, key
    listed = {o["Key"] for o in s3.list_objects_v2(Bucket="paths").get("Contents", [])}
    assert set(stored) <= listed
    # NUL and invalid UTF-8: raw signed requests; refused with an S3 error or stored, never 5xx.
    for raw_key in ["/paths/nul%00byte", "/paths/bad%FF%FEutf8", "/paths/%2E%2E%2F%2E%2E%2Fx"]:
        answer, _ = _raw(server, _signed(server, "PUT", raw_key, {"Content-Length": "0"}))
        status = _status(answer)
        assert status in (200, 400, 403), (raw_key, answer[:300])
        if status != 200:
            assert b"<Error><Code>" in answer
    # Nothing outside the data folder, and nothing in it named after a key.
    assert os.stat("/etc/passwd").st_mtime == passwd_mtime
    assert not pathlib.Path("/tmp/strata-escape").exists()
    data = server.data_dir.resolve()
    for f in tmp_path.rglob("*"):
        rel = f.resolve()
        assert rel == data or data in rel.parents or f.parent == tmp_path, f
    names = {p.name for p in data.rglob("*")}
    assert "passwd" not in names and "strata-escape" not in names and "win" not in names
