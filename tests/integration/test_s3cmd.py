"""s3cmd 2.3 (path style, SigV4, plain HTTP) against the server. Files stay below s3cmd's 15 MiB
multipart chunk, and uploads pass --disable-multipart as well."""

import pytest

from conftest import empty_and_delete_bucket
from s3helpers import data_of, md5_hex


@pytest.fixture
def cmd_bucket(s3, new_bucket_name):
    yield new_bucket_name
    empty_and_delete_bucket(s3, new_bucket_name)


def test_mb_put_ls_get_del_rb(s3cmd, s3, cmd_bucket, tmp_path):
    s3cmd("mb", f"s3://{cmd_bucket}")
    s3.head_bucket(Bucket=cmd_bucket)
    src = tmp_path / "file.bin"
    data = data_of(3 * 1024 * 1024 + 5)
    src.write_bytes(data)
    s3cmd("put", "--disable-multipart", str(src), f"s3://{cmd_bucket}/dir/file.bin")
    head = s3.head_object(Bucket=cmd_bucket, Key="dir/file.bin")
    assert head["ContentLength"] == len(data)
    assert head["ETag"] == f'"{md5_hex(data)}"'
    ls = s3cmd("ls", f"s3://{cmd_bucket}/dir/").stdout
    assert f"s3://{cmd_bucket}/dir/file.bin" in ls
    top = s3cmd("ls", f"s3://{cmd_bucket}").stdout
    assert "DIR" in top and f"s3://{cmd_bucket}/dir/" in top
    dst = tmp_path / "back.bin"
    s3cmd("get", f"s3://{cmd_bucket}/dir/file.bin", str(dst))
    assert dst.read_bytes() == data
    s3cmd("del", f"s3://{cmd_bucket}/dir/file.bin")
    assert "Contents" not in s3.list_objects_v2(Bucket=cmd_bucket)
    s3cmd("rb", f"s3://{cmd_bucket}")
    assert cmd_bucket not in [b["Name"] for b in s3.list_buckets()["Buckets"]]


def test_ls_lists_buckets(s3cmd, bucket):
    assert f"s3://{bucket}" in s3cmd("ls").stdout


def test_put_unicode_and_space_names(s3cmd, s3, bucket, tmp_path):
    src = tmp_path / "naïve file.txt"
    src.write_bytes(b"unicode name")
    s3cmd("put", "--disable-multipart", str(src), f"s3://{bucket}/ü dir/naïve file.txt")
    assert s3.get_object(Bucket=bucket, Key="ü dir/naïve file.txt")["Body"].read() == b"unicode name"
    ls = s3cmd("ls", "--recursive", f"s3://{bucket}").stdout
    assert "ü dir/naïve file.txt" in ls


def test_put_recursive_tree_and_get_it_back(s3cmd, s3, bucket, tmp_path):
    src = tmp_path / "tree"
    files = {"a.txt": b"a", "sub/b.txt": b"bb", "sub/deeper/c.bin": data_of(50_000)}
    for rel, data in files.items():
        (src / rel).parent.mkdir(parents=True, exist_ok=True)
        (src / rel).write_bytes(data)
    s3cmd("put", "--recursive", "--disable-multipart", f"{src}/", f"s3://{bucket}/t/")
    keys = sorted(o["Key"] for o in s3.list_objects_v2(Bucket=bucket)["Contents"])
    assert keys == sorted(f"t/{k}" for k in files)
    dst = tmp_path / "back"
    dst.mkdir()
    s3cmd("get", "--recursive", f"s3://{bucket}/t/", f"{dst}/")
    got = {p.relative_to(dst).as_posix(): p.read_bytes() for p in dst.rglob("*") if p.is_file()}
    assert got == files


def test_get_missing_object_fails(s3cmd, bucket, tmp_path):
    r = s3cmd("get", f"s3://{bucket}/missing", str(tmp_path / "x"), check=False)
    assert r.returncode != 0
    assert "404" in r.stderr or "NoSuchKey" in r.stderr or "does not exist" in r.stderr
