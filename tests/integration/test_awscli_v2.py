"""aws-cli v2 (Debian 12's `awscli` 2.9.19, /usr/bin/aws on the system python with its own
bundled botocore) against the server, with v2's defaults: 8 MiB multipart threshold and parts,
SigV4 presigns, path style from the config file. The pip aws-cli v1 on PATH is never used here.
Every test also checks that the server answered none of v2's requests with a 5xx (501 included).
"""

import json
import pathlib
import re
import subprocess
import time

import pytest
import requests

import own_server
from awscli_helpers import TREE, read_tree, server_errors, write_tree
from conftest import REGION, _clean_env, _run, empty_and_delete_bucket
from multipart_helpers import abort_all_uploads, multipart_etag
from pki import make_pki
from s3helpers import data_of, md5_hex
from version_helpers import delete_all_versions_and_bucket

AWS_V2 = pathlib.Path("/usr/bin/aws")
MiB = 1024 * 1024
# v2 exits 254 when the service answered an error (v1 exits 255), 1 when an s3 transfer failed.
SERVICE_ERROR_EXIT = 254


def _v2_version() -> str:
    """"2.9.19" when /usr/bin/aws is aws-cli v2, else a pytest.skip with the reason."""
    if not AWS_V2.exists():
        pytest.skip(f"{AWS_V2} is absent: install Debian's awscli (tools/install-deps.sh --test)",
                    allow_module_level=True)
    out = subprocess.run([str(AWS_V2), "--version"], capture_output=True, text=True, timeout=60)
    m = re.match(r"aws-cli/(\d+)\.(\S+)", out.stdout + out.stderr)
    if not m or m.group(1) != "2":
        pytest.skip(f"{AWS_V2} is not aws-cli v2: {(out.stdout + out.stderr).strip()!r}",
                    allow_module_level=True)
    return f"{m.group(1)}.{m.group(2)}"


V2_VERSION = _v2_version()


def _v2_env(access_key: str, secret_key: str, home: pathlib.Path) -> dict:
    """The CLI's environment: our keys, a config with region and path style only (v2's own
    multipart defaults), no pager, one attempt so a server error is not retried away."""
    config = home / "config"
    config.write_text(
        "[default]\n"
        f"region = {REGION}\n"
        "max_attempts = 1\n"
        "retry_mode = standard\n"
        "s3 =\n"
        "    addressing_style = path\n"
    )
    env = _clean_env()
    env.update(
        AWS_ACCESS_KEY_ID=access_key,
        AWS_SECRET_ACCESS_KEY=secret_key,
        AWS_CONFIG_FILE=str(config),
        AWS_SHARED_CREDENTIALS_FILE=str(home / "credentials"),
        AWS_EC2_METADATA_DISABLED="true",
        AWS_PAGER="",
        HOME=str(home),  # v2 writes its cache under ~/.aws/cli
    )
    return env


def _runner(env: dict, endpoint: str, *extra):
    def run(*args, check=True, timeout=120, input_bytes=None, cwd=None):
        argv = [str(AWS_V2), "--endpoint-url", endpoint, *extra, *map(str, args)]
        return _run(argv, env, check, timeout, input_bytes, cwd)

    return run


@pytest.fixture(scope="module")
def aws2(server, tmp_path_factory):
    """aws2(*args, check=True, timeout=120) -> CompletedProcess, like conftest's `aws`."""
    home = tmp_path_factory.mktemp("aws2")
    return _runner(_v2_env(server.creds.access_key, server.creds.secret_key, home),
                   server.endpoint)


@pytest.fixture(autouse=True)
def no_5xx_for_v2(server):
    """Fails the test if the session server answered aws-cli/2 with any 5xx during it."""
    if server.log_path is None:
        yield
        return
    start = server.log_path.stat().st_size
    yield
    with open(server.log_path, "rb") as f:
        f.seek(start)
        text = f.read().decode("utf-8", errors="replace")
    errors = server_errors(text, "aws-cli/2")
    assert not errors, "the server answered aws-cli v2 with 5xx:\n" + "\n".join(errors)


@pytest.fixture
def cli_bucket(s3, new_bucket_name):
    """A name for the CLI to create; emptied (open uploads aborted) and deleted afterwards."""
    yield new_bucket_name
    try:
        abort_all_uploads(s3, new_bucket_name)
    except Exception:  # never created
        pass
    empty_and_delete_bucket(s3, new_bucket_name)


