"""Range requests (RFC 7233 as S3 applies it), conditional requests (RFC 7232 precedence) and the
response-* header overrides of GetObject."""

import datetime

import pytest
from botocore.exceptions import ClientError

from s3helpers import data_of, error_code, http_status, raw_request, xml_error

SIZE = 100


@pytest.fixture
def obj(s3, bucket):
    data = data_of(SIZE)
    etag = s3.put_object(Bucket=bucket, Key="obj", Body=data)["ETag"]
    return bucket, "obj", data, etag


@pytest.mark.parametrize("spec,start,end", [
    ("bytes=0-0", 0, 0),
    ("bytes=5-9", 5, 9),
    ("bytes=10-", 10, SIZE - 1),
    ("bytes=-5", SIZE - 5, SIZE - 1),
    ("bytes=90-1000", 90, SIZE - 1),  # past the end: clamped
    ("bytes=0-", 0, SIZE - 1),
    ("bytes=-1000", 0, SIZE - 1),  # suffix longer than the object: whole object
    ("bytes=99-99", 99, 99),
])
def test_satisfiable_ranges_answer_206_with_content_range(s3, obj, spec, start, end):
    bucket, key, data, etag = obj
    r = s3.get_object(Bucket=bucket, Key=key, Range=spec)
    assert r["ResponseMetadata"]["HTTPStatusCode"] == 206
    assert r["Body"].read() == data[start:end + 1]
    assert r["ContentRange"] == f"bytes {start}-{end}/{SIZE}"
    assert r["ContentLength"] == end - start + 1
    assert r["ETag"] == etag
    assert r.get("AcceptRanges") == "bytes"


@pytest.mark.parametrize("spec", [f"bytes={SIZE}-", f"bytes={SIZE + 10}-{SIZE + 20}"])
def test_range_starting_past_the_end_is_invalid_range_416(server, s3, obj, spec):
    bucket, key, _, _ = obj
    with pytest.raises(ClientError) as e:
        s3.get_object(Bucket=bucket, Key=key, Range=spec)
    assert error_code(e.value) == "InvalidRange"
    assert http_status(e.value) == 416
    r = raw_request(server, "GET", f"/{bucket}/{key}", headers={"Range": spec})
    assert r.status_code == 416
    assert xml_error(r.content)["Code"] == "InvalidRange"
    if "Content-Range" in r.headers:  # RFC 7233 asks for it; S3 clients do not need it
        assert r.headers["Content-Range"] == f"bytes */{SIZE}"


@pytest.mark.parametrize("spec", ["bytes=0-0", "bytes=0-", "bytes=-1"])
def test_any_range_on_an_empty_object_is_416(s3, bucket, spec):
    s3.put_object(Bucket=bucket, Key="empty", Body=b"")
    with pytest.raises(ClientError) as e:
        s3.get_object(Bucket=bucket, Key="empty", Range=spec)
    assert http_status(e.value) == 416
    assert error_code(e.value) == "InvalidRange"


@pytest.mark.parametrize("spec", ["bytes=9-5", "items=0-5", "bytes=abc", "bytes=0-1,5-6"])
def test_unsupported_or_malformed_ranges_return_the_whole_object(s3, obj, spec):
    # RFC 7233: an invalid or unsupported Range is ignored; S3 ignores multi-ranges too.
    bucket, key, data, _ = obj
    r = s3.get_object(Bucket=bucket, Key=key, Range=spec)
    assert r["ResponseMetadata"]["HTTPStatusCode"] == 200
    assert r["Body"].read() == data


def test_range_on_large_object_spanning_internal_boundaries(s3, bucket):
    data = data_of(3 * 1024 * 1024 + 17)
    s3.put_object(Bucket=bucket, Key="big", Body=data)
    for start, end in [(0, 65535), (65535, 65536), (1024 * 1024 - 3, 2 * 1024 * 1024 + 5),
                       (len(data) - 10, len(data) - 1)]:
        r = s3.get_object(Bucket=bucket, Key="big", Range=f"bytes={start}-{end}")
        assert r["Body"].read() == data[start:end + 1], (start, end)


def test_head_with_range_reports_partial_length(s3, obj):
    bucket, key, _, _ = obj
    r = s3.head_object(Bucket=bucket, Key=key, Range="bytes=10-19")
    assert r["ResponseMetadata"]["HTTPStatusCode"] == 206
    assert r["ContentLength"] == 10
    assert r["ContentRange"] == f"bytes 10-19/{SIZE}"


def _status(call):
    try:
        return call()["ResponseMetadata"]["HTTPStatusCode"]
    except ClientError as e:
        return http_status(e)


def _times(s3, bucket, key):
    modified = s3.head_object(Bucket=bucket, Key=key)["LastModified"]
    return modified - datetime.timedelta(hours=1), modified + datetime.timedelta(hours=1)


def test_if_match(s3, obj):
    bucket, key, data, etag = obj
    r = s3.get_object(Bucket=bucket, Key=key, IfMatch=etag)
    assert r["Body"].read() == data
    assert _status(lambda: s3.get_object(Bucket=bucket, Key=key, IfMatch='"0123"')) == 412
    with pytest.raises(ClientError) as e:
        s3.get_object(Bucket=bucket, Key=key, IfMatch='"0123"')
    assert error_code(e.value) == "PreconditionFailed"


