"""PutObject, GetObject, HeadObject, DeleteObject: bytes, ETags, metadata, key names, integrity
checks (Content-MD5, x-amz-checksum-*, aws-chunked trailers) and their errors."""

import datetime
import hashlib

import pytest
import requests
from botocore.exceptions import ClientError

from s3helpers import (checksum_b64, data_of, error_code, http_status, md5_b64, md5_hex,
                       raw_request, xml_error)

SIZES = [0, 1, 1000, 16 * 1024, 16 * 1024 + 1, 1024 * 1024, 10 * 1024 * 1024 + 3]


@pytest.mark.parametrize("size", SIZES)
def test_put_get_round_trip_keeps_bytes_and_etag(s3, bucket, size):
    data = data_of(size)
    put = s3.put_object(Bucket=bucket, Key=f"obj-{size}", Body=data)
    assert put["ETag"] == f'"{md5_hex(data)}"'
    got = s3.get_object(Bucket=bucket, Key=f"obj-{size}")
    body = got["Body"].read()
    assert len(body) == size
    assert body == data
    assert got["ETag"] == put["ETag"]
    assert got["ContentLength"] == size
    head = s3.head_object(Bucket=bucket, Key=f"obj-{size}")
    assert head["ContentLength"] == size
    assert head["ETag"] == put["ETag"]
    assert head["LastModified"] == got["LastModified"]


def test_get_and_head_report_last_modified_close_to_now(s3, bucket):
    before = datetime.datetime.now(datetime.timezone.utc).replace(microsecond=0)
    s3.put_object(Bucket=bucket, Key="k", Body=b"x")
    head = s3.head_object(Bucket=bucket, Key="k")
    delta = abs((head["LastModified"] - before).total_seconds())
    assert delta < 60, head["LastModified"]


def test_put_without_content_type_defaults_to_binary_octet_stream(server, bucket):
    r = raw_request(server, "PUT", f"/{bucket}/plain", body=b"abc")
    assert r.status_code == 200, r.content
    assert r.headers["ETag"] == f'"{md5_hex(b"abc")}"'
    g = raw_request(server, "GET", f"/{bucket}/plain")
    assert g.content == b"abc"
    assert g.headers["Content-Type"] == "binary/octet-stream"


def test_metadata_and_standard_headers_round_trip(s3, bucket):
    expires = datetime.datetime(2031, 10, 21, 7, 28, 0, tzinfo=datetime.timezone.utc)
    s3.put_object(
        Bucket=bucket, Key="meta", Body=b"payload",
        Metadata={"color": "blue", "Mixed-Case": "Value With Spaces", "empty": ""},
        ContentType="text/plain; charset=utf-8",
        ContentEncoding="identity",
        ContentDisposition='attachment; filename="report.txt"',
        CacheControl="max-age=3600, public",
        ContentLanguage="de-CH",
        Expires=expires,
    )
    for response in (s3.head_object(Bucket=bucket, Key="meta"),
                     s3.get_object(Bucket=bucket, Key="meta")):
        assert response["Metadata"] == {"color": "blue", "mixed-case": "Value With Spaces",
                                        "empty": ""}
        assert response["ContentType"] == "text/plain; charset=utf-8"
        assert response["ContentEncoding"] == "identity"
        assert response["ContentDisposition"] == 'attachment; filename="report.txt"'
        assert response["CacheControl"] == "max-age=3600, public"
        assert response["ContentLanguage"] == "de-CH"
        assert response["ExpiresString"] == "Tue, 21 Oct 2031 07:28:00 GMT"


def test_overwrite_replaces_bytes_metadata_and_etag(s3, bucket):
    s3.put_object(Bucket=bucket, Key="k", Body=b"first version", Metadata={"v": "1"})
    s3.put_object(Bucket=bucket, Key="k", Body=b"second", ContentType="text/x-second")
    got = s3.get_object(Bucket=bucket, Key="k")
    assert got["Body"].read() == b"second"
    assert got["ETag"] == f'"{md5_hex(b"second")}"'
    assert got["Metadata"] == {}
    assert got["ContentType"] == "text/x-second"
    keys = [o["Key"] for o in s3.list_objects_v2(Bucket=bucket).get("Contents", [])]
    assert keys == ["k"]