def _keys(s3, bucket, prefix=""):
    return sorted(o["Key"] for page in s3.get_paginator("list_objects_v2").paginate(
        Bucket=bucket, Prefix=prefix) for o in page.get("Contents", []))


def _json(proc):
    return json.loads(proc.stdout)


def test_the_cli_under_test_is_aws_cli_v2_from_debian(aws2):
    out = aws2("--version").stdout
    assert out.startswith("aws-cli/2."), out
    assert "debian" in out  # not the pip v1 on PATH


def test_mb_ls_rb(aws2, s3, cli_bucket):
    out = aws2("s3", "mb", f"s3://{cli_bucket}")
    assert out.stdout.strip() == f"make_bucket: {cli_bucket}"
    s3.head_bucket(Bucket=cli_bucket)
    assert cli_bucket in aws2("s3", "ls").stdout
    # Creating it again is AWS's us-east-1 legacy: 200, not BucketAlreadyOwnedByYou.
    assert aws2("s3", "mb", f"s3://{cli_bucket}").returncode == 0
    s3.put_object(Bucket=cli_bucket, Key="k", Body=b"x")
    full = aws2("s3", "rb", f"s3://{cli_bucket}", check=False)
    assert full.returncode == 1 and "BucketNotEmpty" in full.stderr
    aws2("s3", "rm", f"s3://{cli_bucket}/k")
    aws2("s3", "rb", f"s3://{cli_bucket}")
    assert cli_bucket not in [b["Name"] for b in s3.list_buckets()["Buckets"]]


def test_cp_small_file_up_and_down(aws2, s3, bucket, tmp_path):
    src = tmp_path / "small.txt"
    src.write_bytes(b"hello from aws-cli v2\n")
    out = aws2("s3", "cp", "--no-progress", src, f"s3://{bucket}/dir/small.txt")
    assert out.stdout.startswith("upload: ")
    head = s3.head_object(Bucket=bucket, Key="dir/small.txt")
    assert head["ETag"] == f'"{md5_hex(src.read_bytes())}"'
    assert head["ContentType"] == "text/plain"  # v2 guesses it from the extension
    dst = tmp_path / "back.txt"
    aws2("s3", "cp", "--no-progress", f"s3://{bucket}/dir/small.txt", dst)
    assert dst.read_bytes() == src.read_bytes()


def test_cp_20_mib_file_is_uploaded_in_8_mib_parts_and_downloaded_exact(aws2, bucket, tmp_path):
    data = data_of(20 * MiB, seed=20)
    src = tmp_path / "big.bin"
    src.write_bytes(data)
    aws2("s3", "cp", "--no-progress", src, f"s3://{bucket}/big.bin", timeout=300)
    head = _json(aws2("s3api", "head-object", "--bucket", bucket, "--key", "big.bin"))
    assert head["ContentLength"] == len(data)
    parts = [data[i:i + 8 * MiB] for i in range(0, len(data), 8 * MiB)]
    assert head["ETag"] == multipart_etag(parts)  # 8 + 8 + 4 MiB: "...-3"
    assert head["ETag"].endswith('-3"')
    dst = tmp_path / "big.back"
    aws2("s3", "cp", "--no-progress", f"s3://{bucket}/big.bin", dst, timeout=300)
    assert md5_hex(dst.read_bytes()) == md5_hex(data)


def test_cp_from_stdin_and_to_stdout(aws2, s3, bucket):
    aws2("s3", "cp", "--no-progress", "-", f"s3://{bucket}/stream.txt",
         input_bytes=b"streamed through stdin")
    assert s3.get_object(Bucket=bucket, Key="stream.txt")["Body"].read() == \
        b"streamed through stdin"
    assert aws2("s3", "cp", "--no-progress", f"s3://{bucket}/stream.txt", "-").stdout == \
        "streamed through stdin"


def test_cp_recursive_up_and_down_keeps_every_name_and_byte(aws2, s3, bucket, tmp_path):
    src = tmp_path / "src"
    write_tree(src, TREE)
    out = aws2("s3", "cp", "--no-progress", "--recursive", src, f"s3://{bucket}/tree/")
    assert out.stdout.count("upload:") == len(TREE)
    assert _keys(s3, bucket) == sorted(f"tree/{k}" for k in TREE)
    dst = tmp_path / "dst"
    out = aws2("s3", "cp", "--no-progress", "--recursive", f"s3://{bucket}/tree/", dst)
    assert out.stdout.count("download:") == len(TREE)
    assert read_tree(dst) == TREE


