"""Multipart uploads (issue 3): the full cycle with exact ETags and bytes, reads by range and by
part number, every error the issue names, ListParts and ListMultipartUploads paging, per-part
checksums with the composite checksum, and GetObjectAttributes."""

import hashlib
import threading

import pytest
from botocore.exceptions import ClientError

from multipart_helpers import (
    MiB,
    abort_all_uploads,
    composite_checksum,
    multipart_etag,
    upload_parts,
)
from s3helpers import checksum_b64, data_of, error_code, http_status, parse_xml, raw_request, \
    strip_ns, xml_error

PART = 5 * MiB
TAIL = MiB + 7


@pytest.fixture
def mp_bucket(s3, bucket):
    """`bucket`, with any upload a test leaves open aborted before the bucket is deleted."""
    yield bucket
    abort_all_uploads(s3, bucket)


@pytest.fixture(scope="module")
def big(s3, make_s3):
    """One object of 3 parts of 5 MiB and a 1 MiB+7 tail, shared by the read-only tests."""
    import uuid

    from conftest import empty_and_delete_bucket

    name = f"mp-shared-{uuid.uuid4().hex[:12]}"
    s3.create_bucket(Bucket=name)
    parts = [data_of(PART, seed=i) for i in range(3)] + [data_of(TAIL, seed=9)]
    upload_id, completed = upload_parts(s3, name, "big/object.bin", parts)
    r = s3.complete_multipart_upload(Bucket=name, Key="big/object.bin", UploadId=upload_id,
                                     MultipartUpload={"Parts": completed})
    yield {"bucket": name, "key": "big/object.bin", "parts": parts, "data": b"".join(parts),
           "complete": r}
    empty_and_delete_bucket(s3, name)


def test_completed_object_has_the_multipart_etag_and_exact_bytes(s3, big):
    expected_etag = multipart_etag(big["parts"])
    assert big["complete"]["ETag"] == expected_etag
    assert big["complete"]["Bucket"] == big["bucket"]
    assert big["complete"]["Key"] == big["key"]
    assert big["complete"]["Location"].endswith(f"/{big['bucket']}/big/object.bin")
    head = s3.head_object(Bucket=big["bucket"], Key=big["key"])
    assert head["ETag"] == expected_etag
    assert head["ContentLength"] == len(big["data"])
    body = s3.get_object(Bucket=big["bucket"], Key=big["key"])["Body"].read()
    assert hashlib.md5(body).hexdigest() == hashlib.md5(big["data"]).hexdigest()
    assert body == big["data"]
    listed = s3.list_objects_v2(Bucket=big["bucket"])["Contents"]
    assert [(o["Key"], o["ETag"], o["Size"]) for o in listed] == [
        (big["key"], expected_etag, len(big["data"]))]


@pytest.mark.parametrize("first,last", [
    (PART - 10, PART + 9),              # across the first boundary
    (PART - 1, PART),                   # the two bytes around it
    (2 * PART - 100, 3 * PART + 100),   # spanning a whole part
    (0, 3 * PART + TAIL - 1),           # everything
    (3 * PART, 3 * PART + TAIL - 1),    # exactly the tail
    (PART, 2 * PART - 1),               # exactly part 2
])
def test_ranged_reads_across_part_boundaries_are_exact(s3, big, first, last):
    r = s3.get_object(Bucket=big["bucket"], Key=big["key"], Range=f"bytes={first}-{last}")
    assert r["Body"].read() == big["data"][first:last + 1]
    assert r["ContentRange"] == f"bytes {first}-{last}/{len(big['data'])}"