def test_delete_object_answers_204_and_removes_it(s3, bucket):
    s3.put_object(Bucket=bucket, Key="gone", Body=b"x")
    r = s3.delete_object(Bucket=bucket, Key="gone")
    assert r["ResponseMetadata"]["HTTPStatusCode"] == 204
    with pytest.raises(ClientError) as e:
        s3.get_object(Bucket=bucket, Key="gone")
    assert error_code(e.value) == "NoSuchKey"
    assert "Contents" not in s3.list_objects_v2(Bucket=bucket)


def test_delete_absent_key_answers_204(s3, bucket):
    r = s3.delete_object(Bucket=bucket, Key="never-existed")
    assert r["ResponseMetadata"]["HTTPStatusCode"] == 204


def test_get_missing_key_is_no_such_key_404_with_xml(server, s3, bucket):
    with pytest.raises(ClientError) as e:
        s3.get_object(Bucket=bucket, Key="missing")
    assert error_code(e.value) == "NoSuchKey"
    assert http_status(e.value) == 404
    r = raw_request(server, "GET", f"/{bucket}/missing")
    assert r.status_code == 404
    err = xml_error(r.content)
    assert err["Code"] == "NoSuchKey"
    assert err.get("Key") in (None, "missing")


def test_head_missing_key_is_404_without_body(server, s3, bucket):
    with pytest.raises(ClientError) as e:
        s3.head_object(Bucket=bucket, Key="missing")
    assert http_status(e.value) == 404
    r = raw_request(server, "HEAD", f"/{bucket}/missing")
    assert r.status_code == 404
    assert r.content == b""


KEY_NAMES = [
    "with space",
    "plus+sign",
    "percent%20literal",
    "percent%",
    "unicode-é-ü-日本語-😀",
    "double//slash",
    "/leading-slash",
    "trailing-slash/",
    "dots/./and/../here",
    "query?like=1&x",
    "hash#tag",
    "semi;colon,comma",
    "tilde~star*quote'paren()",
    "brackets[]{}<>|^`\"\\",
    "tab\tand\nnewline",
    "=equals",
    "a" * 1024,
    "é" * 512,  # 1024 bytes of UTF-8
]


@pytest.mark.parametrize("key", KEY_NAMES, ids=lambda k: repr(k[:30]))
def test_unusual_key_names_round_trip(s3, bucket, key):
    data = key.encode("utf-8") + b"-data"
    s3.put_object(Bucket=bucket, Key=key, Body=data)
    assert s3.get_object(Bucket=bucket, Key=key)["Body"].read() == data
    assert s3.head_object(Bucket=bucket, Key=key)["ContentLength"] == len(data)
    listed = [o["Key"] for o in s3.list_objects_v2(Bucket=bucket).get("Contents", [])]
    assert listed == [key]
    s3.delete_object(Bucket=bucket, Key=key)
    assert "Contents" not in s3.list_objects_v2(Bucket=bucket)


@pytest.mark.parametrize("key", ["a" * 1025, "é" * 512 + "a"])
def test_key_longer_than_1024_bytes_is_key_too_long(s3, bucket, key):
    with pytest.raises(ClientError) as e:
        s3.put_object(Bucket=bucket, Key=key, Body=b"x")
    assert error_code(e.value) == "KeyTooLongError"
    assert http_status(e.value) == 400


def test_correct_content_md5_is_accepted(s3, bucket):
    data = data_of(5000)
    r = s3.put_object(Bucket=bucket, Key="k", Body=data, ContentMD5=md5_b64(data))
    assert r["ETag"] == f'"{md5_hex(data)}"'


def test_wrong_content_md5_is_bad_digest_and_keeps_previous_object(s3, bucket):
    s3.put_object(Bucket=bucket, Key="k", Body=b"original")
    with pytest.raises(ClientError) as e:
        s3.put_object(Bucket=bucket, Key="k", Body=b"replacement", ContentMD5=md5_b64(b"other"))
    assert error_code(e.value) == "BadDigest"
    assert http_status(e.value) == 400
    got = s3.get_object(Bucket=bucket, Key="k")
    assert got["Body"].read() == b"original"
    assert got["ETag"] == f'"{md5_hex(b"original")}"'


def test_wrong_content_md5_on_new_key_stores_nothing(s3, bucket):
    with pytest.raises(ClientError) as e:
        s3.put_object(Bucket=bucket, Key="new", Body=b"data", ContentMD5=md5_b64(b"other"))
    assert error_code(e.value) == "BadDigest"
    assert "Contents" not in s3.list_objects_v2(Bucket=bucket)


