"""A small client for S3's aws-chunked uploads, to test the server's payload decoder.

Three payload kinds (x-amz-content-sha256):
  STREAMING-AWS4-HMAC-SHA256-PAYLOAD          every chunk signed, chained from the seed signature
  STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER  the same, then a signed trailer with a checksum
  STREAMING-UNSIGNED-PAYLOAD-TRAILER          plain chunks, then an unsigned checksum trailer

The seed signature comes from botocore's SigV4 signer (s3helpers.sign_request); chunk and trailer
signatures are computed here with HMAC-SHA256, as
https://docs.aws.amazon.com/AmazonS3/latest/API/sigv4-streaming.html describes. The test
test_auth.py::test_chunk_signer_matches_the_aws_documented_example checks this code against the
example AWS publishes.
"""

import datetime
import hashlib
import hmac
from dataclasses import dataclass
from typing import List, Optional

import requests

from s3helpers import REGION, checksum_b64, encode_path, sign_request

SIGNED = "STREAMING-AWS4-HMAC-SHA256-PAYLOAD"
SIGNED_TRAILER = "STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER"
UNSIGNED_TRAILER = "STREAMING-UNSIGNED-PAYLOAD-TRAILER"
EMPTY_SHA256 = hashlib.sha256(b"").hexdigest()
_DUMMY_SIG = "0" * 64


def _hmac(key: bytes, msg: str) -> bytes:
    return hmac.new(key, msg.encode(), hashlib.sha256).digest()


def signing_key(secret: str, date: str, region: str = REGION, service: str = "s3") -> bytes:
    k = _hmac(("AWS4" + secret).encode(), date)
    k = _hmac(k, region)
    k = _hmac(k, service)
    return _hmac(k, "aws4_request")


def chunk_signature(key: bytes, amz_date: str, scope: str, previous: str, chunk: bytes) -> str:
    string_to_sign = "\n".join([
        "AWS4-HMAC-SHA256-PAYLOAD", amz_date, scope, previous, EMPTY_SHA256,
        hashlib.sha256(chunk).hexdigest(),
    ])
    return hmac.new(key, string_to_sign.encode(), hashlib.sha256).hexdigest()


def trailer_signature(key: bytes, amz_date: str, scope: str, previous: str, trailer: str) -> str:
    """`trailer` is the canonical trailer text: 'name:value\\n' per header."""
    string_to_sign = "\n".join([
        "AWS4-HMAC-SHA256-TRAILER", amz_date, scope, previous,
        hashlib.sha256(trailer.encode()).hexdigest(),
    ])
    return hmac.new(key, string_to_sign.encode(), hashlib.sha256).hexdigest()


@dataclass
class Faults:
    """Ways to break an upload, to test that the server refuses it."""
    bad_chunk_signature: Optional[int] = None  # index of the chunk whose signature is altered
    flip_data_byte_in_chunk: Optional[int] = None  # alter data after signing this chunk
    bad_trailer_value: bool = False  # trailer checksum of other data
    bad_trailer_signature: bool = False
    omit_trailer: bool = False  # declare x-amz-trailer, send none


def chunk_sizes(total: int, chunk_size: int) -> List[int]:
    sizes = []
    while total > 0:
        sizes.append(min(chunk_size, total))
        total -= sizes[-1]
    return sizes


def encode_body(
    data: bytes,
    chunk_size: int,
    kind: str,
    key: bytes = b"",
    amz_date: str = "",
    scope: str = "",
    seed: str = _DUMMY_SIG,
    checksum_algorithm: Optional[str] = None,
    faults: Optional[Faults] = None,
) -> bytes:
    faults = faults or Faults()
    signed = kind in (SIGNED, SIGNED_TRAILER)
    dummy = seed == _DUMMY_SIG
    out = bytearray()
    previous = seed
    offset = 0
    sizes = chunk_sizes(len(data), chunk_size) + [0]
    for i, size in enumerate(sizes):
        chunk = data[offset:offset + size]
        offset += size
        if signed:
            sig = _DUMMY_SIG if dummy else chunk_signature(key, amz_date, scope, previous, chunk)
            previous = sig
            if faults.bad_chunk_signature == i:
                sig = ("1" if sig[0] != "1" else "2") + sig[1:]
            header = f"{size:x};chunk-signature={sig}\r\n"
        else:
            header = f"{size:x}\r\n"
        if faults.flip_data_byte_in_chunk == i and size:
            chunk = bytes([chunk[0] ^ 0xFF]) + chunk[1:]
        out += header.encode()
        if size:
            out += chunk + b"\r\n"
    if kind == SIGNED:
        out += b"\r\n"
        return bytes(out)
    # Trailer kinds: the checksum trailer, its signature when signed, then the empty line.
    if not faults.omit_trailer:
        value = checksum_b64(checksum_algorithm, data + b"x" if faults.bad_trailer_value else data)
        name = f"x-amz-checksum-{checksum_algorithm.lower()}"
        out += f"{name}:{value}\r\n".encode()
        if kind == SIGNED_TRAILER:
            sig = _DUMMY_SIG if dummy else trailer_signature(
                key, amz_date, scope, previous, f"{name}:{value}\n")
            if faults.bad_trailer_signature:
                sig = ("1" if sig[0] != "1" else "2") + sig[1:]
            out += f"x-amz-trailer-signature:{sig}\r\n".encode()
    out += b"\r\n"
    return bytes(out)


@dataclass
class StreamingRequest:
    url: str
    headers: dict
    body: bytes
    seed_signature: str


def build_put(
    url: str,
    creds,
    data: bytes,
    kind: str = SIGNED,
    chunk_size: int = 64 * 1024,
    checksum_algorithm: Optional[str] = None,
    extra_headers: Optional[dict] = None,
    faults: Optional[Faults] = None,
    when: Optional[datetime.datetime] = None,
    region: str = REGION,
) -> StreamingRequest:
    """Builds a signed aws-chunked PUT of `data` to `url` (already percent-encoded)."""
    faults = faults or Faults()
    if kind != SIGNED and checksum_algorithm is None:
        checksum_algorithm = "CRC32"
    length_probe = encode_body(data, chunk_size, kind, checksum_algorithm=checksum_algorithm,
                               faults=faults)
    headers = {
        "Content-Encoding": "aws-chunked",
        "Content-Length": str(len(length_probe)),
        "x-amz-decoded-content-length": str(len(data)),
    }
    if kind != SIGNED:
        headers["x-amz-trailer"] = f"x-amz-checksum-{checksum_algorithm.lower()}"
        headers["x-amz-sdk-checksum-algorithm"] = checksum_algorithm.upper()  # as SDKs send
    headers.update(extra_headers or {})
    signed = sign_request("PUT", url, creds, headers, payload_hash=kind, when=when, region=region)
    seed = signed["Authorization"].rsplit("Signature=", 1)[1].strip()
    amz_date = signed["X-Amz-Date"]
    scope = f"{amz_date[:8]}/{region}/s3/aws4_request"
    key = signing_key(creds.secret_key, amz_date[:8], region)
    body = encode_body(data, chunk_size, kind, key, amz_date, scope, seed, checksum_algorithm,
                       faults)
    assert len(body) == len(length_probe)
    return StreamingRequest(url, signed, body, seed)


def put(server, bucket: str, key: str, data: bytes, timeout: float = 30, **kwargs):
    """Sends build_put(...) for /bucket/key; returns the requests.Response."""
    url = f"{server.endpoint}{encode_path(f'/{bucket}/{key}')}"
    req = build_put(url, server.creds, data, **kwargs)
    return requests.put(req.url, headers=req.headers, data=req.body, timeout=timeout)
