"""rclone 1.60 (provider Other, path style) against the server. Files stay far below rclone's
200 MiB multipart cutoff."""

import os

import pytest

from s3helpers import data_of

TREE = {
    "a.txt": b"alpha",
    "empty": b"",
    "dir/b.bin": data_of(100_000, seed=2),
    "dir/sub/c.txt": b"charlie",
    "ünïcödé/ファイル.txt": b"unicode",
    "space dir/plus+percent%.txt": b"odd",
}


def write_tree(root, tree):
    for rel, data in tree.items():
        p = root / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_bytes(data)


@pytest.fixture
def src_tree(tmp_path):
    root = tmp_path / "src"
    write_tree(root, TREE)
    return root


def remote_keys(s3, bucket):
    return sorted(o["Key"] for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket)
                  for o in page.get("Contents", []))


def test_copy_tree_then_check(rclone, s3, bucket, src_tree):
    rclone("copy", str(src_tree), f"strata:{bucket}/data")
    assert remote_keys(s3, bucket) == sorted(f"data/{k}" for k in TREE)
    for rel, data in TREE.items():
        assert s3.get_object(Bucket=bucket, Key=f"data/{rel}")["Body"].read() == data
    check = rclone("check", str(src_tree), f"strata:{bucket}/data", check=False)
    assert check.returncode == 0, check.stderr


def test_check_detects_a_difference(rclone, s3, bucket, src_tree):
    rclone("copy", str(src_tree), f"strata:{bucket}")
    s3.put_object(Bucket=bucket, Key="a.txt", Body=b"ALPHA")  # same size, other bytes
    check = rclone("check", str(src_tree), f"strata:{bucket}", check=False)
    assert check.returncode != 0
    assert "a.txt" in check.stderr


def test_sync_twice_second_transfers_nothing(rclone, s3, bucket, src_tree):
    first = rclone("sync", "-v", "--stats-one-line", str(src_tree), f"strata:{bucket}")
    assert "Copied (new)" in first.stderr
    second = rclone("sync", "-v", "--stats-one-line", str(src_tree), f"strata:{bucket}")
    assert "Copied" not in second.stderr, second.stderr
    assert "Deleted" not in second.stderr, second.stderr
    assert remote_keys(s3, bucket) == sorted(TREE)


def test_sync_removes_deleted_files(rclone, s3, bucket, src_tree):
    rclone("sync", str(src_tree), f"strata:{bucket}")
    os.remove(src_tree / "dir/sub/c.txt")
    rclone("sync", str(src_tree), f"strata:{bucket}")
    assert remote_keys(s3, bucket) == sorted(k for k in TREE if k != "dir/sub/c.txt")


def test_lsf_lists_files_and_dirs(rclone, bucket, src_tree):
    rclone("copy", str(src_tree), f"strata:{bucket}")
    top = rclone("lsf", f"strata:{bucket}").stdout.splitlines()
    assert sorted(top) == sorted(["a.txt", "empty", "dir/", "ünïcödé/", "space dir/"])
    rec = rclone("lsf", "-R", "--files-only", f"strata:{bucket}").stdout.splitlines()
    assert sorted(rec) == sorted(TREE)


def test_copy_back_round_trips_bytes_and_mtime(rclone, bucket, src_tree, tmp_path):
    rclone("copy", str(src_tree), f"strata:{bucket}")
    dst = tmp_path / "dst"
    rclone("copy", f"strata:{bucket}", str(dst))
    for rel, data in TREE.items():
        assert (dst / rel).read_bytes() == data
        # rclone keeps the mtime in x-amz-meta-mtime: metadata must round-trip.
        assert abs((dst / rel).stat().st_mtime - (src_tree / rel).stat().st_mtime) < 1.0, rel
