"""aws-cli: `s3 presign` URLs fetched by plain HTTP clients, and `s3 mv` in every direction."""

import shutil
import subprocess

import pytest
import requests

from conftest import random_bytes

MIB = 1024 * 1024


def test_presigned_url_from_aws_s3_presign_works_with_requests_and_curl(bucket, s3, aws_mp, tmp_path):
    body = random_bytes(100_000, 5)
    s3.put_object(Bucket=bucket, Key="shared/report v1.pdf", Body=body)
    url = aws_mp("s3", "presign", f"s3://{bucket}/shared/report v1.pdf", "--expires-in", "300")
    url = url.stdout.strip()
    assert "X-Amz-Signature=" in url and url.startswith("http://127.0.0.1:")

    r = requests.get(url, timeout=30)
    assert r.status_code == 200, r.text
    assert r.content == body

    curl = shutil.which("curl")
    if curl is None:
        pytest.fail("curl is not on PATH: run tools/install-client-deps.sh", pytrace=False)
    out = tmp_path / "via-curl"
    proc = subprocess.run([curl, "-sS", "-f", "-o", str(out), url], capture_output=True, timeout=30)
    assert proc.returncode == 0, proc.stderr
    assert out.read_bytes() == body

    tampered = url.replace("X-Amz-Expires=300", "X-Amz-Expires=301")
    r = requests.get(tampered, timeout=30)
    assert r.status_code == 403 and b"SignatureDoesNotMatch" in r.content


def test_aws_cli_v1_default_sigv2_presign_works(bucket, s3, aws):
    # Without `s3.signature_version = s3v4` aws-cli v1 presigns with Signature Version 2
    # (AWSAccessKeyId, Signature, Expires): Strata verifies those too.
    s3.put_object(Bucket=bucket, Key="k", Body=b"v")
    url = aws("s3", "presign", f"s3://{bucket}/k").stdout.strip()
    assert "AWSAccessKeyId=" in url and "Signature=" in url
    r = requests.get(url, timeout=10)
    assert r.status_code == 200, r.text
    assert r.content == b"v"
    # The signature covers the key: the same URL for another key is refused.
    r = requests.get(url.replace(f"/{bucket}/k?", f"/{bucket}/other?"), timeout=10)
    assert r.status_code == 403 and b"SignatureDoesNotMatch" in r.content


def test_aws_s3_mv_local_to_s3_to_s3_to_local(bucket, s3, aws, tmp_path):
    src = tmp_path / "notes.txt"
    src.write_bytes(b"move me\n")
    aws("s3", "mv", src, f"s3://{bucket}/in/notes.txt")
    assert not src.exists()
    aws("s3", "mv", f"s3://{bucket}/in/notes.txt", f"s3://{bucket}/archive/notes.txt")  # CopyObject
    keys = [o["Key"] for o in s3.list_objects_v2(Bucket=bucket).get("Contents", [])]
    assert keys == ["archive/notes.txt"]
    dst = tmp_path / "back.txt"
    aws("s3", "mv", f"s3://{bucket}/archive/notes.txt", dst)
    assert dst.read_bytes() == b"move me\n"
    assert s3.list_objects_v2(Bucket=bucket)["KeyCount"] == 0


def test_aws_s3_mv_recursive_with_multipart_upload_and_copy(bucket, s3, aws_mp, tmp_path):
    folder = tmp_path / "batch"
    (folder / "sub").mkdir(parents=True)
    big = random_bytes(11 * MIB, 9)
    (folder / "big.bin").write_bytes(big)  # over the 8 MB threshold: multipart upload
    (folder / "sub" / "small.txt").write_text("small\n")
    aws_mp("s3", "mv", "--recursive", folder, f"s3://{bucket}/stage/")
    assert not (folder / "big.bin").exists()
    head = s3.head_object(Bucket=bucket, Key="stage/big.bin")
    assert head["ETag"].strip('"').endswith("-3")
    # s3 -> s3 of an 11 MB object: CreateMultipartUpload + UploadPartCopy, then DeleteObject.
    aws_mp("s3", "mv", "--recursive", f"s3://{bucket}/stage/", f"s3://{bucket}/final/")
    keys = sorted(o["Key"] for o in s3.list_objects_v2(Bucket=bucket).get("Contents", []))
    assert keys == ["final/big.bin", "final/sub/small.txt"]
    assert s3.get_object(Bucket=bucket, Key="final/big.bin")["Body"].read() == big