def test_malformed_content_md5_is_invalid_digest(server, bucket):
    r = raw_request(server, "PUT", f"/{bucket}/k", body=b"data",
                    headers={"Content-MD5": "not-base64!"})
    assert r.status_code == 400
    assert xml_error(r.content)["Code"] == "InvalidDigest"


BOTOCORE_ALGORITHMS = ["CRC32", "SHA1", "SHA256"]
# botocore 1.43 computes CRC32C and CRC64NVME only with awscrt (not installed); the tests compute
# those two themselves (s3helpers.checksum_b64) and send the value, as a client with CRT would.
OWN_ALGORITHMS = ["CRC32C", "CRC64NVME"]


@pytest.mark.parametrize("algorithm", BOTOCORE_ALGORITHMS + OWN_ALGORITHMS)
def test_checksum_algorithms_round_trip(s3, bucket, algorithm):
    data = data_of(100_000)
    expected = checksum_b64(algorithm, data)
    member = "Checksum" + algorithm
    if algorithm in BOTOCORE_ALGORITHMS:
        put = s3.put_object(Bucket=bucket, Key="k", Body=data, ChecksumAlgorithm=algorithm)
    else:
        put = s3.put_object(Bucket=bucket, Key="k", Body=data, **{member: expected})
    assert put.get(member) == expected
    assert put["ETag"] == f'"{md5_hex(data)}"'
    got = s3.get_object(Bucket=bucket, Key="k", ChecksumMode="ENABLED")
    assert got["Body"].read() == data
    assert got.get(member) == expected
    head = s3.head_object(Bucket=bucket, Key="k", ChecksumMode="ENABLED")
    assert head.get(member) == expected


def test_default_boto3_put_sends_crc32_and_server_keeps_it(s3, bucket):
    # boto3 >= 1.36 computes a CRC32 for every PutObject by default.
    data = data_of(3000)
    s3.put_object(Bucket=bucket, Key="k", Body=data)
    got = s3.get_object(Bucket=bucket, Key="k", ChecksumMode="ENABLED")
    assert got["Body"].read() == data
    assert got.get("ChecksumCRC32") == checksum_b64("CRC32", data)


@pytest.mark.parametrize("algorithm", ["CRC32", "CRC32C", "CRC64NVME", "SHA1", "SHA256"])
def test_wrong_checksum_header_is_bad_digest_and_stores_nothing(server, s3, bucket, algorithm):
    s3.put_object(Bucket=bucket, Key="k", Body=b"original")
    wrong = checksum_b64(algorithm, b"something else")
    r = raw_request(server, "PUT", f"/{bucket}/k", body=b"replacement",
                    headers={f"x-amz-checksum-{algorithm.lower()}": wrong})
    assert r.status_code == 400, r.content
    assert xml_error(r.content)["Code"] == "BadDigest"
    assert s3.get_object(Bucket=bucket, Key="k")["Body"].read() == b"original"


def test_malformed_checksum_header_is_invalid_request(server, bucket):
    r = raw_request(server, "PUT", f"/{bucket}/k", body=b"data",
                    headers={"x-amz-checksum-crc32": "not a checksum"})
    assert r.status_code == 400
    assert xml_error(r.content)["Code"] in ("InvalidRequest", "InvalidDigest", "InvalidArgument")


def _force_trailing_checksum(params, **kwargs):
    # What botocore does by default over HTTPS: aws-chunked body with the checksum in a trailer,
    # x-amz-content-sha256: STREAMING-UNSIGNED-PAYLOAD-TRAILER. Over plain HTTP it puts the
    # checksum in a header instead, so the tests switch it on explicitly.
    algorithm = params["context"].get("checksum", {}).get("request_algorithm")
    if isinstance(algorithm, dict):
        algorithm["in"] = "trailer"


@pytest.fixture
def s3_trailer(make_s3):
    client = make_s3()
    client.meta.events.register("before-call.s3.PutObject", _force_trailing_checksum)
    sent = []
    client.meta.events.register(
        "before-send.s3.PutObject",
        lambda request, **kw: sent.append(
            {k: v.decode() if isinstance(v, bytes) else v for k, v in request.headers.items()}))
    client.sent_headers = sent
    return client


