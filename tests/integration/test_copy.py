"""Server-side copies (issue 3): CopyObject within and across buckets with the metadata and
tagging directives, storage class changes, the copy-source conditions and their combination
rules, self-copies, conditional destinations and errors; UploadPartCopy with ranges."""

import datetime
import hashlib

import pytest
from botocore.exceptions import ClientError

from multipart_helpers import MiB, abort_all_uploads, multipart_etag, upload_parts
from s3helpers import checksum_b64, data_of, error_code, http_status, raw_request, xml_error

PAST = datetime.datetime(2000, 1, 1, tzinfo=datetime.timezone.utc)
FUTURE = datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(days=365)
SELF_COPY = ("This copy request is illegal because it is trying to copy an object to itself "
             "without changing the object's metadata, storage class, website redirect location "
             "or encryption attributes.")


@pytest.fixture
def src(s3, bucket):
    """`bucket` holding `src` (with type, metadata and a SHA-256 checksum); yields its ETag."""
    r = s3.put_object(Bucket=bucket, Key="src", Body=b"source bytes", ContentType="text/plain",
                      Metadata={"origin": "test"}, CacheControl="no-cache",
                      ChecksumAlgorithm="SHA256")
    return r["ETag"]


def test_copy_within_a_bucket_copies_bytes_and_metadata(s3, bucket, src):
    r = s3.copy_object(Bucket=bucket, Key="dst", CopySource={"Bucket": bucket, "Key": "src"})
    assert r["CopyObjectResult"]["ETag"] == src
    assert "LastModified" in r["CopyObjectResult"]
    got = s3.get_object(Bucket=bucket, Key="dst")
    assert got["Body"].read() == b"source bytes"
    assert got["ContentType"] == "text/plain"
    assert got["Metadata"] == {"origin": "test"}
    assert got["CacheControl"] == "no-cache"
    head = s3.head_object(Bucket=bucket, Key="dst", ChecksumMode="ENABLED")
    assert head["ChecksumSHA256"] == checksum_b64("SHA256", b"source bytes")


def test_copy_across_buckets_and_with_an_odd_key(s3, bucket, src, new_bucket_name):
    from conftest import empty_and_delete_bucket

    s3.create_bucket(Bucket=new_bucket_name)
    try:
        s3.put_object(Bucket=bucket, Key="dir/a b+c?€", Body=b"odd")
        s3.copy_object(Bucket=new_bucket_name, Key="copy/of it",
                       CopySource={"Bucket": bucket, "Key": "dir/a b+c?€"})
        assert s3.get_object(Bucket=new_bucket_name, Key="copy/of it")["Body"].read() == b"odd"
        # The raw header form, with a leading slash and ?versionId=null.
        s3.copy_object(Bucket=new_bucket_name, Key="second",
                       CopySource=f"/{bucket}/src?versionId=null")
        assert s3.get_object(Bucket=new_bucket_name, Key="second")["Body"].read() == \
            b"source bytes"
    finally:
        empty_and_delete_bucket(s3, new_bucket_name)


def test_replace_directive_takes_metadata_from_the_request(s3, bucket, src):
    s3.copy_object(Bucket=bucket, Key="dst", CopySource={"Bucket": bucket, "Key": "src"},
                   MetadataDirective="REPLACE", ContentType="application/json",
                   Metadata={"new": "yes"})
    head = s3.head_object(Bucket=bucket, Key="dst")
    assert head["ContentType"] == "application/json"
    assert head["Metadata"] == {"new": "yes"}
    assert "CacheControl" not in head


def test_copy_directive_ignores_request_metadata(s3, bucket, src):
    s3.copy_object(Bucket=bucket, Key="dst", CopySource={"Bucket": bucket, "Key": "src"},
                   MetadataDirective="COPY", Metadata={"ignored": "1"})
    assert s3.head_object(Bucket=bucket, Key="dst")["Metadata"] == {"origin": "test"}


def test_unknown_metadata_directive_is_invalid_argument(server, bucket, src):
    r = raw_request(server, "PUT", f"/{bucket}/dst",
                    headers={"x-amz-copy-source": f"{bucket}/src",
                             "x-amz-metadata-directive": "MERGE"})
    assert r.status_code == 400
    assert xml_error(r.content)["Code"] == "InvalidArgument"