def test_sync_copies_only_what_changed_and_delete_removes_what_is_gone(aws2, s3, bucket,
                                                                      tmp_path):
    src = tmp_path / "src"
    write_tree(src, TREE)
    first = aws2("s3", "sync", "--no-progress", src, f"s3://{bucket}/tree")
    assert first.stdout.count("upload:") == len(TREE)
    assert _keys(s3, bucket) == sorted(f"tree/{k}" for k in TREE)
    assert aws2("s3", "sync", "--no-progress", src, f"s3://{bucket}/tree").stdout.strip() == ""

    (src / "docs/readme.md").write_bytes(b"# readme, edited\n")  # new size, new mtime
    second = aws2("s3", "sync", "--no-progress", src, f"s3://{bucket}/tree")
    lines = second.stdout.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("upload: ") and "docs/readme.md" in lines[0]
    assert s3.get_object(Bucket=bucket, Key="tree/docs/readme.md")["Body"].read() == \
        b"# readme, edited\n"

    (src / "top.txt").unlink()
    kept = aws2("s3", "sync", "--no-progress", src, f"s3://{bucket}/tree")
    assert kept.stdout.strip() == ""  # without --delete nothing is removed
    assert "tree/top.txt" in _keys(s3, bucket)
    deleted = aws2("s3", "sync", "--no-progress", "--delete", src, f"s3://{bucket}/tree")
    assert deleted.stdout.strip() == f"delete: s3://{bucket}/tree/top.txt"
    expected = dict(TREE, **{"docs/readme.md": b"# readme, edited\n"})
    del expected["top.txt"]
    assert _keys(s3, bucket) == sorted(f"tree/{k}" for k in expected)

    dst = tmp_path / "dst"
    aws2("s3", "sync", "--no-progress", f"s3://{bucket}/tree", dst)
    assert read_tree(dst) == expected
    assert aws2("s3", "sync", "--no-progress", f"s3://{bucket}/tree", dst).stdout.strip() == ""


def test_mv_local_to_s3_to_s3_to_local(aws2, s3, bucket, tmp_path):
    src = tmp_path / "moving.bin"
    data = data_of(3000, seed=3)
    src.write_bytes(data)
    aws2("s3", "mv", "--no-progress", src, f"s3://{bucket}/a/moving.bin")
    assert not src.exists()
    aws2("s3", "mv", "--no-progress", f"s3://{bucket}/a/moving.bin", f"s3://{bucket}/b/moved.bin")
    assert _keys(s3, bucket) == ["b/moved.bin"]
    dst = tmp_path / "back.bin"
    aws2("s3", "mv", "--no-progress", f"s3://{bucket}/b/moved.bin", dst)
    assert dst.read_bytes() == data
    assert _keys(s3, bucket) == []


def test_rm_recursive_removes_only_the_prefix(aws2, s3, bucket):
    for key in ("x/1", "x/2", "x/y/3", "keep"):
        s3.put_object(Bucket=bucket, Key=key, Body=b"data")
    out = aws2("s3", "rm", "--recursive", f"s3://{bucket}/x/")
    assert sorted(out.stdout.strip().splitlines()) == [
        f"delete: s3://{bucket}/x/1", f"delete: s3://{bucket}/x/2", f"delete: s3://{bucket}/x/y/3"]
    assert _keys(s3, bucket) == ["keep"]


def test_ls_shows_prefixes_recursive_keys_and_a_summary(aws2, s3, bucket):
    sizes = {"a.txt": 5, "dir/b.txt": 1000, "dir/sub/c.txt": 0}
    for key, size in sizes.items():
        s3.put_object(Bucket=bucket, Key=key, Body=b"x" * size)
    top = aws2("s3", "ls", f"s3://{bucket}/").stdout
    assert re.search(r"^\s+PRE dir/$", top, re.M)
    assert re.search(r"\s5 a\.txt$", top, re.M) and "b.txt" not in top
    rec = aws2("s3", "ls", "--recursive", f"s3://{bucket}/").stdout
    listed = {m.group(2): int(m.group(1))
              for m in re.finditer(r"^\S+ \S+\s+(\d+) (.+)$", rec, re.M)}
    assert listed == sizes
    summary = aws2("s3", "ls", "--recursive", "--summarize", f"s3://{bucket}/").stdout
    assert re.search(r"Total Objects: 3$", summary, re.M), summary
    assert re.search(r"Total Size: 1005$", summary, re.M), summary