def test_if_match_accepts_unquoted_etag_and_lists(s3, obj):
    bucket, key, _, etag = obj
    assert _status(lambda: s3.get_object(Bucket=bucket, Key=key, IfMatch=etag.strip('"'))) == 200
    assert _status(lambda: s3.get_object(Bucket=bucket, Key=key,
                                         IfMatch=f'"0123", {etag}')) == 200


def test_if_none_match(s3, obj):
    bucket, key, _, etag = obj
    assert _status(lambda: s3.get_object(Bucket=bucket, Key=key, IfNoneMatch=etag)) == 304
    assert _status(lambda: s3.get_object(Bucket=bucket, Key=key, IfNoneMatch='"0123"')) == 200
    assert _status(lambda: s3.head_object(Bucket=bucket, Key=key, IfNoneMatch=etag)) == 304


def test_not_modified_response_carries_etag_and_no_body(server, obj):
    bucket, key, _, etag = obj
    r = raw_request(server, "GET", f"/{bucket}/{key}", headers={"If-None-Match": etag})
    assert r.status_code == 304
    assert r.content == b""
    assert r.headers.get("ETag") == etag


def test_if_modified_since(s3, obj):
    bucket, key, _, _ = obj
    earlier, later = _times(s3, bucket, key)
    assert _status(lambda: s3.get_object(Bucket=bucket, Key=key, IfModifiedSince=earlier)) == 200
    assert _status(lambda: s3.get_object(Bucket=bucket, Key=key, IfModifiedSince=later)) == 304


def test_if_unmodified_since(s3, obj):
    bucket, key, _, _ = obj
    earlier, later = _times(s3, bucket, key)
    assert _status(lambda: s3.get_object(Bucket=bucket, Key=key, IfUnmodifiedSince=later)) == 200
    assert _status(lambda: s3.get_object(Bucket=bucket, Key=key,
                                         IfUnmodifiedSince=earlier)) == 412


def test_if_match_true_wins_over_if_unmodified_since_false(s3, obj):
    # RFC 7232 section 6: If-Unmodified-Since is evaluated only without If-Match.
    bucket, key, _, etag = obj
    earlier, _ = _times(s3, bucket, key)
    assert _status(lambda: s3.get_object(Bucket=bucket, Key=key, IfMatch=etag,
                                         IfUnmodifiedSince=earlier)) == 200


def test_if_none_match_false_wins_over_if_modified_since_true(s3, obj):
    # If-None-Match fails (ETag matches): 304, even though If-Modified-Since would say 200.
    bucket, key, _, etag = obj
    earlier, _ = _times(s3, bucket, key)
    assert _status(lambda: s3.get_object(Bucket=bucket, Key=key, IfNoneMatch=etag,
                                         IfModifiedSince=earlier)) == 304


def test_if_none_match_true_ignores_if_modified_since(s3, obj):
    # RFC 7232: If-Modified-Since is evaluated only without If-None-Match.
    bucket, key, _, _ = obj
    _, later = _times(s3, bucket, key)
    assert _status(lambda: s3.get_object(Bucket=bucket, Key=key, IfNoneMatch='"0123"',
                                         IfModifiedSince=later)) == 200


def test_if_match_false_wins_over_everything(s3, obj):
    bucket, key, _, etag = obj
    earlier, later = _times(s3, bucket, key)
    assert _status(lambda: s3.get_object(Bucket=bucket, Key=key, IfMatch='"0123"',
                                         IfNoneMatch='"4567"', IfModifiedSince=earlier)) == 412


def test_conditionals_combine_with_range(s3, obj):
    bucket, key, data, etag = obj
    r = s3.get_object(Bucket=bucket, Key=key, IfMatch=etag, Range="bytes=0-3")
    assert r["ResponseMetadata"]["HTTPStatusCode"] == 206
    assert r["Body"].read() == data[:4]


def test_response_header_overrides(s3, obj):
    bucket, key, data, _ = obj
    r = s3.get_object(
        Bucket=bucket, Key=key,
        ResponseContentType="application/x-override",
        ResponseContentDisposition='attachment; filename="x.bin"',
        ResponseContentEncoding="identity",
        ResponseContentLanguage="fr",
        ResponseCacheControl="no-cache",
        ResponseExpires=datetime.datetime(2030, 1, 2, 3, 4, 5, tzinfo=datetime.timezone.utc),
    )
    assert r["Body"].read() == data
    assert r["ContentType"] == "application/x-override"
    assert r["ContentDisposition"] == 'attachment; filename="x.bin"'
    assert r["ContentEncoding"] == "identity"
    assert r["ContentLanguage"] == "fr"
    assert r["CacheControl"] == "no-cache"
    assert r["ExpiresString"] == "Wed, 02 Jan 2030 03:04:05 GMT"
    # The stored object is unchanged.
    head = s3.head_object(Bucket=bucket, Key=key)
    assert head["ContentType"] != "application/x-override"
