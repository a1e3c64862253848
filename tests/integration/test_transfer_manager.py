"""Real multipart clients (issue 3): boto3's transfer manager with small thresholds and four
threads, aws-cli `s3 cp` with its default 8 MiB parts, and rclone with 5 MiB chunks; every
transfer is compared byte for byte."""

import filecmp
import os
import subprocess

import pytest
from boto3.s3.transfer import TransferConfig

from multipart_helpers import MiB, abort_all_uploads, composite_checksum, multipart_etag
from s3helpers import data_of

CONFIG = TransferConfig(multipart_threshold=5 * MiB, multipart_chunksize=5 * MiB,
                        max_concurrency=4)


@pytest.fixture
def mp_bucket(s3, bucket):
    yield bucket
    abort_all_uploads(s3, bucket)


def test_transfer_manager_upload_download_and_copy(s3, mp_bucket, tmp_path):
    data = data_of(23 * MiB + 12345, seed=31)
    src = tmp_path / "src.bin"
    src.write_bytes(data)
    s3.upload_file(str(src), mp_bucket, "tm/object.bin", Config=CONFIG)
    chunks = [data[i:i + 5 * MiB] for i in range(0, len(data), 5 * MiB)]
    head = s3.head_object(Bucket=mp_bucket, Key="tm/object.bin", ChecksumMode="ENABLED")
    assert head["ETag"] == multipart_etag(chunks)
    assert head["ContentLength"] == len(data)
    # s3transfer asks for CRC32 checksums by default; the object then has the composite one.
    assert head["ChecksumCRC32"] == composite_checksum("CRC32", chunks)
    assert head["ChecksumType"] == "COMPOSITE"

    dst = tmp_path / "dst.bin"
    s3.download_file(mp_bucket, "tm/object.bin", str(dst), Config=CONFIG)
    assert filecmp.cmp(src, dst, shallow=False)

    # A managed copy of a multipart object goes through UploadPartCopy.
    s3.copy({"Bucket": mp_bucket, "Key": "tm/object.bin"}, mp_bucket, "tm/copy.bin",
            Config=CONFIG)
    copied = s3.head_object(Bucket=mp_bucket, Key="tm/copy.bin")
    assert copied["ETag"] == multipart_etag(chunks)
    back = tmp_path / "copy.bin"
    s3.download_file(mp_bucket, "tm/copy.bin", str(back), Config=CONFIG)
    assert filecmp.cmp(src, back, shallow=False)
    assert s3.list_multipart_uploads(Bucket=mp_bucket).get("Uploads", []) == []


def test_transfer_manager_upload_fileobj_with_sha256(s3, mp_bucket, tmp_path):
    data = data_of(11 * MiB, seed=32)
    src = tmp_path / "src.bin"
    src.write_bytes(data)
    s3.upload_file(str(src), mp_bucket, "sha", Config=CONFIG,
                   ExtraArgs={"ChecksumAlgorithm": "SHA256", "Metadata": {"k": "v"}})
    head = s3.head_object(Bucket=mp_bucket, Key="sha", ChecksumMode="ENABLED")
    assert head["ChecksumSHA256"].endswith("-3")
    assert head["Metadata"] == {"k": "v"}
    assert s3.get_object(Bucket=mp_bucket, Key="sha")["Body"].read() == data


def _sparse_file(path, size):
    """Mostly zeros (a hole) with random blocks at the start, the middle and the end."""
    with open(path, "wb") as f:
        f.truncate(size)
        for offset in (0, size // 2 - 4096, size - 3 * MiB):
            f.seek(offset)
            f.write(data_of(MiB + 17, seed=offset))


def test_aws_cli_cp_with_default_8_mib_parts(server, aws_env, s3, mp_bucket, tmp_path):
    # Our own config: the suite's default keeps the aws CLI single-part below 64 MB.
    config = tmp_path / "aws-config"
    config.write_text("[default]\nregion = us-east-1\nmax_attempts = 1\n"
                      "s3 =\n    addressing_style = path\n")
    env = dict(aws_env, AWS_CONFIG_FILE=str(config))
    src = tmp_path / "sparse.bin"
    _sparse_file(src, 64 * MiB)

    def aws(*args):
        proc = subprocess.run(["aws", "--endpoint-url", server.endpoint, *map(str, args)],
                              env=env, capture_output=True, text=True, timeout=300)
        assert proc.returncode == 0, proc.stderr[-3000:]
        return proc

    aws("s3", "cp", src, f"s3://{mp_bucket}/big/sparse.bin")
    head = s3.head_object(Bucket=mp_bucket, Key="big/sparse.bin")
    assert head["ContentLength"] == 64 * MiB
    assert head["ETag"].endswith('-8"')
    dst = tmp_path / "back.bin"
    aws("s3", "cp", f"s3://{mp_bucket}/big/sparse.bin", dst)
    assert os.path.getsize(dst) == 64 * MiB
    assert filecmp.cmp(src, dst, shallow=False)


def test_rclone_copy_with_5_mib_chunks(rclone, s3, mp_bucket, tmp_path):
    local = tmp_path / "local"
    local.mkdir()
    data = data_of(12 * MiB + 3, seed=33)
    (local / "big.bin").write_bytes(data)
    (local / "small.txt").write_bytes(b"small")
    rclone("copy", "--s3-upload-cutoff", "5M", "--s3-chunk-size", "5M", local,
           f"strata:{mp_bucket}/rc")
    head = s3.head_object(Bucket=mp_bucket, Key="rc/big.bin")
    assert head["ETag"].endswith('-3"')
    rclone("check", local, f"strata:{mp_bucket}/rc")
    back = tmp_path / "back"
    rclone("copy", f"strata:{mp_bucket}/rc", back)
    assert (back / "big.bin").read_bytes() == data
    assert (back / "small.txt").read_bytes() == b"small"
