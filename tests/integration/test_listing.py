"""ListObjectsV2 and ListObjects (V1): order, prefixes, delimiters, pagination, encoding."""

import uuid
from concurrent.futures import ThreadPoolExecutor
from urllib.parse import unquote_plus

import pytest
from botocore.exceptions import ClientError

from conftest import empty_and_delete_bucket
from s3helpers import S3_NS, error_code, parse_xml, raw_request, xml_error

KEYS = ["a", "a/b", "a+b", "a b", "a%b", "é", "z", "A", "_", "ä/ö", "a/c/d", "b/x", "dir/",
        "dir/file", "~tilde", "0", "a/c/e"]
ORDER = sorted(KEYS, key=lambda k: k.encode("utf-8"))  # S3 lists in UTF-8 byte order


def utf8_sorted(items):
    return sorted(items, key=lambda k: k.encode("utf-8"))


@pytest.fixture(scope="module")
def listed(s3):
    """A bucket holding KEYS, shared by the read-only tests of this module."""
    name = f"listing-{uuid.uuid4().hex[:12]}"
    s3.create_bucket(Bucket=name)
    for key in KEYS:
        s3.put_object(Bucket=name, Key=key, Body=b"" if key.endswith("/") else key.encode())
    yield name
    empty_and_delete_bucket(s3, name)


def collect_v2(s3, **kwargs):
    keys, prefixes, pages = [], [], 0
    token = None
    while True:
        args = dict(kwargs)
        if token:
            args["ContinuationToken"] = token
        r = s3.list_objects_v2(**args)
        pages += 1
        page_keys = [o["Key"] for o in r.get("Contents", [])]
        page_prefixes = [p["Prefix"] for p in r.get("CommonPrefixes", [])]
        assert r["KeyCount"] == len(page_keys) + len(page_prefixes)
        if "MaxKeys" in kwargs:
            assert r["KeyCount"] <= kwargs["MaxKeys"]
        keys += page_keys
        prefixes += page_prefixes
        if not r["IsTruncated"]:
            assert "NextContinuationToken" not in r
            return keys, prefixes, pages
        token = r["NextContinuationToken"]
        assert token
        assert pages < 1000, "pagination does not end"


def test_v2_lists_every_key_in_utf8_byte_order(s3, listed):
    r = s3.list_objects_v2(Bucket=listed)
    assert [o["Key"] for o in r["Contents"]] == ORDER
    assert r["KeyCount"] == len(KEYS)
    assert r["IsTruncated"] is False
    assert r["MaxKeys"] == 1000
    assert r["Name"] == listed
    for o in r["Contents"]:
        size = 0 if o["Key"].endswith("/") else len(o["Key"].encode())
        assert o["Size"] == size, o
        assert o["ETag"].startswith('"') and o["ETag"].endswith('"')
        assert o["LastModified"] is not None
        assert "Owner" not in o  # V2 shows owners only with fetch-owner


