"""Helpers for the multipart, copy and batch-delete tests: composite checksums and ETags computed
locally, and clean-up of uploads left open (a bucket with an open upload cannot be deleted)."""

import base64
import hashlib
import zlib

from s3helpers import checksum_b64

MiB = 1024 * 1024


def multipart_etag(parts) -> str:
    """The S3 ETag of an object completed from `parts` (bytes each): MD5 of the MD5s, then -N."""
    digests = b"".join(hashlib.md5(p).digest() for p in parts)
    return f'"{hashlib.md5(digests).hexdigest()}-{len(parts)}"'


def composite_checksum(algorithm: str, parts) -> str:
    """S3's COMPOSITE checksum: the checksum of the concatenated raw part checksums, then -N."""
    raw = b"".join(base64.b64decode(checksum_b64(algorithm, p)) for p in parts)
    return f"{checksum_b64(algorithm, raw)}-{len(parts)}"


def crc32_b64(data: bytes) -> str:
    return base64.b64encode((zlib.crc32(data) & 0xFFFFFFFF).to_bytes(4, "big")).decode()


def abort_all_uploads(s3, bucket: str) -> None:
    """Aborts every upload still open in `bucket`."""
    while True:
        listed = s3.list_multipart_uploads(Bucket=bucket)
        uploads = listed.get("Uploads", [])
        for u in uploads:
            s3.abort_multipart_upload(Bucket=bucket, Key=u["Key"], UploadId=u["UploadId"])
        if not listed.get("IsTruncated"):
            return


def upload_parts(s3, bucket: str, key: str, parts, **create_args):
    """Creates an upload, uploads `parts` as parts 1..N; returns (upload_id, completed parts)."""
    upload_id = s3.create_multipart_upload(Bucket=bucket, Key=key, **create_args)["UploadId"]
    completed = []
    for n, data in enumerate(parts, start=1):
        r = s3.upload_part(Bucket=bucket, Key=key, UploadId=upload_id, PartNumber=n, Body=data)
        completed.append({"PartNumber": n, "ETag": r["ETag"]})
    return upload_id, completed
