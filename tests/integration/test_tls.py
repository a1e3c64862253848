"""HTTPS (issue 7): a CA and a server certificate made here, a server serving HTTP and HTTPS on
two ports, boto3 trusting the CA (aws-chunked with a CRC32 trailer over TLS), and the refusals:
an untrusting client, TLS 1.1, and TLS 1.2 without forward secrecy."""

import datetime
import hashlib
import ipaddress
import json
import pathlib
import shutil
import socket
import ssl
import subprocess
import time

import boto3
import botocore.exceptions
import pytest
import requests
from botocore.config import Config

import own_server
from pki import make_pki
from s3helpers import data_of


@pytest.fixture(scope="module")
def pki(tmp_path_factory):
    return make_pki(tmp_path_factory.mktemp("pki"))


@pytest.fixture(scope="module")
def tls_server(pki, tmp_path_factory):
    """HTTP and HTTPS on two loopback ports, JSON access log in a file."""
    tmp = tmp_path_factory.mktemp("tls-server")
    config = {
        "listen": f"127.0.0.1:{own_server.free_port()}",
        "tls": {"cert": str(pki / "server.pem"), "key": str(pki / "server.key"),
                "listen": f"127.0.0.1:{own_server.free_port()}"},
        "access_log": str(tmp / "access.log"),
    }
    server = own_server.start(tmp, config, ca_file=str(pki / "ca.pem"))
    server.access_log = tmp / "access.log"
    yield server
    assert server.stop() == 0, server.log()


def _s3(server, endpoint, verify, **config):
    return boto3.session.Session().client(
        "s3", endpoint_url=endpoint, aws_access_key_id=server.access_key,
        aws_secret_access_key=server.secret_key, region_name="us-east-1", verify=verify,
        config=Config(signature_version="s3v4", s3={"addressing_style": "path"},
                      retries={"total_max_attempts": 1, "mode": "standard"}, **config))


def _host_port(url):
    host, port = url.split("://", 1)[1].rsplit(":", 1)
    return host, int(port)


def test_boto3_trusting_the_ca_round_trips_an_aws_chunked_crc32_upload_over_https(pki, tls_server):
    s3 = _s3(tls_server, tls_server.https, str(pki / "ca.pem"))
    sent = []
    s3.meta.events.register(
        "before-send.s3.PutObject",
        lambda request, **kw: sent.append(dict(request.headers)))
    s3.create_bucket(Bucket="tls-bucket")
    body = data_of(3 * 1024 * 1024 + 17, seed=7)
    put = s3.put_object(Bucket="tls-bucket", Key="over/tls.bin", Body=body)
    # Over HTTPS boto3 streams unsigned aws-chunked with a trailing CRC32.
    h = {k.lower(): (v.decode() if isinstance(v, bytes) else v) for k, v in sent[-1].items()}
    assert h["x-amz-content-sha256"] == "STREAMING-UNSIGNED-PAYLOAD-TRAILER", h
    assert h.get("x-amz-trailer", "").lower() == "x-amz-checksum-crc32", h
    assert put["ResponseMetadata"]["HTTPStatusCode"] == 200
    got = s3.get_object(Bucket="tls-bucket", Key="over/tls.bin")["Body"].read()
    assert len(got) == len(body)
    assert hashlib.sha256(got).hexdigest() == hashlib.sha256(body).hexdigest()


def test_the_plain_http_port_serves_the_same_store(pki, tls_server):
    s3_tls = _s3(tls_server, tls_server.https, str(pki / "ca.pem"))
    s3_tls.create_bucket(Bucket="both-ports")
    s3_tls.put_object(Bucket="both-ports", Key="k", Body=b"written over https")
    s3_plain = _s3(tls_server, tls_server.http, None)
    assert s3_plain.get_object(Bucket="both-ports", Key="k")["Body"].read() == b"written over https"


def test_a_client_that_does_not_trust_the_ca_fails(tls_server):
    with pytest.raises(requests.exceptions.SSLError):
        requests.get(tls_server.https + "/health/ready", timeout=10)  # system trust store only
    s3 = _s3(tls_server, tls_server.https, True)
    with pytest.raises(botocore.exceptions.SSLError):
        s3.list_buckets()


