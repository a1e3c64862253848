"""aws-cli v1 (`aws s3` and `aws s3api`) against the server. Uploads stay single-part: the
fixture's AWS_CONFIG_FILE sets s3.multipart_threshold = 64MB."""

import json

import pytest

from awscli_helpers import TREE, read_tree, write_tree
from conftest import empty_and_delete_bucket
from s3helpers import data_of, md5_hex

@pytest.fixture
def cli_bucket(s3, new_bucket_name):
    yield new_bucket_name
    empty_and_delete_bucket(s3, new_bucket_name)


def test_mb_ls_rb(aws, s3, cli_bucket):
    aws("s3", "mb", f"s3://{cli_bucket}")
    s3.head_bucket(Bucket=cli_bucket)
    assert cli_bucket in aws("s3", "ls").stdout
    aws("s3", "rb", f"s3://{cli_bucket}")
    assert cli_bucket not in [b["Name"] for b in s3.list_buckets()["Buckets"]]


def test_cp_small_file_up_and_down(aws, s3, bucket, tmp_path):
    src = tmp_path / "small.txt"
    src.write_bytes(b"hello from aws-cli\n")
    aws("s3", "cp", "--no-progress", str(src), f"s3://{bucket}/dir/small.txt")
    assert s3.get_object(Bucket=bucket, Key="dir/small.txt")["Body"].read() == src.read_bytes()
    dst = tmp_path / "back.txt"
    aws("s3", "cp", "--no-progress", f"s3://{bucket}/dir/small.txt", str(dst))
    assert dst.read_bytes() == src.read_bytes()


def test_cp_20_mib_file_single_part(aws, s3, bucket, tmp_path):
    data = data_of(20 * 1024 * 1024, seed=20)
    src = tmp_path / "big.bin"
    src.write_bytes(data)
    aws("s3", "cp", "--no-progress", str(src), f"s3://{bucket}/big.bin", timeout=300)
    head = s3.head_object(Bucket=bucket, Key="big.bin")
    assert head["ContentLength"] == len(data)
    assert head["ETag"] == f'"{md5_hex(data)}"'  # single part: plain MD5, no "-N" suffix
    dst = tmp_path / "big.back"
    aws("s3", "cp", "--no-progress", f"s3://{bucket}/big.bin", str(dst), timeout=300)
    assert md5_hex(dst.read_bytes()) == md5_hex(data)


def test_cp_from_stdin_and_to_stdout(aws, bucket):
    aws("s3", "cp", "--no-progress", "-", f"s3://{bucket}/stream.txt", input_bytes=b"streamed through stdin")
    out = aws("s3", "cp", "--no-progress", f"s3://{bucket}/stream.txt", "-")
    assert out.stdout == "streamed through stdin"


def test_ls_shows_keys_and_prefixes(aws, s3, bucket):
    for key in ("a.txt", "dir/b.txt", "dir/sub/c.txt"):
        s3.put_object(Bucket=bucket, Key=key, Body=b"12345")
    top = aws("s3", "ls", f"s3://{bucket}/").stdout
    assert "PRE dir/" in top
    assert "a.txt" in top and "b.txt" not in top
    rec = aws("s3", "ls", "--recursive", f"s3://{bucket}/").stdout
    for key in ("a.txt", "dir/b.txt", "dir/sub/c.txt"):
        assert key in rec


def test_sync_uploads_tree_and_second_sync_does_nothing(aws, s3, bucket, tmp_path):
    src = tmp_path / "src"
    write_tree(src, TREE)
    first = aws("s3", "sync", "--no-progress", str(src), f"s3://{bucket}/tree")
    assert first.stdout.count("upload:") == len(TREE)
    keys = sorted(o["Key"] for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket)
                  for o in page.get("Contents", []))
    assert keys == sorted(f"tree/{k}" for k in TREE)
    for rel, data in TREE.items():
        assert s3.get_object(Bucket=bucket, Key=f"tree/{rel}")["Body"].read() == data
    second = aws("s3", "sync", "--no-progress", str(src), f"s3://{bucket}/tree")
    assert second.stdout.strip() == "", second.stdout
    # And back down, into an empty folder.
    dst = tmp_path / "dst"
    aws("s3", "sync", "--no-progress", f"s3://{bucket}/tree", str(dst))
    assert read_tree(dst) == TREE
    again = aws("s3", "sync", "--no-progress", f"s3://{bucket}/tree", str(dst))
    assert again.stdout.strip() == "", again.stdout


def test_sync_delete_removes_remote_extras(aws, s3, bucket, tmp_path):
    src = tmp_path / "src"
    write_tree(src, {"keep.txt": b"k", "sub/keep2.txt": b"k2"})
    s3.put_object(Bucket=bucket, Key="extra.txt", Body=b"x")
    aws("s3", "sync", "--no-progress", "--delete", str(src), f"s3://{bucket}")
    keys = [o["Key"] for o in s3.list_objects_v2(Bucket=bucket)["Contents"]]
    assert keys == ["keep.txt", "sub/keep2.txt"]


def test_rm_recursive(aws, s3, bucket):
    for key in ("x/1", "x/2", "x/y/3", "keep"):
        s3.put_object(Bucket=bucket, Key=key, Body=b"data")
    out = aws("s3", "rm", "--recursive", f"s3://{bucket}/x/")
    assert out.stdout.count("delete:") == 3
    assert [o["Key"] for o in s3.list_objects_v2(Bucket=bucket)["Contents"]] == ["keep"]


def test_s3api_put_get_head_list(aws, bucket, tmp_path):
    src = tmp_path / "in.bin"
    data = data_of(4096)
    src.write_bytes(data)
    put = json.loads(aws("s3api", "put-object", "--bucket", bucket, "--key", "api/obj",
                         "--body", str(src), "--content-type", "application/x-api",
                         "--metadata", "k1=v1").stdout)
    assert put["ETag"] == f'"{md5_hex(data)}"'
    head = json.loads(aws("s3api", "head-object", "--bucket", bucket, "--key", "api/obj").stdout)
    assert head["ContentLength"] == len(data)
    assert head["ContentType"] == "application/x-api"
    assert head["Metadata"] == {"k1": "v1"}
    out = tmp_path / "out.bin"
    got = json.loads(aws("s3api", "get-object", "--bucket", bucket, "--key", "api/obj",
                         str(out)).stdout)
    assert got["ETag"] == put["ETag"]
    assert out.read_bytes() == data
    listed = json.loads(aws("s3api", "list-objects-v2", "--bucket", bucket,
                            "--prefix", "api/").stdout)
    assert [o["Key"] for o in listed["Contents"]] == ["api/obj"]


def test_s3api_error_is_reported_with_code(aws, bucket):
    r = aws("s3api", "head-object", "--bucket", bucket, "--key", "nope", check=False)
    assert r.returncode != 0
    assert "404" in r.stderr
    r = aws("s3api", "get-object", "--bucket", bucket, "--key", "nope", "/dev/null", check=False)
    assert r.returncode != 0
    assert "NoSuchKey" in r.stderr