def test_tagging_directive_copy_and_replace_are_accepted(s3, bucket, src):
    # Tagging semantics are covered in test_tagging.py.
    s3.copy_object(Bucket=bucket, Key="dst", CopySource={"Bucket": bucket, "Key": "src"},
                   TaggingDirective="COPY")
    s3.copy_object(Bucket=bucket, Key="dst2", CopySource={"Bucket": bucket, "Key": "src"},
                   TaggingDirective="REPLACE", Tagging="a=b")
    assert s3.get_object_tagging(Bucket=bucket, Key="dst2")["TagSet"] == [
        {"Key": "a", "Value": "b"}]


def test_copy_can_change_the_storage_class(s3, bucket, src):
    s3.copy_object(Bucket=bucket, Key="cold", CopySource={"Bucket": bucket, "Key": "src"},
                   StorageClass="STANDARD_IA")
    assert s3.head_object(Bucket=bucket, Key="cold")["StorageClass"] == "STANDARD_IA"
    # Back to STANDARD in place: a change, so not an illegal self-copy.
    s3.copy_object(Bucket=bucket, Key="cold", CopySource={"Bucket": bucket, "Key": "cold"},
                   StorageClass="STANDARD")
    head = s3.head_object(Bucket=bucket, Key="cold")
    assert head.get("StorageClass", "STANDARD") == "STANDARD"
    assert s3.get_object(Bucket=bucket, Key="cold")["Body"].read() == b"source bytes"


def test_self_copy_without_changes_is_invalid_request(s3, bucket, src):
    for extra in ({}, {"MetadataDirective": "COPY"}, {"StorageClass": "STANDARD"}):
        with pytest.raises(ClientError) as e:
            s3.copy_object(Bucket=bucket, Key="src", CopySource={"Bucket": bucket, "Key": "src"},
                           **extra)
        assert error_code(e.value) == "InvalidRequest"
        assert e.value.response["Error"]["Message"] == SELF_COPY


def test_self_copy_with_replace_updates_metadata(s3, bucket, src):
    s3.copy_object(Bucket=bucket, Key="src", CopySource={"Bucket": bucket, "Key": "src"},
                   MetadataDirective="REPLACE", Metadata={"v": "2"}, ContentType="text/x")
    got = s3.get_object(Bucket=bucket, Key="src")
    assert got["Body"].read() == b"source bytes"
    assert got["Metadata"] == {"v": "2"}
    assert got["ContentType"] == "text/x"


@pytest.mark.parametrize("conditions,ok", [
    ({"CopySourceIfMatch": "{etag}"}, True),
    ({"CopySourceIfMatch": '"0123456789abcdef0123456789abcdef"'}, False),
    ({"CopySourceIfNoneMatch": "{etag}"}, False),
    ({"CopySourceIfNoneMatch": '"0123456789abcdef0123456789abcdef"'}, True),
    ({"CopySourceIfModifiedSince": PAST}, True),
    ({"CopySourceIfModifiedSince": FUTURE}, False),
    ({"CopySourceIfUnmodifiedSince": FUTURE}, True),
    ({"CopySourceIfUnmodifiedSince": PAST}, False),
    # AWS's combinations: If-Match true wins over If-Unmodified-Since false ...
    ({"CopySourceIfMatch": "{etag}", "CopySourceIfUnmodifiedSince": PAST}, True),
    # ... and If-None-Match false fails even with If-Modified-Since true.
    ({"CopySourceIfNoneMatch": "{etag}", "CopySourceIfModifiedSince": PAST}, False),
    ({"CopySourceIfNoneMatch": '"other"', "CopySourceIfModifiedSince": FUTURE}, True),
])
def test_copy_source_conditions(s3, bucket, src, conditions, ok):
    args = {k: (v.format(etag=src) if isinstance(v, str) else v) for k, v in conditions.items()}
    call = lambda: s3.copy_object(Bucket=bucket, Key="dst",  # noqa: E731
                                  CopySource={"Bucket": bucket, "Key": "src"}, **args)
    if ok:
        call()
        assert s3.get_object(Bucket=bucket, Key="dst")["Body"].read() == b"source bytes"
    else:
        with pytest.raises(ClientError) as e:
            call()
        assert error_code(e.value) == "PreconditionFailed"
        assert http_status(e.value) == 412
        with pytest.raises(ClientError):
            s3.head_object(Bucket=bucket, Key="dst")