def test_s3api_put_get_head_list_delete_objects(aws2, bucket, tmp_path):
    src = tmp_path / "in.bin"
    data = data_of(4096)
    src.write_bytes(data)
    put = _json(aws2("s3api", "put-object", "--bucket", bucket, "--key", "api/obj",
                     "--body", src, "--content-type", "application/x-api",
                     "--metadata", "k1=v1"))
    assert put["ETag"] == f'"{md5_hex(data)}"'
    head = _json(aws2("s3api", "head-object", "--bucket", bucket, "--key", "api/obj"))
    assert (head["ContentLength"], head["ContentType"], head["Metadata"]) == \
        (len(data), "application/x-api", {"k1": "v1"})
    out = tmp_path / "out.bin"
    got = _json(aws2("s3api", "get-object", "--bucket", bucket, "--key", "api/obj",
                     "--range", "bytes=100-199", out))
    assert got["ContentRange"] == "bytes 100-199/4096"
    assert out.read_bytes() == data[100:200]
    for i in range(5):
        aws2("s3api", "put-object", "--bucket", bucket, "--key", f"api/n{i}", "--body", src)
    page = _json(aws2("s3api", "list-objects-v2", "--bucket", bucket, "--prefix", "api/",
                      "--max-items", "4"))  # the CLI pages through the server's answers
    assert [o["Key"] for o in page["Contents"]] == ["api/n0", "api/n1", "api/n2", "api/n3"]
    assert "NextToken" in page
    listed = _json(aws2("s3api", "list-objects-v2", "--bucket", bucket, "--prefix", "api/",
                        "--page-size", "2"))
    assert [o["Key"] for o in listed["Contents"]] == ["api/n0", "api/n1", "api/n2", "api/n3",
                                                      "api/n4", "api/obj"]
    deleted = _json(aws2("s3api", "delete-objects", "--bucket", bucket, "--delete", json.dumps(
        {"Objects": [{"Key": "api/obj"}, {"Key": "api/n0"}, {"Key": "api/missing"}]})))
    assert sorted(d["Key"] for d in deleted["Deleted"]) == ["api/missing", "api/n0", "api/obj"]
    assert "Errors" not in deleted
    left = _json(aws2("s3api", "list-objects-v2", "--bucket", bucket))
    assert [o["Key"] for o in left["Contents"]] == [f"api/n{i}" for i in range(1, 5)]


def test_s3api_errors_exit_254_with_the_s3_code(aws2, bucket):
    r = aws2("s3api", "head-object", "--bucket", bucket, "--key", "nope", check=False)
    assert r.returncode == SERVICE_ERROR_EXIT and "404" in r.stderr
    r = aws2("s3api", "get-object", "--bucket", bucket, "--key", "nope", "/dev/null", check=False)
    assert r.returncode == SERVICE_ERROR_EXIT and "NoSuchKey" in r.stderr
    r = aws2("s3api", "list-objects-v2", "--bucket", bucket + "-absent", check=False)
    assert r.returncode == SERVICE_ERROR_EXIT and "NoSuchBucket" in r.stderr


