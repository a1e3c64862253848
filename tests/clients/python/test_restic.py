"""restic (Debian's package): init a repository in a bucket, back up a tree, restore, compare."""

import filecmp
import os
import shutil
import subprocess

import pytest

from conftest import _clean_env


@pytest.fixture
def restic(server, bucket, tmp_path):
    exe = shutil.which("restic")
    if exe is None:
        pytest.fail("`restic` is not on PATH: run tools/install-client-deps.sh", pytrace=False)
    env = _clean_env()
    env.update(
        RESTIC_REPOSITORY=f"s3:{server.endpoint}/{bucket}/restic-repo",
        RESTIC_PASSWORD="correct horse battery staple",
        AWS_ACCESS_KEY_ID=server.creds.access_key,
        AWS_SECRET_ACCESS_KEY=server.creds.secret_key,
        AWS_DEFAULT_REGION="us-east-1",
        RESTIC_CACHE_DIR=str(tmp_path / "restic-cache"),
        HOME=str(tmp_path),
    )

    def run(*args, timeout=180):
        proc = subprocess.run([exe, *map(str, args)], env=env, capture_output=True, text=True,
                              timeout=timeout)
        if proc.returncode != 0:
            pytest.fail(f"restic {' '.join(map(str, args))} exited {proc.returncode}\n"
                        f"{proc.stdout[-3000:]}\n{proc.stderr[-3000:]}", pytrace=False)
        return proc

    return run


def assert_trees_equal(a, b):
    cmp = filecmp.dircmp(a, b)
    assert not cmp.left_only and not cmp.right_only and not cmp.funny_files, cmp.report()
    _, mismatch, errors = filecmp.cmpfiles(a, b, cmp.common_files, shallow=False)
    assert not mismatch and not errors, (mismatch, errors)
    for sub in cmp.common_dirs:
        assert_trees_equal(os.path.join(a, sub), os.path.join(b, sub))


def test_restic_backup_and_restore_byte_for_byte(restic, tree, tmp_path):
    restic("init")
    restic("backup", "--host", "ci", tree)
    (tree / "docs" / "readme.txt").write_text("changed after the first snapshot\n")
    restic("backup", "--host", "ci", tree)
    snapshots = restic("snapshots", "--json").stdout
    assert snapshots.count('"id"') == 2
    restic("check", "--read-data")

    target = tmp_path / "restored"
    restic("restore", "latest", "--target", target)
    restored = target / str(tree).lstrip("/")
    assert_trees_equal(tree, restored)
    assert os.readlink(restored / "link-to-readme") == "docs/readme.txt"
    assert (restored / "empty-dir").is_dir()

    restic("forget", "--keep-last", "1", "--prune")
    assert restic("snapshots", "--json").stdout.count('"id"') == 1