@pytest.mark.parametrize("max_keys", [1, 2, 3, 7])
def test_v2_pagination_returns_each_key_once_in_order(s3, listed, max_keys):
    keys, prefixes, pages = collect_v2(s3, Bucket=listed, MaxKeys=max_keys)
    assert keys == ORDER
    assert prefixes == []
    assert pages == -(-len(KEYS) // max_keys)


@pytest.mark.parametrize("max_keys", [1, 2, 1000])
def test_v2_delimiter_groups_common_prefixes(s3, listed, max_keys):
    keys, prefixes, _ = collect_v2(s3, Bucket=listed, Delimiter="/", MaxKeys=max_keys)
    assert keys == [k for k in ORDER if "/" not in k]
    assert prefixes == utf8_sorted(["a/", "b/", "dir/", "ä/"])


def test_v2_prefix_and_delimiter(s3, listed):
    keys, prefixes, _ = collect_v2(s3, Bucket=listed, Prefix="a/", Delimiter="/")
    assert keys == ["a/b"]
    assert prefixes == ["a/c/"]
    keys, prefixes, _ = collect_v2(s3, Bucket=listed, Prefix="a")
    assert keys == [k for k in ORDER if k.startswith("a")]


def test_v2_prefix_matching_nothing(s3, listed):
    r = s3.list_objects_v2(Bucket=listed, Prefix="nothing-here")
    assert "Contents" not in r
    assert r["KeyCount"] == 0
    assert r["IsTruncated"] is False


def test_v2_non_slash_delimiter(s3, listed):
    keys, prefixes, _ = collect_v2(s3, Bucket=listed, Delimiter="b")
    assert prefixes == utf8_sorted(["a/b", "a+b", "a b", "a%b", "b"])
    assert keys == [k for k in ORDER if "b" not in k]


def test_v2_start_after(s3, listed):
    keys, _, _ = collect_v2(s3, Bucket=listed, StartAfter="a/b")
    assert keys == [k for k in ORDER if k.encode() > b"a/b"]
    keys, _, _ = collect_v2(s3, Bucket=listed, StartAfter="a/bb")  # not an existing key
    assert keys == [k for k in ORDER if k.encode() > b"a/bb"]


def test_v2_fetch_owner(s3, listed):
    r = s3.list_objects_v2(Bucket=listed, FetchOwner=True, MaxKeys=2)
    for o in r["Contents"]:
        assert o["Owner"]["ID"]


def test_v2_max_keys_zero_returns_nothing(s3, listed):
    r = s3.list_objects_v2(Bucket=listed, MaxKeys=0)
    assert "Contents" not in r
    assert r["KeyCount"] == 0


@pytest.mark.parametrize("value", ["-1", "abc", "1.5"])
def test_invalid_max_keys_is_invalid_argument(server, listed, value):
    r = raw_request(server, "GET", f"/{listed}", query={"list-type": "2", "max-keys": value})
    assert r.status_code == 400
    assert xml_error(r.content)["Code"] == "InvalidArgument"


def test_invalid_continuation_token_is_invalid_argument(s3, listed):
    with pytest.raises(ClientError) as e:
        s3.list_objects_v2(Bucket=listed, ContinuationToken="bm90IGEgdG9rZW4=garbage")
    assert error_code(e.value) == "InvalidArgument"


def _raw_keys(root):
    return [el.text for el in root.iter(S3_NS + "Key")]


def test_v2_encoding_type_url_encodes_keys_in_raw_xml(server, listed):
    r = raw_request(server, "GET", f"/{listed}",
                    query={"list-type": "2", "encoding-type": "url"})
    assert r.status_code == 200
    root = parse_xml(r.content)
    raw = _raw_keys(root)
    assert [unquote_plus(k) for k in raw] == ORDER
    for k in raw:
        assert all(c.isascii() and not c.isspace() for c in k), k
    assert root.find(S3_NS + "EncodingType").text == "url"


def test_v2_encoding_type_url_encodes_prefixes(server, listed):
    r = raw_request(server, "GET", f"/{listed}",
                    query={"list-type": "2", "encoding-type": "url", "delimiter": "/"})
    root = parse_xml(r.content)
    prefixes = [el.text for el in root.iter(S3_NS + "Prefix") if el.text]
    assert "%C3%A4/" in prefixes or "%C3%A4%2F" in prefixes, prefixes


def test_v2_without_encoding_type_returns_raw_utf8_keys(server, listed):
    r = raw_request(server, "GET", f"/{listed}", query={"list-type": "2"})
    assert _raw_keys(parse_xml(r.content)) == ORDER


def test_v1_lists_in_order_with_owner(s3, listed):
    r = s3.list_objects(Bucket=listed)
    assert [o["Key"] for o in r["Contents"]] == ORDER
    assert r["IsTruncated"] is False
    assert r["Contents"][0]["Owner"]["ID"]


def test_v1_marker_pagination(s3, listed):
    keys, marker = [], None
    for _ in range(100):
        args = {"Bucket": listed, "MaxKeys": 3}
        if marker is not None:
            args["Marker"] = marker
        r = s3.list_objects(**args)
        page = [o["Key"] for o in r.get("Contents", [])]
        keys += page
        if not r["IsTruncated"]:
            break
        marker = r.get("NextMarker", page[-1])  # no NextMarker without a delimiter
    assert keys == ORDER


def test_v1_next_marker_with_delimiter(s3, listed):
    entries, marker = [], None
    for _ in range(100):
        args = {"Bucket": listed, "MaxKeys": 2, "Delimiter": "/"}
        if marker is not None:
            args["Marker"] = marker
        r = s3.list_objects(**args)
        entries += [o["Key"] for o in r.get("Contents", [])]
        entries += [p["Prefix"] for p in r.get("CommonPrefixes", [])]
        if not r["IsTruncated"]:
            break
        assert r.get("NextMarker"), "V1 with a delimiter must send NextMarker when truncated"
        marker = r["NextMarker"]
    expected = [k for k in ORDER if "/" not in k] + ["a/", "b/", "dir/", "ä/"]
    assert utf8_sorted(entries) == utf8_sorted(expected)
    assert len(entries) == len(expected)


def test_directory_marker_listed_with_and_without_delimiter(s3, bucket):
    s3.put_object(Bucket=bucket, Key="empty-dir/", Body=b"",
                  ContentType="application/x-directory")
    s3.put_object(Bucket=bucket, Key="full-dir/", Body=b"")
    s3.put_object(Bucket=bucket, Key="full-dir/file", Body=b"data")
    r = s3.list_objects_v2(Bucket=bucket)
    assert [o["Key"] for o in r["Contents"]] == ["empty-dir/", "full-dir/", "full-dir/file"]
    r = s3.list_objects_v2(Bucket=bucket, Delimiter="/")
    assert [p["Prefix"] for p in r["CommonPrefixes"]] == ["empty-dir/", "full-dir/"]
    assert "Contents" not in r
    r = s3.list_objects_v2(Bucket=bucket, Prefix="empty-dir/", Delimiter="/")
    assert [o["Key"] for o in r["Contents"]] == ["empty-dir/"]
    assert r["Contents"][0]["Size"] == 0
    r = s3.list_objects_v2(Bucket=bucket, Prefix="full-dir/", Delimiter="/")
    assert [o["Key"] for o in r["Contents"]] == ["full-dir/", "full-dir/file"]


def test_s3a_get_file_status_probe(s3, bucket):
    # Hadoop s3a getFileStatus: HEAD key, then LIST prefix=key/&delimiter=/&max-keys=2.
    s3.put_object(Bucket=bucket, Key="table/", Body=b"")
    s3.put_object(Bucket=bucket, Key="table/part-0", Body=b"x")
    s3.put_object(Bucket=bucket, Key="table/sub/part-1", Body=b"y")
    with pytest.raises(ClientError):
        s3.head_object(Bucket=bucket, Key="table")
    r = s3.list_objects_v2(Bucket=bucket, Prefix="table/", Delimiter="/", MaxKeys=2)
    assert [o["Key"] for o in r.get("Contents", [])] == ["table/", "table/part-0"]
    assert r["KeyCount"] == 2
    assert r["IsTruncated"] is True
    r2 = s3.list_objects_v2(Bucket=bucket, Prefix="table/", Delimiter="/", MaxKeys=2,
                            ContinuationToken=r["NextContinuationToken"])
    assert [p["Prefix"] for p in r2.get("CommonPrefixes", [])] == ["table/sub/"]
    assert r2["IsTruncated"] is False


def test_1500_keys_paginate_by_1000(s3, bucket):
    keys = [f"k/{i:05d}" for i in range(1500)]
    with ThreadPoolExecutor(8) as pool:
        list(pool.map(lambda k: s3.put_object(Bucket=bucket, Key=k, Body=b""), keys))
    first = s3.list_objects_v2(Bucket=bucket)
    assert first["KeyCount"] == 1000
    assert first["IsTruncated"] is True
    second = s3.list_objects_v2(Bucket=bucket, ContinuationToken=first["NextContinuationToken"])
    assert second["KeyCount"] == 500
    assert second["IsTruncated"] is False
    got = [o["Key"] for o in first["Contents"] + second["Contents"]]
    assert got == keys
    # max-keys above 1000 is capped at 1000.
    capped = s3.list_objects_v2(Bucket=bucket, MaxKeys=5000)
    assert capped["KeyCount"] == 1000
    v1 = s3.list_objects(Bucket=bucket)
    assert len(v1["Contents"]) == 1000
    assert v1["IsTruncated"] is True
    # the paginator (what aws-cli uses) sees everything once
    paged = [o["Key"] for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket)
             for o in page.get("Contents", [])]
    assert paged == keys