def test_s3api_multipart_upload_cycle(aws2, s3, bucket, tmp_path):
    parts = [data_of(5 * MiB, seed=31), data_of(1234, seed=32)]
    upload_id = _json(aws2("s3api", "create-multipart-upload", "--bucket", bucket, "--key", "mp",
                           "--content-type", "application/x-mp"))["UploadId"]
    uploads = _json(aws2("s3api", "list-multipart-uploads", "--bucket", bucket))["Uploads"]
    assert [(u["Key"], u["UploadId"]) for u in uploads] == [("mp", upload_id)]
    completed = []
    for n, part in enumerate(parts, start=1):
        f = tmp_path / f"part{n}"
        f.write_bytes(part)
        etag = _json(aws2("s3api", "upload-part", "--bucket", bucket, "--key", "mp",
                          "--upload-id", upload_id, "--part-number", n, "--body", f))["ETag"]
        assert etag == f'"{md5_hex(part)}"'
        completed.append({"PartNumber": n, "ETag": etag})
    listed = _json(aws2("s3api", "list-parts", "--bucket", bucket, "--key", "mp",
                        "--upload-id", upload_id))
    assert [(p["PartNumber"], p["Size"]) for p in listed["Parts"]] == [(1, 5 * MiB), (2, 1234)]
    done = _json(aws2("s3api", "complete-multipart-upload", "--bucket", bucket, "--key", "mp",
                      "--upload-id", upload_id, "--multipart-upload",
                      json.dumps({"Parts": completed})))
    assert done["ETag"] == multipart_etag(parts)
    got = s3.get_object(Bucket=bucket, Key="mp")
    assert got["ContentType"] == "application/x-mp"
    assert got["Body"].read() == b"".join(parts)

    aborted = _json(aws2("s3api", "create-multipart-upload", "--bucket", bucket,
                         "--key", "gone"))["UploadId"]
    aws2("s3api", "abort-multipart-upload", "--bucket", bucket, "--key", "gone",
         "--upload-id", aborted)
    # No upload left. (Paginated, v2 prints nothing for an empty result; unpaginated it prints
    # the whole answer.)
    assert aws2("s3api", "list-multipart-uploads", "--bucket", bucket).stdout.strip() == ""
    whole = _json(aws2("s3api", "list-multipart-uploads", "--bucket", bucket, "--no-paginate"))
    assert whole["Bucket"] == bucket and "Uploads" not in whole
    r = aws2("s3api", "list-parts", "--bucket", bucket, "--key", "gone", "--upload-id", aborted,
             check=False)
    assert r.returncode == SERVICE_ERROR_EXIT and "NoSuchUpload" in r.stderr


@pytest.fixture
def versioned_bucket(s3, new_bucket_name):
    s3.create_bucket(Bucket=new_bucket_name)
    yield new_bucket_name
    delete_all_versions_and_bucket(s3, new_bucket_name)


def test_s3api_versioning_keeps_every_version(aws2, versioned_bucket, tmp_path):
    b = versioned_bucket
    aws2("s3api", "put-bucket-versioning", "--bucket", b,
         "--versioning-configuration", "Status=Enabled")
    assert _json(aws2("s3api", "get-bucket-versioning", "--bucket", b))["Status"] == "Enabled"
    src = tmp_path / "v"
    ids = []
    for body in (b"first", b"second"):
        src.write_bytes(body)
        ids.append(_json(aws2("s3api", "put-object", "--bucket", b, "--key", "doc",
                              "--body", src))["VersionId"])
    marker = _json(aws2("s3api", "delete-object", "--bucket", b, "--key", "doc"))
    assert marker["DeleteMarker"] is True
    listed = _json(aws2("s3api", "list-object-versions", "--bucket", b))
    versions = {v["VersionId"]: v for v in listed["Versions"]}
    assert set(versions) == set(ids)
    assert [m["VersionId"] for m in listed["DeleteMarkers"]] == [marker["VersionId"]]
    assert listed["DeleteMarkers"][0]["IsLatest"] is True
    assert versions[ids[0]]["Size"] == 5 and versions[ids[1]]["Size"] == 6
    out = tmp_path / "out"
    aws2("s3api", "get-object", "--bucket", b, "--key", "doc", "--version-id", ids[0], out)
    assert out.read_bytes() == b"first"
    r = aws2("s3api", "get-object", "--bucket", b, "--key", "doc", out, check=False)
    assert r.returncode == SERVICE_ERROR_EXIT and "NoSuchKey" in r.stderr
    # `aws s3 ls` shows no key behind a delete marker.
    assert aws2("s3", "ls", f"s3://{b}/").stdout.strip() == ""


def test_presigned_url_fetches_the_object_and_an_expired_one_is_refused(aws2, s3, bucket):
    s3.put_object(Bucket=bucket, Key="dir/päth +.txt", Body=b"presigned body")
    url = aws2("s3", "presign", f"s3://{bucket}/dir/päth +.txt").stdout.strip()
    assert "X-Amz-Signature=" in url and "X-Amz-Expires=3600" in url  # v2 signs with SigV4
    r = requests.get(url, timeout=10)
    assert r.status_code == 200 and r.content == b"presigned body"
    tampered = requests.get(url.replace("p%C3%A4th", "path"), timeout=10)
    assert tampered.status_code == 403
    short = aws2("s3", "presign", "--expires-in", "1", f"s3://{bucket}/dir/päth +.txt")
    time.sleep(2.1)
    expired = requests.get(short.stdout.strip(), timeout=10)
    assert expired.status_code == 403 and b"<Code>AccessDenied</Code>" in expired.content
    assert b"expired" in expired.content.lower()