def test_get_and_head_by_part_number_return_that_part(s3, big):
    offset = 0
    total = len(big["data"])
    for n, part in enumerate(big["parts"], start=1):
        head = s3.head_object(Bucket=big["bucket"], Key=big["key"], PartNumber=n)
        assert head["ResponseMetadata"]["HTTPStatusCode"] == 206
        assert head["ContentLength"] == len(part)
        assert head["PartsCount"] == 4
        assert head["ETag"] == multipart_etag(big["parts"])
        r = s3.get_object(Bucket=big["bucket"], Key=big["key"], PartNumber=n)
        assert r["ResponseMetadata"]["HTTPStatusCode"] == 206
        assert r["PartsCount"] == 4
        assert r["ContentRange"] == f"bytes {offset}-{offset + len(part) - 1}/{total}"
        assert r["Body"].read() == part
        offset += len(part)


def test_part_number_past_the_last_part_is_invalid_part_number(s3, big):
    for call in (s3.get_object, s3.head_object):
        with pytest.raises(ClientError) as e:
            call(Bucket=big["bucket"], Key=big["key"], PartNumber=5)
        assert http_status(e.value) == 416
        if call is s3.get_object:
            assert error_code(e.value) == "InvalidPartNumber"


def test_part_number_of_a_single_part_object(s3, bucket):
    s3.put_object(Bucket=bucket, Key="small", Body=b"hello")
    r = s3.get_object(Bucket=bucket, Key="small", PartNumber=1)
    assert r["Body"].read() == b"hello"
    with pytest.raises(ClientError) as e:
        s3.get_object(Bucket=bucket, Key="small", PartNumber=2)
    assert error_code(e.value) == "InvalidPartNumber"


@pytest.mark.parametrize("number", ["0", "10001", "x", "-1"])
def test_get_with_an_invalid_part_number_is_invalid_argument(server, s3, big, number):
    r = raw_request(server, "GET", f"/{big['bucket']}/{big['key']}",
                    query={"partNumber": number})
    assert r.status_code == 400
    assert xml_error(r.content)["Code"] == "InvalidArgument"


def test_part_number_with_a_range_is_invalid_request(server, big):
    r = raw_request(server, "GET", f"/{big['bucket']}/{big['key']}", query={"partNumber": "1"},
                    headers={"Range": "bytes=0-1"})
    assert r.status_code == 400
    assert xml_error(r.content)["Code"] == "InvalidRequest"


def test_get_object_attributes_of_a_multipart_object(s3, big):
    r = s3.get_object_attributes(
        Bucket=big["bucket"], Key=big["key"],
        ObjectAttributes=["ETag", "ObjectParts", "StorageClass", "ObjectSize", "Checksum"])
    assert r["ETag"] == multipart_etag(big["parts"]).strip('"')
    assert r["ObjectSize"] == len(big["data"])
    assert r["StorageClass"] == "STANDARD"
    assert r["ObjectParts"]["TotalPartsCount"] == 4
    assert [p["Size"] for p in r["ObjectParts"]["Parts"]] == [len(p) for p in big["parts"]]
    assert "LastModified" in r
    page = s3.get_object_attributes(Bucket=big["bucket"], Key=big["key"],
                                    ObjectAttributes=["ObjectParts"], MaxParts=2,
                                    PartNumberMarker=1)
    parts = page["ObjectParts"]
    assert [p["PartNumber"] for p in parts["Parts"]] == [2, 3]
    assert parts["IsTruncated"] is True
    assert parts["NextPartNumberMarker"] == 3


def test_get_object_attributes_of_a_simple_object_and_errors(s3, bucket, server):
    s3.put_object(Bucket=bucket, Key="k", Body=b"12345", ChecksumAlgorithm="SHA256")
    r = s3.get_object_attributes(Bucket=bucket, Key="k",
                                 ObjectAttributes=["ETag", "ObjectSize", "Checksum"])
    assert r["ETag"] == hashlib.md5(b"12345").hexdigest()
    assert r["ObjectSize"] == 5
    assert r["Checksum"]["ChecksumSHA256"] == checksum_b64("SHA256", b"12345")
    assert "ObjectParts" not in r
    with pytest.raises(ClientError) as e:
        s3.get_object_attributes(Bucket=bucket, Key="missing", ObjectAttributes=["ETag"])
    assert error_code(e.value) == "NoSuchKey"
    bad = raw_request(server, "GET", f"/{bucket}/k", query={"attributes": None},
                      headers={"x-amz-object-attributes": "ETag,Bogus"})
    assert bad.status_code == 400
    assert xml_error(bad.content)["Code"] == "InvalidArgument"
    none = raw_request(server, "GET", f"/{bucket}/k", query={"attributes": None})
    assert none.status_code == 400
    assert xml_error(none.content)["Code"] == "InvalidRequest"


