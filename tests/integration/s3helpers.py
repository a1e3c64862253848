"""Helpers shared by the integration tests: raw signed requests, S3 error parsing, test data and
the S3 checksums botocore cannot compute without awscrt (CRC32C, CRC64NVME)."""

import base64
import datetime
import hashlib
import random
import zlib
from contextlib import contextmanager
from typing import Optional
from unittest import mock
from urllib.parse import quote
from xml.etree import ElementTree

import requests
from botocore.auth import S3SigV4Auth, SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials
from botocore.exceptions import ClientError

REGION = "us-east-1"
EMPTY_SHA256 = hashlib.sha256(b"").hexdigest()
S3_NS = "{http://s3.amazonaws.com/doc/2006-03-01/}"


def data_of(size: int, seed: int = 1234) -> bytes:
    """Deterministic pseudo-random bytes."""
    return random.Random(seed * 1_000_003 + size).randbytes(size)


def md5_hex(data: bytes) -> str:
    return hashlib.md5(data).hexdigest()


def md5_b64(data: bytes) -> str:
    return base64.b64encode(hashlib.md5(data).digest()).decode()


def error_code(e: ClientError) -> str:
    return e.response["Error"]["Code"]


def http_status(e: ClientError) -> int:
    return e.response["ResponseMetadata"]["HTTPStatusCode"]


def xml_error(body: bytes) -> dict:
    """Parses an S3 <Error> document into {'Code': ..., 'Message': ..., ...}; asserts it is one."""
    assert body, "expected an S3 XML error body, got an empty body"
    try:
        root = ElementTree.fromstring(body)
    except ElementTree.ParseError as e:
        raise AssertionError(f"error body is not XML ({e}): {body[:300]!r}") from None
    tag = root.tag.split("}")[-1]
    assert tag == "Error", f"expected <Error>, got <{tag}>: {body[:300]!r}"
    return {child.tag.split("}")[-1]: (child.text or "") for child in root}


def strip_ns(tag: str) -> str:
    return tag.split("}")[-1]


# --- checksums --------------------------------------------------------------------------------


def _reflected_table(poly: int, width: int):
    table = []
    for i in range(256):
        crc = i
        for _ in range(8):
            crc = (crc >> 1) ^ poly if crc & 1 else crc >> 1
        table.append(crc)
    return table


_CRC32C_TABLE = _reflected_table(0x82F63B78, 32)
# CRC-64/NVME: polynomial 0xAD93D23594C93659, reflected.
_CRC64NVME_TABLE = _reflected_table(0x9A6C9329AC4BC9B5, 64)


def _crc_reflected(data: bytes, table, mask: int) -> int:
    crc = mask
    for b in data:
        crc = table[(crc ^ b) & 0xFF] ^ (crc >> 8)
    return crc ^ mask


def crc32c(data: bytes) -> int:
    return _crc_reflected(data, _CRC32C_TABLE, 0xFFFFFFFF)


def crc64nvme(data: bytes) -> int:
    return _crc_reflected(data, _CRC64NVME_TABLE, 0xFFFFFFFFFFFFFFFF)


def checksum_b64(algorithm: str, data: bytes) -> str:
    """The base64 value S3 puts in x-amz-checksum-<algorithm> (CRCs big-endian)."""
    a = algorithm.upper()
    if a == "CRC32":
        raw = (zlib.crc32(data) & 0xFFFFFFFF).to_bytes(4, "big")
    elif a == "CRC32C":
        raw = crc32c(data).to_bytes(4, "big")
    elif a == "CRC64NVME":
        raw = crc64nvme(data).to_bytes(8, "big")
    elif a == "SHA1":
        raw = hashlib.sha1(data).digest()
    elif a == "SHA256":
        raw = hashlib.sha256(data).digest()
    else:
        raise ValueError(algorithm)
    return base64.b64encode(raw).decode()


# --- raw SigV4 requests -----------------------------------------------------------------------


class RawS3Signer(S3SigV4Auth):
    """S3's SigV4 (no path normalization) that keeps the caller's x-amz-content-sha256."""

    def _modify_request_before_signing(self, request):
        SigV4Auth._modify_request_before_signing(self, request)


@contextmanager
def signing_clock(when: Optional[datetime.datetime]):
    """Makes botocore sign as if the time were `when` (naive UTC); no-op for None."""
    if when is None:
        yield
        return
    with mock.patch("botocore.auth.get_current_datetime", return_value=when):
        yield


def encode_path(path: str) -> str:
    """Percent-encodes a decoded path the way SigV4/S3 expect ('/' kept)."""
    return quote(path, safe="/~")


def encode_query(params) -> str:
    """params: dict or list of pairs; a value of None gives a bare `name`."""
    items = params.items() if isinstance(params, dict) else params
    out = []
    for k, v in items:
        if v is None:
            out.append(quote(k, safe="-_.~"))
        else:
            out.append(f"{quote(k, safe='-_.~')}={quote(str(v), safe='-_.~')}")
    return "&".join(out)


def sign_request(
    method: str,
    url: str,
    creds,
    headers: Optional[dict] = None,
    body: bytes = b"",
    payload_hash: Optional[str] = None,
    when: Optional[datetime.datetime] = None,
    region: str = REGION,
) -> dict:
    """Returns the headers of `method url` signed with SigV4 (url already percent-encoded)."""
    req = AWSRequest(method=method, url=url, data=body, headers=dict(headers or {}))
    req.headers["X-Amz-Content-SHA256"] = (
        payload_hash if payload_hash is not None else hashlib.sha256(body).hexdigest()
    )
    signer = RawS3Signer(Credentials(creds.access_key, creds.secret_key), "s3", region)
    with signing_clock(when):
        signer.add_auth(req)
    return dict(req.headers.items())


def raw_request(
    server,
    method: str,
    path: str,
    query=None,
    headers: Optional[dict] = None,
    body: bytes = b"",
    payload_hash: Optional[str] = None,
    when: Optional[datetime.datetime] = None,
    creds=None,
    sign: bool = True,
    timeout: float = 10,
) -> requests.Response:
    """Sends one request, signed with SigV4 unless sign=False. `path` is decoded ('/b/my key')."""
    url = server.endpoint + encode_path(path)
    if query:
        url += "?" + (query if isinstance(query, str) else encode_query(query))
    hdrs = dict(headers or {})
    if sign:
        hdrs = sign_request(method, url, creds or server.creds, hdrs, body, payload_hash, when)
    return requests.request(method, url, headers=hdrs, data=body, timeout=timeout,
                            allow_redirects=False)


def parse_xml(body: bytes) -> ElementTree.Element:
    try:
        return ElementTree.fromstring(body)
    except ElementTree.ParseError as e:
        raise AssertionError(f"body is not XML ({e}): {body[:300]!r}") from None