@pytest.mark.filterwarnings("ignore::DeprecationWarning")
def test_tls_1_1_is_refused(tls_server):
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    # Let this client really offer TLS 1.1 (OpenSSL 3's default security level forbids it), so
    # the refusal is the server's.
    ctx.set_ciphers("DEFAULT:@SECLEVEL=0")
    ctx.minimum_version = ssl.TLSVersion.TLSv1_1
    ctx.maximum_version = ssl.TLSVersion.TLSv1_1
    with socket.create_connection(_host_port(tls_server.https), timeout=10) as sock:
        with pytest.raises((ssl.SSLError, ConnectionResetError)):
            with ctx.wrap_socket(sock, server_hostname="localhost"):
                pass


def test_tls_1_2_negotiates_forward_secret_aead_and_refuses_static_rsa(pki, tls_server):
    ctx = ssl.create_default_context(cafile=str(pki / "ca.pem"))
    ctx.maximum_version = ssl.TLSVersion.TLSv1_2
    with socket.create_connection(_host_port(tls_server.https), timeout=10) as sock:
        with ctx.wrap_socket(sock, server_hostname="localhost") as tls:
            name, version, _ = tls.cipher()
            assert version == "TLSv1.2"
            assert name.startswith("ECDHE-") and ("GCM" in name or "CHACHA20" in name), name
    weak = ssl.create_default_context(cafile=str(pki / "ca.pem"))
    weak.maximum_version = ssl.TLSVersion.TLSv1_2
    weak.set_ciphers("AES128-SHA:AES256-SHA:AES128-GCM-SHA256")  # no ECDHE
    with socket.create_connection(_host_port(tls_server.https), timeout=10) as sock:
        with pytest.raises(ssl.SSLError):
            with weak.wrap_socket(sock, server_hostname="localhost"):
                pass


def test_tls_1_3_works(pki, tls_server):
    ctx = ssl.create_default_context(cafile=str(pki / "ca.pem"))
    ctx.minimum_version = ssl.TLSVersion.TLSv1_3
    with socket.create_connection(_host_port(tls_server.https), timeout=10) as sock:
        with ctx.wrap_socket(sock, server_hostname="127.0.0.1") as tls:
            assert tls.version() == "TLSv1.3"
            tls.sendall(b"GET /health/live HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
            reply = b""
            while chunk := tls.recv(4096):
                reply += chunk
            assert reply.startswith(b"HTTP/1.1 200"), reply[:100]


def test_access_log_file_records_https_requests_with_their_operation(pki, tls_server):
    s3 = _s3(tls_server, tls_server.https, str(pki / "ca.pem"))
    s3.create_bucket(Bucket="logged-bucket")
    s3.put_object(Bucket="logged-bucket", Key="logged", Body=b"12345")
    # The line is written once the response has been sent: give it a moment.
    deadline = time.monotonic() + 10
    while True:
        lines = [json.loads(l) for l in tls_server.access_log.read_text().splitlines() if l]
        puts = [l for l in lines
                if l["operation"] == "PutObject" and l["path"] == "/logged-bucket/logged"]
        if puts or time.monotonic() > deadline:
            break
        time.sleep(0.05)
    assert puts, lines[-5:]
    assert puts[-1]["tls"] is True
    assert puts[-1]["status"] == 200
    assert puts[-1]["access_key"] == tls_server.access_key
    assert puts[-1]["bytes_in"] > 0


def test_a_key_that_does_not_match_the_certificate_fails_at_startup(pki, tmp_path):
    other = tmp_path / "other"
    other.mkdir()
    make_pki(other)
    config = {"tls": {"cert": str(pki / "server.pem"), "key": str(other / "server.key"),
                      "listen": f"127.0.0.1:{own_server.free_port()}"},
              "data": str(tmp_path / "data")}
    (tmp_path / "c.json").write_text(json.dumps(config))
    r = subprocess.run([own_server.binary("strata-server"), "--config", str(tmp_path / "c.json")],
                       capture_output=True, text=True, timeout=30)
    assert r.returncode == 1
    assert "mismatch" in r.stderr or "does not match" in r.stderr, r.stderr