# --- the upload life cycle --------------------------------------------------------------------


def test_create_carries_metadata_content_type_and_storage_class(s3, mp_bucket):
    parts = [data_of(100, seed=1)]
    upload_id, completed = upload_parts(
        s3, mp_bucket, "meta", parts, ContentType="text/csv", Metadata={"job": "42"},
        CacheControl="max-age=60", StorageClass="STANDARD")
    s3.complete_multipart_upload(Bucket=mp_bucket, Key="meta", UploadId=upload_id,
                                 MultipartUpload={"Parts": completed})
    head = s3.head_object(Bucket=mp_bucket, Key="meta")
    assert head["ContentType"] == "text/csv"
    assert head["Metadata"] == {"job": "42"}
    assert head["CacheControl"] == "max-age=60"
    assert head["ETag"] == multipart_etag(parts)


def test_reuploading_a_part_replaces_it(s3, mp_bucket):
    upload_id = s3.create_multipart_upload(Bucket=mp_bucket, Key="k")["UploadId"]
    s3.upload_part(Bucket=mp_bucket, Key="k", UploadId=upload_id, PartNumber=1, Body=b"old")
    r = s3.upload_part(Bucket=mp_bucket, Key="k", UploadId=upload_id, PartNumber=1, Body=b"new!")
    assert r["ETag"] == f'"{hashlib.md5(b"new!").hexdigest()}"'
    listed = s3.list_parts(Bucket=mp_bucket, Key="k", UploadId=upload_id)["Parts"]
    assert [(p["PartNumber"], p["Size"], p["ETag"]) for p in listed] == [(1, 4, r["ETag"])]
    s3.complete_multipart_upload(Bucket=mp_bucket, Key="k", UploadId=upload_id,
                                 MultipartUpload={"Parts": [{"PartNumber": 1,
                                                             "ETag": r["ETag"]}]})
    assert s3.get_object(Bucket=mp_bucket, Key="k")["Body"].read() == b"new!"


def test_abort_removes_the_upload(s3, mp_bucket):
    upload_id, _ = upload_parts(s3, mp_bucket, "gone", [b"x" * 1000])
    r = s3.abort_multipart_upload(Bucket=mp_bucket, Key="gone", UploadId=upload_id)
    assert r["ResponseMetadata"]["HTTPStatusCode"] == 204
    assert s3.list_multipart_uploads(Bucket=mp_bucket).get("Uploads", []) == []
    with pytest.raises(ClientError) as e:
        s3.list_parts(Bucket=mp_bucket, Key="gone", UploadId=upload_id)
    assert error_code(e.value) == "NoSuchUpload"
    with pytest.raises(ClientError) as e:
        s3.head_object(Bucket=mp_bucket, Key="gone")
    assert http_status(e.value) == 404


def test_completing_twice_is_no_such_upload(s3, mp_bucket):
    upload_id, completed = upload_parts(s3, mp_bucket, "twice", [b"abc"])
    s3.complete_multipart_upload(Bucket=mp_bucket, Key="twice", UploadId=upload_id,
                                 MultipartUpload={"Parts": completed})
    with pytest.raises(ClientError) as e:
        s3.complete_multipart_upload(Bucket=mp_bucket, Key="twice", UploadId=upload_id,
                                     MultipartUpload={"Parts": completed})
    assert error_code(e.value) == "NoSuchUpload"
    assert s3.get_object(Bucket=mp_bucket, Key="twice")["Body"].read() == b"abc"


