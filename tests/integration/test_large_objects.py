"""A multi-GiB object through aws-cli (issue 3): `aws s3 cp` of a 2 GiB + 3 byte sparse file with
the CLI's default multipart settings (8 MiB parts) and 4 concurrent requests, HeadObject, the
download back, and one ranged GET across a part boundary. Both files are hashed in streaming
fashion; nothing here holds more than one 8 MiB part in memory.

Measured on the 2-core development VM (RelWithDebInfo server, load average 5-6 from other
work): 17-20 s; 71 s while a -j2 C++ build shared the 2 cores. Needs about 6 GiB of free disk:
the 2 GiB download and the object's 2+2-coded shards."""

import hashlib
import json
import os
import subprocess

import pytest

from multipart_helpers import MiB, abort_all_uploads
from s3helpers import data_of

PART = 8 * MiB  # aws-cli's default multipart_chunksize (and threshold)
SIZE = 2 * 1024 * MiB + 3  # 256 full parts and a 3-byte last part
PARTS = -(-SIZE // PART)
MIDDLE_BOUNDARY = (PARTS // 2) * PART  # the boundary between parts 128 and 129
# Non-zero regions (offset, length) in an otherwise sparse file: the start, one across the
# middle part boundary, and the end (which crosses the boundary before the 3-byte last part).
REGIONS = [(0, MiB + 17), (MIDDLE_BOUNDARY - 300_001, MiB), (SIZE - MiB - 5, MiB + 5)]
# The ranged GET: 64 KiB either side of the middle boundary, inside the non-zero region.
RANGE = (MIDDLE_BOUNDARY - 65_536, MIDDLE_BOUNDARY + 65_535)


def _make_sparse_file(path) -> None:
    with open(path, "wb") as f:
        f.truncate(SIZE)
        for offset, length in REGIONS:
            f.seek(offset)
            f.write(data_of(length, seed=offset + 1))


def _sha256_and_multipart_etag(path):
    """(SHA-256 hex of the file, its S3 multipart ETag for PART-sized parts), one streaming pass.
    The MD5 of an all-zero part is computed once: most of the file is a hole."""
    sha = hashlib.sha256()
    part_md5s = []
    zero = bytes(PART)
    zero_md5 = hashlib.md5(zero).digest()
    with open(path, "rb") as f:
        while chunk := f.read(PART):
            sha.update(chunk)
            part_md5s.append(zero_md5 if chunk == zero else hashlib.md5(chunk).digest())
    etag = f'"{hashlib.md5(b"".join(part_md5s)).hexdigest()}-{len(part_md5s)}"'
    return sha.hexdigest(), etag


def _read_at(path, offset: int, length: int) -> bytes:
    with open(path, "rb") as f:
        f.seek(offset)
        return f.read(length)


@pytest.fixture
def mp_bucket(s3, bucket):
    yield bucket
    abort_all_uploads(s3, bucket)


def test_aws_cli_cp_of_a_2_gib_sparse_file_round_trips(server, aws_env, mp_bucket, tmp_path):
    # Our own config: the suite's shared one keeps the CLI single-part below 64 MB. This one
    # leaves aws-cli's defaults (8 MiB threshold and parts) and sets 4 concurrent requests.
    config = tmp_path / "aws-config"
    config.write_text("[default]\nregion = us-east-1\nmax_attempts = 1\n"
                      "s3 =\n    addressing_style = path\n    max_concurrent_requests = 4\n")
    env = dict(aws_env, AWS_CONFIG_FILE=str(config))

    def aws(*args):
        proc = subprocess.run(["aws", "--endpoint-url", server.endpoint, *map(str, args)],
                              env=env, capture_output=True, text=True, timeout=600)
        assert proc.returncode == 0, f"aws {' '.join(map(str, args))}:\n{proc.stderr[-3000:]}"
        return proc

    src = tmp_path / "sparse.bin"
    dst = tmp_path / "back.bin"
    ranged = tmp_path / "range.bin"
    key = "large/sparse.bin"
    _make_sparse_file(src)
    try:
        aws("s3", "cp", "--no-progress", src, f"s3://{mp_bucket}/{key}")

        src_sha, src_etag = _sha256_and_multipart_etag(src)
        head = json.loads(aws("s3api", "head-object", "--bucket", mp_bucket, "--key",
                              key).stdout)
        assert head["ContentLength"] == SIZE
        assert head["ETag"].endswith(f'-{PARTS}"')
        assert head["ETag"] == src_etag

        first, last = RANGE
        got = json.loads(aws("s3api", "get-object", "--bucket", mp_bucket, "--key", key,
                             "--range", f"bytes={first}-{last}", ranged).stdout)
        assert got["ContentRange"] == f"bytes {first}-{last}/{SIZE}"
        want = _read_at(src, first, last - first + 1)
        assert any(want), "the range must cover non-zero bytes"
        assert ranged.read_bytes() == want

        aws("s3", "cp", "--no-progress", f"s3://{mp_bucket}/{key}", dst)
        assert os.path.getsize(dst) == SIZE
        dst_sha, _ = _sha256_and_multipart_etag(dst)
        assert dst_sha == src_sha
    finally:
        # pytest keeps the last runs' tmp_path folders: do not leave 2 GiB behind.
        for p in (src, dst, ranged):
            p.unlink(missing_ok=True)
