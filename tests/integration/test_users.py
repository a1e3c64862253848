"""Users and access keys (issue 7): `strata-admin user ...`, the admin API's user endpoints (root
only), and SigV4 with a user's keys. Only authentication is asserted here: what a user may do is
the policies' business (test_policies and friends)."""

import json
import os
import re
import secrets
import subprocess
import uuid

import boto3
import pytest
from botocore.exceptions import ClientError

import own_server
from conftest import Creds, client_config
from s3helpers import raw_request, xml_error

AUTH_FAILURES = ("InvalidAccessKeyId", "SignatureDoesNotMatch")
POLICY = {"Version": "2012-10-17",
          "Statement": [{"Effect": "Allow", "Action": "s3:ListAllMyBuckets", "Resource": "*"}]}


def admin(server, *args, creds=None, input_text=None):
    creds = creds or server.creds
    env = dict(os.environ, STRATA_ROOT_ACCESS_KEY=creds.access_key,
               STRATA_ROOT_SECRET_KEY=creds.secret_key)
    return subprocess.run([own_server.binary("strata-admin"), "--endpoint", server.endpoint, *args],
                          env=env, capture_output=True, text=True, timeout=60, input=input_text)


def new_user_name() -> str:
    return "user-" + uuid.uuid4().hex[:10]


def add_user(server, name=None) -> tuple:
    """Runs `strata-admin user add`; returns (name, Creds) parsed from what it prints."""
    name = name or new_user_name()
    r = admin(server, "user", "add", name)
    assert r.returncode == 0, r.stderr
    access = re.search(r"^Access key: (\S+)$", r.stdout, re.M)
    secret = re.search(r"^Secret key: (\S+)$", r.stdout, re.M)
    assert access and secret, r.stdout
    return name, Creds(access.group(1), secret.group(1))


def auth_outcome(make_s3, creds) -> str:
    """'ok' when ListBuckets succeeds, else the S3 error code."""
    client = make_s3(access_key=creds.access_key, secret_key=creds.secret_key)
    try:
        client.list_buckets()
        return "ok"
    except ClientError as e:
        return e.response["Error"]["Code"]


def test_user_add_prints_keys_that_authenticate(server, make_s3):
    name, creds = add_user(server)
    assert re.fullmatch(r"SK[A-Z2-7]{18}", creds.access_key)
    assert len(creds.secret_key) == 40
    # Signed with alice's key: authenticated (allowed or denied by policy, never unknown).
    assert auth_outcome(make_s3, creds) not in AUTH_FAILURES
    # A raw request shows the same, with an S3 error body when it is refused.
    r = raw_request(server, "GET", "/", creds=creds)
    if r.status_code != 200:
        assert xml_error(r.content)["Code"] not in AUTH_FAILURES
    # The secret is never logged.
    if server.log_path is not None:
        assert creds.secret_key not in server.log_tail(10_000_000)


def test_a_wrong_secret_gets_signature_does_not_match(server, make_s3):
    _, creds = add_user(server)
    wrong = Creds(creds.access_key, secrets.token_urlsafe(30)[:40])
    assert auth_outcome(make_s3, wrong) == "SignatureDoesNotMatch"


def test_a_disabled_key_gets_invalid_access_key_id_until_enabled(server, make_s3):
    _, creds = add_user(server)
    r = admin(server, "user", "key", "disable", creds.access_key)
    assert r.returncode == 0, r.stderr
    assert auth_outcome(make_s3, creds) == "InvalidAccessKeyId"
    r = admin(server, "user", "key", "enable", creds.access_key)
    assert r.returncode == 0, r.stderr
    assert auth_outcome(make_s3, creds) not in AUTH_FAILURES


def test_a_removed_key_and_a_deleted_users_keys_get_invalid_access_key_id(server, make_s3):
    name, first = add_user(server)
    r = admin(server, "user", "key", "add", name)
    assert r.returncode == 0, r.stderr
    second = Creds(re.search(r"^Access key: (\S+)$", r.stdout, re.M).group(1),
                   re.search(r"^Secret key: (\S+)$", r.stdout, re.M).group(1))
    assert auth_outcome(make_s3, second) not in AUTH_FAILURES

    r = admin(server, "user", "key", "remove", first.access_key)
    assert r.returncode == 0, r.stderr
    assert auth_outcome(make_s3, first) == "InvalidAccessKeyId"
    assert auth_outcome(make_s3, second) not in AUTH_FAILURES

    r = admin(server, "user", "remove", name)
    assert r.returncode == 0, r.stderr
    assert auth_outcome(make_s3, second) == "InvalidAccessKeyId"
    r = admin(server, "user", "key", "list", name)
    assert r.returncode == 1 and "NoSuchUser" in r.stderr