def test_conditional_destination_writes(s3, bucket, src):
    s3.put_object(Bucket=bucket, Key="dst", Body=b"existing")
    with pytest.raises(ClientError) as e:
        s3.copy_object(Bucket=bucket, Key="dst", CopySource={"Bucket": bucket, "Key": "src"},
                       IfNoneMatch="*")
    assert error_code(e.value) == "PreconditionFailed"
    assert s3.get_object(Bucket=bucket, Key="dst")["Body"].read() == b"existing"
    s3.copy_object(Bucket=bucket, Key="fresh", CopySource={"Bucket": bucket, "Key": "src"},
                   IfNoneMatch="*")
    etag = s3.head_object(Bucket=bucket, Key="dst")["ETag"]
    s3.copy_object(Bucket=bucket, Key="dst", CopySource={"Bucket": bucket, "Key": "src"},
                   IfMatch=etag)
    assert s3.get_object(Bucket=bucket, Key="dst")["Body"].read() == b"source bytes"


def test_copy_errors(s3, server, bucket, src):
    with pytest.raises(ClientError) as e:
        s3.copy_object(Bucket=bucket, Key="dst", CopySource={"Bucket": bucket, "Key": "nope"})
    assert error_code(e.value) == "NoSuchKey"
    with pytest.raises(ClientError) as e:
        s3.copy_object(Bucket=bucket, Key="dst",
                       CopySource={"Bucket": "no-such-bucket-strata-x", "Key": "src"})
    assert error_code(e.value) == "NoSuchBucket"
    for header in ("", bucket, f"{bucket}/", "/", "%zz/key"):
        r = raw_request(server, "PUT", f"/{bucket}/dst", headers={"x-amz-copy-source": header})
        assert r.status_code == 400, header
        assert xml_error(r.content)["Code"] == "InvalidArgument", header
    with pytest.raises(ClientError):
        s3.head_object(Bucket=bucket, Key="dst")


def test_copy_of_a_multipart_object_is_a_single_part_copy(s3, bucket):
    parts = [data_of(5 * MiB, seed=3), data_of(1000, seed=4)]
    upload_id, completed = upload_parts(s3, bucket, "mp", parts)
    s3.complete_multipart_upload(Bucket=bucket, Key="mp", UploadId=upload_id,
                                 MultipartUpload={"Parts": completed})
    data = b"".join(parts)
    r = s3.copy_object(Bucket=bucket, Key="copy", CopySource={"Bucket": bucket, "Key": "mp"})
    assert r["CopyObjectResult"]["ETag"] == f'"{hashlib.md5(data).hexdigest()}"'
    assert s3.get_object(Bucket=bucket, Key="copy")["Body"].read() == data


# --- UploadPartCopy ---------------------------------------------------------------------------


@pytest.fixture
def mp_bucket(s3, bucket):
    yield bucket
    abort_all_uploads(s3, bucket)


def test_upload_part_copy_with_ranges_rebuilds_the_source(s3, mp_bucket):
    source = data_of(11 * MiB + 5, seed=21)
    s3.put_object(Bucket=mp_bucket, Key="src", Body=source)
    upload_id = s3.create_multipart_upload(Bucket=mp_bucket, Key="dst")["UploadId"]
    ranges = [(0, 5 * MiB - 1), (5 * MiB, 10 * MiB - 1), (10 * MiB, len(source) - 1)]
    completed = []
    for n, (first, last) in enumerate(ranges, start=1):
        r = s3.upload_part_copy(Bucket=mp_bucket, Key="dst", UploadId=upload_id, PartNumber=n,
                                CopySource={"Bucket": mp_bucket, "Key": "src"},
                                CopySourceRange=f"bytes={first}-{last}")
        etag = r["CopyPartResult"]["ETag"]
        assert etag == f'"{hashlib.md5(source[first:last + 1]).hexdigest()}"'
        assert "LastModified" in r["CopyPartResult"]
        completed.append({"PartNumber": n, "ETag": etag})
    done = s3.complete_multipart_upload(Bucket=mp_bucket, Key="dst", UploadId=upload_id,
                                        MultipartUpload={"Parts": completed})
    assert done["ETag"] == multipart_etag([source[a:b + 1] for a, b in ranges])
    assert s3.get_object(Bucket=mp_bucket, Key="dst")["Body"].read() == source