def test_cp_with_sse_aes256_over_http(aws2, s3, bucket, tmp_path):
    src = tmp_path / "enc.bin"
    data = data_of(9 * MiB + 5, seed=9)  # above v2's 8 MiB threshold: multipart with SSE
    src.write_bytes(data)
    aws2("s3", "cp", "--no-progress", "--sse", "AES256", src, f"s3://{bucket}/enc.bin",
         timeout=300)
    head = _json(aws2("s3api", "head-object", "--bucket", bucket, "--key", "enc.bin"))
    assert head["ServerSideEncryption"] == "AES256"
    assert head["ContentLength"] == len(data)
    dst = tmp_path / "enc.back"
    aws2("s3", "cp", "--no-progress", f"s3://{bucket}/enc.bin", dst, timeout=300)
    assert dst.read_bytes() == data


# ---- SSE-C needs HTTPS (the server refuses customer keys over plain HTTP by default) ----


@pytest.fixture(scope="module")
def tls_server(tmp_path_factory):
    pki = make_pki(tmp_path_factory.mktemp("awscli-v2-pki"))
    tmp = tmp_path_factory.mktemp("awscli-v2-tls")
    config = {
        "listen": f"127.0.0.1:{own_server.free_port()}",
        "tls": {"cert": str(pki / "server.pem"), "key": str(pki / "server.key"),
                "listen": f"127.0.0.1:{own_server.free_port()}"},
    }
    server = own_server.start(tmp, config, ca_file=str(pki / "ca.pem"))
    server.ca_file = str(pki / "ca.pem")
    yield server
    log = server.log()
    assert server.stop() == 0, log[-4000:]
    errors = server_errors(log, "aws-cli/2")
    assert not errors, "the TLS server answered aws-cli v2 with 5xx:\n" + "\n".join(errors)


def test_cp_with_sse_c_over_https_round_trips_only_with_the_key(tls_server, tmp_path):
    aws_tls = _runner(_v2_env(tls_server.access_key, tls_server.secret_key, tmp_path),
                      tls_server.https, "--ca-bundle", tls_server.ca_file)
    bucket = "awscli-v2-ssec"
    aws_tls("s3", "mb", f"s3://{bucket}")
    key = "k" * 32  # the CLI takes the raw 32-byte key
    ssec = ("--sse-c", "AES256", "--sse-c-key", key)
    for name, size in (("small.bin", 100 * 1024 + 1), ("multi.bin", 9 * MiB + 7)):
        src = tmp_path / name
        data = data_of(size, seed=size)
        src.write_bytes(data)
        aws_tls("s3", "cp", "--no-progress", *ssec, src, f"s3://{bucket}/{name}", timeout=300)
        head = _json(aws_tls("s3api", "head-object", "--bucket", bucket, "--key", name,
                             "--sse-customer-algorithm", "AES256", "--sse-customer-key", key))
        assert head["SSECustomerAlgorithm"] == "AES256"
        assert head["ContentLength"] == size
        assert head["ETag"] != f'"{md5_hex(data)}"'  # SSE-C ETags are not the plaintext's MD5
        dst = tmp_path / (name + ".back")
        aws_tls("s3", "cp", "--no-progress", *ssec, f"s3://{bucket}/{name}", dst, timeout=300)
        assert dst.read_bytes() == data
        r = aws_tls("s3", "cp", "--no-progress", f"s3://{bucket}/{name}", tmp_path / "x",
                    check=False)
        assert r.returncode == 1 and "400" in r.stderr  # no key: InvalidRequest on the HEAD
        r = aws_tls("s3", "cp", "--no-progress", "--sse-c", "AES256", "--sse-c-key", "j" * 32,
                    f"s3://{bucket}/{name}", tmp_path / "x", check=False)
        assert r.returncode == 1 and "403" in r.stderr  # wrong key: AccessDenied
    aws_tls("s3", "rm", "--recursive", f"s3://{bucket}/")
    aws_tls("s3", "rb", f"s3://{bucket}")