def test_racing_completions_leave_one_whole_object(s3, make_s3, mp_bucket):
    parts = [data_of(PART, seed=5), b"tail"]
    upload_id, completed = upload_parts(s3, mp_bucket, "race", parts)
    outcomes = []

    def complete():
        client = make_s3()
        try:
            client.complete_multipart_upload(Bucket=mp_bucket, Key="race", UploadId=upload_id,
                                             MultipartUpload={"Parts": completed})
            outcomes.append("ok")
        except ClientError as e:
            outcomes.append(error_code(e))

    threads = [threading.Thread(target=complete) for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(outcomes) == ["NoSuchUpload", "NoSuchUpload", "ok"]
    assert s3.get_object(Bucket=mp_bucket, Key="race")["Body"].read() == b"".join(parts)


# --- errors -----------------------------------------------------------------------------------


def test_a_part_but_the_last_under_5_mib_is_entity_too_small(s3, mp_bucket):
    upload_id, completed = upload_parts(s3, mp_bucket, "small", [b"a" * 1000, b"b" * 1000])
    with pytest.raises(ClientError) as e:
        s3.complete_multipart_upload(Bucket=mp_bucket, Key="small", UploadId=upload_id,
                                     MultipartUpload={"Parts": completed})
    assert error_code(e.value) == "EntityTooSmall"
    assert http_status(e.value) == 400


def test_unknown_part_or_wrong_etag_is_invalid_part(s3, mp_bucket):
    upload_id, completed = upload_parts(s3, mp_bucket, "k", [b"only"])
    for parts in ([{"PartNumber": 2, "ETag": completed[0]["ETag"]}],
                  [{"PartNumber": 1, "ETag": '"' + "0" * 32 + '"'}]):
        with pytest.raises(ClientError) as e:
            s3.complete_multipart_upload(Bucket=mp_bucket, Key="k", UploadId=upload_id,
                                         MultipartUpload={"Parts": parts})
        assert error_code(e.value) == "InvalidPart"


def test_parts_out_of_order_are_invalid_part_order(s3, mp_bucket):
    upload_id, completed = upload_parts(s3, mp_bucket, "k", [data_of(PART), b"tail"])
    with pytest.raises(ClientError) as e:
        s3.complete_multipart_upload(Bucket=mp_bucket, Key="k", UploadId=upload_id,
                                     MultipartUpload={"Parts": list(reversed(completed))})
    assert error_code(e.value) == "InvalidPartOrder"


def test_unknown_upload_id_is_no_such_upload_everywhere(s3, mp_bucket):
    calls = [
        lambda: s3.upload_part(Bucket=mp_bucket, Key="k", UploadId="nope", PartNumber=1,
                               Body=b"x"),
        lambda: s3.complete_multipart_upload(
            Bucket=mp_bucket, Key="k", UploadId="nope",
            MultipartUpload={"Parts": [{"PartNumber": 1, "ETag": '"x"'}]}),
        lambda: s3.abort_multipart_upload(Bucket=mp_bucket, Key="k", UploadId="nope"),
        lambda: s3.list_parts(Bucket=mp_bucket, Key="k", UploadId="nope"),
    ]
    for call in calls:
        with pytest.raises(ClientError) as e:
            call()
        assert error_code(e.value) == "NoSuchUpload"
        assert http_status(e.value) == 404


def test_an_upload_id_of_another_key_is_no_such_upload(s3, mp_bucket):
    upload_id = s3.create_multipart_upload(Bucket=mp_bucket, Key="a")["UploadId"]
    with pytest.raises(ClientError) as e:
        s3.upload_part(Bucket=mp_bucket, Key="b", UploadId=upload_id, PartNumber=1, Body=b"x")
    assert error_code(e.value) == "NoSuchUpload"


@pytest.mark.parametrize("number", [0, 10001])
def test_part_numbers_outside_1_to_10000_are_invalid_argument(s3, mp_bucket, number):
    upload_id = s3.create_multipart_upload(Bucket=mp_bucket, Key="k")["UploadId"]
    with pytest.raises(ClientError) as e:
        s3.upload_part(Bucket=mp_bucket, Key="k", UploadId=upload_id, PartNumber=number,
                       Body=b"x")
    assert error_code(e.value) == "InvalidArgument"
    assert http_status(e.value) == 400


@pytest.mark.parametrize("body", [
    b"",
    b"not xml",
    b"<CompleteMultipartUpload></CompleteMultipartUpload>",
    b"<CompleteMultipartUpload><Part><PartNumber>1</PartNumber></Part></CompleteMultipartUpload>",
    b"<Wrong><Part><PartNumber>1</PartNumber><ETag>x</ETag></Part></Wrong>",
])
def test_bad_completion_documents_are_malformed_xml(server, s3, mp_bucket, body):
    upload_id, _ = upload_parts(s3, mp_bucket, "k", [b"x"])
    r = raw_request(server, "POST", f"/{mp_bucket}/k", query={"uploadId": upload_id}, body=body)
    assert r.status_code == 400, r.content
    assert xml_error(r.content)["Code"] == "MalformedXML"


def test_an_oversized_completion_document_is_malformed_xml(server, s3, mp_bucket):
    upload_id, _ = upload_parts(s3, mp_bucket, "k", [b"x"])
    body = b"<CompleteMultipartUpload>" + b" " * (5 * MiB) + b"</CompleteMultipartUpload>"
    r = raw_request(server, "POST", f"/{mp_bucket}/k", query={"uploadId": upload_id}, body=body,
                    timeout=30)
    assert r.status_code == 400
    assert xml_error(r.content)["Code"] == "MalformedXML"


def test_complete_with_if_none_match_refuses_to_overwrite(s3, mp_bucket):
    s3.put_object(Bucket=mp_bucket, Key="k", Body=b"existing")
    upload_id, completed = upload_parts(s3, mp_bucket, "k", [b"new"])
    with pytest.raises(ClientError) as e:
        s3.complete_multipart_upload(Bucket=mp_bucket, Key="k", UploadId=upload_id,
                                     MultipartUpload={"Parts": completed}, IfNoneMatch="*")
    assert error_code(e.value) == "PreconditionFailed"
    assert http_status(e.value) == 412
    assert s3.get_object(Bucket=mp_bucket, Key="k")["Body"].read() == b"existing"
    etag = s3.head_object(Bucket=mp_bucket, Key="k")["ETag"]
    s3.complete_multipart_upload(Bucket=mp_bucket, Key="k", UploadId=upload_id,
                                 MultipartUpload={"Parts": completed}, IfMatch=etag)
    assert s3.get_object(Bucket=mp_bucket, Key="k")["Body"].read() == b"new"


# --- listing ----------------------------------------------------------------------------------


def test_list_parts_pages_with_part_number_marker(s3, mp_bucket):
    parts = [data_of(100 + n, seed=n) for n in range(5)]
    upload_id, completed = upload_parts(s3, mp_bucket, "paged", parts,
                                        ContentType="text/plain")
    seen = []
    marker = 0
    pages = 0
    while True:
        r = s3.list_parts(Bucket=mp_bucket, Key="paged", UploadId=upload_id, MaxParts=2,
                          PartNumberMarker=marker)
        pages += 1
        assert r["MaxParts"] == 2
        assert r["StorageClass"] == "STANDARD"
        assert r["Initiator"]["ID"] and r["Owner"]["ID"]
        seen += [(p["PartNumber"], p["ETag"], p["Size"]) for p in r["Parts"]]
        if not r["IsTruncated"]:
            break
        marker = r["NextPartNumberMarker"]
        assert marker == r["Parts"][-1]["PartNumber"]
    assert pages == 3
    assert seen == [(c["PartNumber"], c["ETag"], len(p)) for c, p in zip(completed, parts)]
    # The paginator agrees.
    pages = list(s3.get_paginator("list_parts").paginate(
        Bucket=mp_bucket, Key="paged", UploadId=upload_id, PaginationConfig={"PageSize": 2}))
    assert sum(len(p.get("Parts", [])) for p in pages) == 5


def test_list_multipart_uploads_by_prefix_as_the_s3a_magic_committer(s3, mp_bucket):
    keys = ["job1/__magic/task1/part-0000", "job1/__magic/task2/part-0001",
            "job1/out/part-0002", "job2/__magic/task1/part-0000", "other"]
    ids = {k: s3.create_multipart_upload(Bucket=mp_bucket, Key=k)["UploadId"] for k in keys}
    r = s3.list_multipart_uploads(Bucket=mp_bucket, Prefix="job1/__magic/")
    assert [(u["Key"], u["UploadId"]) for u in r["Uploads"]] == [
        (keys[0], ids[keys[0]]), (keys[1], ids[keys[1]])]
    assert r["Uploads"][0]["StorageClass"] == "STANDARD"
    assert "Initiated" in r["Uploads"][0]
    # With a delimiter, deeper keys fold into common prefixes.
    r = s3.list_multipart_uploads(Bucket=mp_bucket, Prefix="job1/", Delimiter="/")
    assert r.get("Uploads", []) == []
    assert [p["Prefix"] for p in r["CommonPrefixes"]] == ["job1/__magic/", "job1/out/"]
    r = s3.list_multipart_uploads(Bucket=mp_bucket, Delimiter="/")
    assert [u["Key"] for u in r["Uploads"]] == ["other"]
    assert [p["Prefix"] for p in r["CommonPrefixes"]] == ["job1/", "job2/"]
    # Paging with key-marker / upload-id-marker.
    seen = []
    kwargs = {}
    while True:
        r = s3.list_multipart_uploads(Bucket=mp_bucket, MaxUploads=2, **kwargs)
        seen += [u["Key"] for u in r.get("Uploads", [])]
        if not r["IsTruncated"]:
            break
        kwargs = {"KeyMarker": r["NextKeyMarker"], "UploadIdMarker": r["NextUploadIdMarker"]}
    assert seen == sorted(keys)


def test_list_multipart_uploads_with_url_encoding(server, s3, mp_bucket):
    s3.create_multipart_upload(Bucket=mp_bucket, Key="a b+c")
    r = raw_request(server, "GET", f"/{mp_bucket}", query={"uploads": None,
                                                           "encoding-type": "url"})
    assert r.status_code == 200
    root = parse_xml(r.content)
    keys = [el.text for el in root.iter() if strip_ns(el.tag) == "Key"]
    assert keys == ["a%20b%2Bc"]
    # boto3 decodes it back.
    assert [u["Key"] for u in s3.list_multipart_uploads(Bucket=mp_bucket)["Uploads"]] == ["a b+c"]


def test_two_uploads_of_one_key_are_both_listed(s3, mp_bucket):
    first = s3.create_multipart_upload(Bucket=mp_bucket, Key="same")["UploadId"]
    second = s3.create_multipart_upload(Bucket=mp_bucket, Key="same")["UploadId"]
    assert first != second
    r = s3.list_multipart_uploads(Bucket=mp_bucket)
    assert sorted(u["UploadId"] for u in r["Uploads"]) == sorted([first, second])


# --- checksums --------------------------------------------------------------------------------


@pytest.mark.parametrize("algorithm", ["CRC32", "SHA256"])
def test_per_part_checksums_and_the_composite_checksum(s3, mp_bucket, algorithm):
    parts = [data_of(PART, seed=11), data_of(1000, seed=12)]
    created = s3.create_multipart_upload(Bucket=mp_bucket, Key="sum", ChecksumAlgorithm=algorithm)
    assert created["ChecksumAlgorithm"] == algorithm
    upload_id = created["UploadId"]
    member = f"Checksum{algorithm}"
    completed = []
    for n, data in enumerate(parts, start=1):
        r = s3.upload_part(Bucket=mp_bucket, Key="sum", UploadId=upload_id, PartNumber=n,
                           Body=data, ChecksumAlgorithm=algorithm)
        assert r[member] == checksum_b64(algorithm, data)
        completed.append({"PartNumber": n, "ETag": r["ETag"], member: r[member]})
    listed = s3.list_parts(Bucket=mp_bucket, Key="sum", UploadId=upload_id)
    assert [p[member] for p in listed["Parts"]] == [c[member] for c in completed]
    done = s3.complete_multipart_upload(Bucket=mp_bucket, Key="sum", UploadId=upload_id,
                                        MultipartUpload={"Parts": completed})
    expected = composite_checksum(algorithm, parts)
    assert done[member] == expected
    head = s3.head_object(Bucket=mp_bucket, Key="sum", ChecksumMode="ENABLED")
    assert head[member] == expected
    assert head.get("ChecksumType") == "COMPOSITE"
    part = s3.head_object(Bucket=mp_bucket, Key="sum", PartNumber=2, ChecksumMode="ENABLED")
    assert part[member] == checksum_b64(algorithm, parts[1])
    got = s3.get_object(Bucket=mp_bucket, Key="sum", ChecksumMode="ENABLED")
    assert got["Body"].read() == b"".join(parts)
    attrs = s3.get_object_attributes(Bucket=mp_bucket, Key="sum",
                                     ObjectAttributes=["Checksum", "ObjectParts"])
    assert [p[member] for p in attrs["ObjectParts"]["Parts"]] == [c[member] for c in completed]


def test_a_part_without_its_checksum_gets_it_computed(server, s3, mp_bucket):
    upload_id = s3.create_multipart_upload(Bucket=mp_bucket, Key="k",
                                           ChecksumAlgorithm="SHA256")["UploadId"]
    r = raw_request(server, "PUT", f"/{mp_bucket}/k",
                    query={"partNumber": "1", "uploadId": upload_id}, body=b"data")
    assert r.status_code == 200, r.content
    assert r.headers["x-amz-checksum-sha256"] == checksum_b64("SHA256", b"data")


def test_a_part_with_another_checksum_or_a_wrong_one_is_refused(server, s3, mp_bucket):
    upload_id = s3.create_multipart_upload(Bucket=mp_bucket, Key="k",
                                           ChecksumAlgorithm="SHA256")["UploadId"]
    with pytest.raises(ClientError) as e:
        s3.upload_part(Bucket=mp_bucket, Key="k", UploadId=upload_id, PartNumber=1,
                       Body=b"data", ChecksumAlgorithm="CRC32")
    assert error_code(e.value) == "InvalidRequest"
    r = raw_request(server, "PUT", f"/{mp_bucket}/k",
                    query={"partNumber": "1", "uploadId": upload_id}, body=b"data",
                    headers={"x-amz-checksum-sha256": checksum_b64("SHA256", b"other")})
    assert r.status_code == 400
    assert xml_error(r.content)["Code"] == "BadDigest"
    assert s3.list_parts(Bucket=mp_bucket, Key="k", UploadId=upload_id).get("Parts", []) == []


def test_completion_without_the_part_checksums_is_invalid_request(s3, mp_bucket):
    upload_id = s3.create_multipart_upload(Bucket=mp_bucket, Key="k",
                                           ChecksumAlgorithm="CRC32")["UploadId"]
    r = s3.upload_part(Bucket=mp_bucket, Key="k", UploadId=upload_id, PartNumber=1, Body=b"x",
                       ChecksumAlgorithm="CRC32")
    with pytest.raises(ClientError) as e:
        s3.complete_multipart_upload(Bucket=mp_bucket, Key="k", UploadId=upload_id,
                                     MultipartUpload={"Parts": [{"PartNumber": 1,
                                                                 "ETag": r["ETag"]}]})
    assert error_code(e.value) == "InvalidRequest"
    with pytest.raises(ClientError) as e:
        s3.complete_multipart_upload(
            Bucket=mp_bucket, Key="k", UploadId=upload_id,
            MultipartUpload={"Parts": [{"PartNumber": 1, "ETag": r["ETag"],
                                        "ChecksumCRC32": checksum_b64("CRC32", b"y")}]})
    assert error_code(e.value) in ("InvalidPart", "BadDigest")


def _trailing_checksum(params, **kwargs):
    # botocore's default over HTTPS: an aws-chunked body with the checksum in a trailer.
    algorithm = params["context"].get("checksum", {}).get("request_algorithm")
    if isinstance(algorithm, dict):
        algorithm["in"] = "trailer"


def test_parts_sent_aws_chunked_with_trailing_checksums(make_s3, s3, mp_bucket):
    client = make_s3()
    client.meta.events.register("before-call.s3.UploadPart", _trailing_checksum)
    sent = []
    client.meta.events.register(
        "before-send.s3.UploadPart",
        lambda request, **kw: sent.append(request.headers.get("X-Amz-Content-SHA256")))
    parts = [data_of(PART, seed=41), data_of(70_000, seed=42)]
    upload_id = client.create_multipart_upload(Bucket=mp_bucket, Key="chunked",
                                               ChecksumAlgorithm="CRC32")["UploadId"]
    completed = []
    for n, data in enumerate(parts, start=1):
        r = client.upload_part(Bucket=mp_bucket, Key="chunked", UploadId=upload_id,
                               PartNumber=n, Body=data, ChecksumAlgorithm="CRC32")
        assert r["ChecksumCRC32"] == checksum_b64("CRC32", data)
        completed.append({"PartNumber": n, "ETag": r["ETag"], "ChecksumCRC32": r["ChecksumCRC32"]})
    assert all(s in (b"STREAMING-UNSIGNED-PAYLOAD-TRAILER", "STREAMING-UNSIGNED-PAYLOAD-TRAILER")
               for s in sent)
    client.complete_multipart_upload(Bucket=mp_bucket, Key="chunked", UploadId=upload_id,
                                     MultipartUpload={"Parts": completed})
    assert s3.get_object(Bucket=mp_bucket, Key="chunked")["Body"].read() == b"".join(parts)
    assert s3.head_object(Bucket=mp_bucket, Key="chunked")["ETag"] == multipart_etag(parts)


def test_a_part_with_a_wrong_content_md5_is_bad_digest(s3, mp_bucket):
    upload_id = s3.create_multipart_upload(Bucket=mp_bucket, Key="k")["UploadId"]
    with pytest.raises(ClientError) as e:
        s3.upload_part(Bucket=mp_bucket, Key="k", UploadId=upload_id, PartNumber=1, Body=b"data",
                       ContentMD5="1B2M2Y8AsgTpgAmY7PhCfg==")
    assert error_code(e.value) == "BadDigest"
    assert s3.list_parts(Bucket=mp_bucket, Key="k", UploadId=upload_id).get("Parts", []) == []


def test_the_storage_class_is_carried_to_the_object(s3, mp_bucket):
    upload_id, completed = upload_parts(s3, mp_bucket, "cold", [b"x" * 10],
                                        StorageClass="STANDARD_IA")
    assert s3.list_parts(Bucket=mp_bucket, Key="cold",
                         UploadId=upload_id)["StorageClass"] == "STANDARD_IA"
    s3.complete_multipart_upload(Bucket=mp_bucket, Key="cold", UploadId=upload_id,
                                 MultipartUpload={"Parts": completed})
    assert s3.head_object(Bucket=mp_bucket, Key="cold")["StorageClass"] == "STANDARD_IA"
    with pytest.raises(ClientError) as e:
        s3.create_multipart_upload(Bucket=mp_bucket, Key="k", StorageClass="NO_SUCH_CLASS")
    assert error_code(e.value) == "InvalidStorageClass"