def test_listings_show_users_and_keys_but_never_a_secret(server):
    name, creds = add_user(server)
    r = admin(server, "user", "list")
    assert r.returncode == 0, r.stderr
    row = next(l.split() for l in r.stdout.splitlines() if l.split()[:1] == [name])
    assert row[2:] == ["1", "0"]  # keys, policies
    r = admin(server, "user", "key", "list", name)
    assert r.returncode == 0, r.stderr
    assert creds.access_key in r.stdout and "enabled" in r.stdout
    assert creds.secret_key not in r.stdout
    r = admin(server, "--json", "user", "key", "list", name)
    assert r.returncode == 0, r.stderr
    doc = json.loads(r.stdout)
    assert [k["access_key_id"] for k in doc["access_keys"]] == [creds.access_key]
    assert doc["access_keys"][0]["status"] == "enabled"
    assert creds.secret_key not in r.stdout and "secret" not in r.stdout
    r = raw_request(server, "GET", "/strata/admin/v1/users")
    assert r.status_code == 200
    assert creds.secret_key not in r.text
    assert name in [u["name"] for u in r.json()["users"]]


def test_user_policies_round_trip_through_the_cli(server, tmp_path):
    name, _ = add_user(server)
    path = tmp_path / "policy.json"
    text = json.dumps(POLICY, indent=2)
    path.write_text(text)
    r = admin(server, "user", "policy", "put", name, "list-buckets", str(path))
    assert r.returncode == 0, r.stderr
    r = admin(server, "user", "policy", "put", name, "from-stdin", "-", input_text=text)
    assert r.returncode == 0, r.stderr
    r = admin(server, "user", "policy", "list", name)
    assert r.returncode == 0, r.stderr
    assert r.stdout.split() == ["from-stdin", "list-buckets"]
    r = admin(server, "user", "policy", "get", name, "list-buckets")
    assert r.returncode == 0, r.stderr
    assert json.loads(r.stdout) == POLICY
    r = admin(server, "user", "policy", "remove", name, "list-buckets")
    assert r.returncode == 0, r.stderr
    r = admin(server, "user", "policy", "get", name, "list-buckets")
    assert r.returncode == 1 and "NoSuchUserPolicy" in r.stderr
    path.write_text('{"Statement": []}')
    r = admin(server, "user", "policy", "put", name, "bad", str(path))
    assert r.returncode == 1 and "MalformedPolicy" in r.stderr


def test_admin_user_endpoints_answer_json_errors(server):
    name = new_user_name()
    base = "/strata/admin/v1/users/"
    r = raw_request(server, "PUT", base + name)
    assert r.status_code == 201, r.text
    assert r.json()["name"] == name
    r = raw_request(server, "PUT", base + name)
    assert r.status_code == 409 and r.json()["error"] == "UserAlreadyExists"
    r = raw_request(server, "PUT", base + "bad:name")
    assert r.status_code == 400 and r.json()["error"] == "InvalidUserName"
    r = raw_request(server, "GET", base + "nobody-" + uuid.uuid4().hex[:8] + "/keys")
    assert r.status_code == 404 and r.json()["error"] == "NoSuchUser"
    r = raw_request(server, "PUT", "/strata/admin/v1/keys/SKAAAAAAAAAAAAAAAAAA",
                    query="status=disabled")
    assert r.status_code == 404 and r.json()["error"] == "NoSuchAccessKey"
    r = raw_request(server, "PUT", base + name + "/policies/p", body=b'{"Version": "2012-10-17"')
    assert r.status_code == 400 and r.json()["error"] == "MalformedPolicy"
    big = json.dumps({"Version": "2012-10-17", "Statement": [], "Pad": "x" * 7000}).encode()
    r = raw_request(server, "PUT", base + name + "/policies/p", body=big)
    assert r.status_code == 400 and r.json()["error"] == "MalformedPolicy"
    body = json.dumps(POLICY).encode()
    r = raw_request(server, "PUT", base + name + "/policies/p", body=body)
    assert r.status_code == 204, r.text
    r = raw_request(server, "GET", base + name + "/policies/p")
    assert r.status_code == 200 and r.content == body
    # A body that does not match its signed SHA-256 is not stored.
    r = raw_request(server, "PUT", base + name + "/policies/q", body=body,
                    payload_hash="0" * 64)
    assert r.status_code == 400
    assert raw_request(server, "GET", base + name + "/policies/q").status_code == 404
    r = raw_request(server, "POST", base + name)
    assert r.status_code == 405
    r = raw_request(server, "DELETE", base + name)
    assert r.status_code == 204
    assert raw_request(server, "GET", base + name).status_code == 404