@pytest.mark.parametrize("size", [0, 1, 70_000, 1024 * 1024 + 5])
@pytest.mark.parametrize("algorithm", ["CRC32", "SHA256"])
def test_aws_chunked_unsigned_trailer_upload_stores_exact_bytes(s3_trailer, s3, bucket, size,
                                                                algorithm):
    # boto/boto3#4435: a server that does not decode aws-chunked stores the chunk framing.
    data = data_of(size, seed=7)
    put = s3_trailer.put_object(Bucket=bucket, Key="k", Body=data, ChecksumAlgorithm=algorithm)
    sent = s3_trailer.sent_headers[-1]
    assert sent.get("X-Amz-Content-SHA256") == "STREAMING-UNSIGNED-PAYLOAD-TRAILER"
    assert "aws-chunked" in sent.get("Content-Encoding", "")
    assert put["ETag"] == f'"{md5_hex(data)}"'
    got = s3.get_object(Bucket=bucket, Key="k", ChecksumMode="ENABLED")
    body = got["Body"].read()
    assert len(body) == size
    assert body == data
    assert got["ContentLength"] == size
    assert got.get("Checksum" + algorithm) == checksum_b64(algorithm, data)
    # The aws-chunked coding is transport only: it must not be stored as the object's encoding.
    assert "aws-chunked" not in (got.get("ContentEncoding") or "")


def test_aws_chunked_keeps_a_real_content_encoding(s3_trailer, s3, bucket):
    data = data_of(5000)
    s3_trailer.put_object(Bucket=bucket, Key="k", Body=data, ContentEncoding="gzip",
                          ChecksumAlgorithm="CRC32")
    got = s3.get_object(Bucket=bucket, Key="k")
    assert got["Body"].read() == data
    assert got["ContentEncoding"] == "gzip"


def test_storage_class_is_standard(s3, bucket):
    s3.put_object(Bucket=bucket, Key="default", Body=b"x")
    s3.put_object(Bucket=bucket, Key="explicit", Body=b"x", StorageClass="STANDARD")
    listed = s3.list_objects_v2(Bucket=bucket)["Contents"]
    assert [o["StorageClass"] for o in listed] == ["STANDARD", "STANDARD"]
    for key in ("default", "explicit"):
        # S3 omits x-amz-storage-class on HEAD for STANDARD; showing it is also fine.
        assert s3.head_object(Bucket=bucket, Key=key).get("StorageClass") in (None, "STANDARD")


def test_invalid_storage_class_is_refused(server, bucket):
    r = raw_request(server, "PUT", f"/{bucket}/k", body=b"x",
                    headers={"x-amz-storage-class": "NO_SUCH_CLASS"})
    assert r.status_code == 400
    assert xml_error(r.content)["Code"] == "InvalidStorageClass"


def test_head_object_has_no_body_and_same_headers_as_get(server, s3, bucket):
    data = data_of(4321)
    s3.put_object(Bucket=bucket, Key="k", Body=data, ContentType="application/x-test")
    head = raw_request(server, "HEAD", f"/{bucket}/k")
    get = raw_request(server, "GET", f"/{bucket}/k")
    assert head.status_code == get.status_code == 200
    assert head.content == b""
    for name in ("ETag", "Content-Length", "Content-Type", "Last-Modified"):
        assert head.headers.get(name) == get.headers.get(name), name
    assert int(head.headers["Content-Length"]) == len(data)


def test_put_with_expect_100_continue(server, bucket, s3):
    # aws-cli and many SDKs send Expect: 100-continue on PUT; requests does not wait for the
    # interim answer but the server must still handle the header.
    data = data_of(200_000)
    r = raw_request(server, "PUT", f"/{bucket}/k", body=data, headers={"Expect": "100-continue"},
                    timeout=30)
    assert r.status_code == 200, r.content
    assert s3.get_object(Bucket=bucket, Key="k")["Body"].read() == data


def test_signed_payload_sha256_is_verified(server, s3, bucket):
    data = b"signed body"
    r = raw_request(server, "PUT", f"/{bucket}/k", body=data,
                    payload_hash=hashlib.sha256(data).hexdigest())
    assert r.status_code == 200
    assert s3.get_object(Bucket=bucket, Key="k")["Body"].read() == data


def test_get_object_streams_large_body_incrementally(endpoint, s3, bucket, make_s3):
    data = data_of(8 * 1024 * 1024 + 11, seed=3)
    s3.put_object(Bucket=bucket, Key="big", Body=data)
    url = s3.generate_presigned_url("get_object", Params={"Bucket": bucket, "Key": "big"})
    h = hashlib.md5()
    n = 0
    with requests.get(url, stream=True, timeout=60) as r:
        assert r.status_code == 200
        for chunk in r.iter_content(256 * 1024):
            h.update(chunk)
            n += len(chunk)
    assert n == len(data)
    assert h.hexdigest() == md5_hex(data)