def test_upload_part_copy_of_a_whole_object_and_mixed_with_uploads(s3, mp_bucket):
    first = data_of(5 * MiB, seed=22)
    s3.put_object(Bucket=mp_bucket, Key="small", Body=b"tail bytes")
    upload_id = s3.create_multipart_upload(Bucket=mp_bucket, Key="dst")["UploadId"]
    p1 = s3.upload_part(Bucket=mp_bucket, Key="dst", UploadId=upload_id, PartNumber=1,
                        Body=first)
    p2 = s3.upload_part_copy(Bucket=mp_bucket, Key="dst", UploadId=upload_id, PartNumber=2,
                             CopySource=f"{mp_bucket}/small")
    s3.complete_multipart_upload(
        Bucket=mp_bucket, Key="dst", UploadId=upload_id,
        MultipartUpload={"Parts": [{"PartNumber": 1, "ETag": p1["ETag"]},
                                   {"PartNumber": 2, "ETag": p2["CopyPartResult"]["ETag"]}]})
    assert s3.get_object(Bucket=mp_bucket, Key="dst")["Body"].read() == first + b"tail bytes"


@pytest.mark.parametrize("range_header,code", [
    ("bytes=0-100", "InvalidRange"),     # past the end of a 100-byte source
    ("bytes=50-10", "InvalidArgument"),
    ("bytes=0-", "InvalidArgument"),
    ("bytes=-10", "InvalidArgument"),
    ("0-10", "InvalidArgument"),
])
def test_upload_part_copy_range_errors(s3, mp_bucket, range_header, code):
    s3.put_object(Bucket=mp_bucket, Key="src", Body=data_of(100))
    upload_id = s3.create_multipart_upload(Bucket=mp_bucket, Key="dst")["UploadId"]
    with pytest.raises(ClientError) as e:
        s3.upload_part_copy(Bucket=mp_bucket, Key="dst", UploadId=upload_id, PartNumber=1,
                            CopySource={"Bucket": mp_bucket, "Key": "src"},
                            CopySourceRange=range_header)
    assert error_code(e.value) == code
    assert s3.list_parts(Bucket=mp_bucket, Key="dst", UploadId=upload_id).get("Parts", []) == []


def test_upload_part_copy_conditions_and_missing_things(s3, mp_bucket):
    etag = s3.put_object(Bucket=mp_bucket, Key="src", Body=b"abc")["ETag"]
    upload_id = s3.create_multipart_upload(Bucket=mp_bucket, Key="dst")["UploadId"]
    copy = dict(Bucket=mp_bucket, Key="dst", PartNumber=1,
                CopySource={"Bucket": mp_bucket, "Key": "src"})
    with pytest.raises(ClientError) as e:
        s3.upload_part_copy(UploadId=upload_id, CopySourceIfMatch='"nope"', **copy)
    assert error_code(e.value) == "PreconditionFailed"
    with pytest.raises(ClientError) as e:
        s3.upload_part_copy(UploadId=upload_id, CopySourceIfNoneMatch=etag, **copy)
    assert error_code(e.value) == "PreconditionFailed"
    s3.upload_part_copy(UploadId=upload_id, CopySourceIfMatch=etag, **copy)
    with pytest.raises(ClientError) as e:
        s3.upload_part_copy(UploadId="no-such-upload", **copy)
    assert error_code(e.value) == "NoSuchUpload"
    with pytest.raises(ClientError) as e:
        s3.upload_part_copy(UploadId=upload_id, **{**copy, "CopySource": {"Bucket": mp_bucket,
                                                                          "Key": "missing"}})
    assert error_code(e.value) == "NoSuchKey"


def test_aws_cli_copies_server_side(aws, s3, bucket):
    s3.put_object(Bucket=bucket, Key="a/one.txt", Body=b"one")
    aws("s3", "cp", f"s3://{bucket}/a/one.txt", f"s3://{bucket}/b/one.txt")
    assert s3.get_object(Bucket=bucket, Key="b/one.txt")["Body"].read() == b"one"
    aws("s3", "mv", f"s3://{bucket}/b/one.txt", f"s3://{bucket}/c/moved.txt")
    keys = [o["Key"] for o in s3.list_objects_v2(Bucket=bucket)["Contents"]]
    assert keys == ["a/one.txt", "c/moved.txt"]