def test_the_admin_api_refuses_users(server):
    name, creds = add_user(server)
    for method, path in [("GET", "/strata/admin/v1/users"),
                         ("PUT", "/strata/admin/v1/users/" + new_user_name()),
                         ("POST", "/strata/admin/v1/users/" + name + "/keys"),
                         ("GET", "/strata/admin/v1/info")]:
        r = raw_request(server, method, path, creds=creds)
        assert r.status_code == 403, (method, path, r.text)
        assert xml_error(r.content)["Code"] == "AccessDenied"
    # Nor can a user escalate through the CLI.
    r = admin(server, "user", "key", "add", name, creds=creds)
    assert r.returncode == 1 and "AccessDenied" in r.stderr
    # Unsigned: refused before anything is revealed.
    r = raw_request(server, "GET", "/strata/admin/v1/users", sign=False)
    assert r.status_code == 403 and name.encode() not in r.content


def _run_server(tmp_path, config_path, timeout=30):
    """Runs strata-server expecting it to refuse to start; returns its exit code and output."""
    env = dict(os.environ, STRATA_ROOT_ACCESS_KEY="AK" + secrets.token_hex(9).upper(),
               STRATA_ROOT_SECRET_KEY=secrets.token_urlsafe(30)[:40])
    try:
        r = subprocess.run([own_server.binary("strata-server"), "--config", str(config_path)],
                           env=env, capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        pytest.fail("strata-server started although it should have refused")
    return r.returncode, r.stdout + r.stderr


def test_users_survive_a_restart_and_the_master_key_file_is_guarded(tmp_path):
    port = own_server.free_port()
    key_file = tmp_path / "keys" / "identity.key"
    key_file.parent.mkdir()
    config = {"listen": f"127.0.0.1:{port}", "identity": {"master_key_file": str(key_file)}}
    srv = own_server.start(tmp_path / "a", config)
    try:
        assert oct(key_file.stat().st_mode & 0o777) == "0o600"
        assert key_file.stat().st_size == 32
        root = Creds(srv.access_key, srv.secret_key)
        shim = type("S", (), {"endpoint": srv.http, "creds": root})()
        name, creds = add_user(shim)
    finally:
        assert srv.stop() == 0
    # Secrets are sealed: the index holds no plaintext secret.
    for path in (tmp_path / "a" / "data" / "index").rglob("*"):
        if path.is_file():
            assert creds.secret_key.encode() not in path.read_bytes(), path
    config_path = tmp_path / "a" / "config.json"
    original = key_file.read_bytes()

    key_file.chmod(0o644)
    code, output = _run_server(tmp_path, config_path)
    assert code != 0 and "0644" in output and str(key_file) in output

    key_file.chmod(0o600)
    key_file.write_bytes(os.urandom(32))
    code, output = _run_server(tmp_path, config_path)
    assert code != 0 and "master key" in output

    key_file.write_bytes(original[:31])
    code, output = _run_server(tmp_path, config_path)
    assert code != 0 and "31 bytes" in output

    key_file.write_bytes(original)
    srv = own_server.start(tmp_path / "a", config)
    try:
        client = boto3.session.Session().client(
            "s3", endpoint_url=srv.http, aws_access_key_id=creds.access_key,
            aws_secret_access_key=creds.secret_key, region_name="us-east-1",
            config=client_config())
        try:
            client.list_buckets()
        except ClientError as e:
            assert e.response["Error"]["Code"] not in AUTH_FAILURES
        assert creds.secret_key not in srv.log()
    finally:
        assert srv.stop() == 0
