"""Bucket versioning through boto3: the versioning lifecycle, version ids on writes, reads and
deletes of named versions, delete markers, ListObjectVersions paging, DeleteObjects with
versions, and copies from a named version."""

import pytest
from botocore.exceptions import ClientError

from s3helpers import error_code, http_status, parse_xml, raw_request, strip_ns
from version_helpers import delete_all_versions_and_bucket


@pytest.fixture
def vbucket(s3, new_bucket_name):
    """A fresh bucket with versioning Enabled; every version removed afterwards."""
    s3.create_bucket(Bucket=new_bucket_name)
    s3.put_bucket_versioning(Bucket=new_bucket_name,
                             VersioningConfiguration={"Status": "Enabled"})
    yield new_bucket_name
    delete_all_versions_and_bucket(s3, new_bucket_name)


def test_versioning_lifecycle_unversioned_enabled_suspended(s3, new_bucket_name):
    s3.create_bucket(Bucket=new_bucket_name)
    try:
        assert "Status" not in s3.get_bucket_versioning(Bucket=new_bucket_name)
        s3.put_bucket_versioning(Bucket=new_bucket_name,
                                 VersioningConfiguration={"Status": "Enabled"})
        assert s3.get_bucket_versioning(Bucket=new_bucket_name)["Status"] == "Enabled"
        s3.put_bucket_versioning(Bucket=new_bucket_name,
                                 VersioningConfiguration={"Status": "Suspended"})
        assert s3.get_bucket_versioning(Bucket=new_bucket_name)["Status"] == "Suspended"
        s3.put_bucket_versioning(Bucket=new_bucket_name,
                                 VersioningConfiguration={"Status": "Enabled"})
        assert s3.get_bucket_versioning(Bucket=new_bucket_name)["Status"] == "Enabled"
    finally:
        delete_all_versions_and_bucket(s3, new_bucket_name)


def test_malformed_versioning_configuration_is_malformed_xml(server, bucket):
    for body in (b"<VersioningConfiguration><Status>On</Status></VersioningConfiguration>",
                 b"not xml", b"<Other/>"):
        r = raw_request(server, "PUT", f"/{bucket}", query={"versioning": None}, body=body)
        assert r.status_code == 400, r.content
        assert b"<Code>MalformedXML</Code>" in r.content


def test_mfa_delete_is_not_implemented(s3, bucket):
    with pytest.raises(ClientError) as e:
        s3.put_bucket_versioning(Bucket=bucket, VersioningConfiguration={
            "Status": "Enabled", "MFADelete": "Enabled"}, MFA="serial 123456")
    assert error_code(e.value) == "NotImplemented"


def test_versioning_of_a_missing_bucket_is_no_such_bucket(s3, new_bucket_name):
    with pytest.raises(ClientError) as e:
        s3.get_bucket_versioning(Bucket=new_bucket_name)
    assert error_code(e.value) == "NoSuchBucket"


def test_unversioned_writes_carry_no_version_id(s3, bucket):
    r = s3.put_object(Bucket=bucket, Key="k", Body=b"x")
    assert "VersionId" not in r
    assert "VersionId" not in s3.head_object(Bucket=bucket, Key="k")
    assert "VersionId" not in s3.delete_object(Bucket=bucket, Key="k")


def test_every_put_creates_a_version_readable_by_id(s3, vbucket):
    ids = [s3.put_object(Bucket=vbucket, Key="k", Body=f"v{i}".encode())["VersionId"]
           for i in range(3)]
    assert len(set(ids)) == 3
    assert s3.get_object(Bucket=vbucket, Key="k")["Body"].read() == b"v2"
    for i, vid in enumerate(ids):
        got = s3.get_object(Bucket=vbucket, Key="k", VersionId=vid)
        assert got["Body"].read() == f"v{i}".encode()
        assert got["VersionId"] == vid
        assert s3.head_object(Bucket=vbucket, Key="k", VersionId=vid)["VersionId"] == vid
    assert s3.head_object(Bucket=vbucket, Key="k")["VersionId"] == ids[-1]


def test_unknown_version_is_no_such_version(s3, vbucket):
    s3.put_object(Bucket=vbucket, Key="k", Body=b"x")
    with pytest.raises(ClientError) as e:
        s3.get_object(Bucket=vbucket, Key="k", VersionId="nonexistent-version")
    assert error_code(e.value) == "NoSuchVersion"
    assert http_status(e.value) == 404
    with pytest.raises(ClientError) as e:
        s3.head_object(Bucket=vbucket, Key="k", VersionId="nonexistent-version")
    assert http_status(e.value) == 404


def test_delete_writes_a_marker_and_get_answers_404_with_marker_headers(server, s3, vbucket):
    v1 = s3.put_object(Bucket=vbucket, Key="k", Body=b"one")["VersionId"]
    d = s3.delete_object(Bucket=vbucket, Key="k")
    assert d["DeleteMarker"] is True
    marker = d["VersionId"]
    assert marker and marker != v1
    r = raw_request(server, "GET", f"/{vbucket}/k")
    assert r.status_code == 404
    assert b"<Code>NoSuchKey</Code>" in r.content
    assert r.headers["x-amz-delete-marker"] == "true"
    assert r.headers["x-amz-version-id"] == marker
    # The old version is still there.
    assert s3.get_object(Bucket=vbucket, Key="k", VersionId=v1)["Body"].read() == b"one"
    # It is not listed.
    assert s3.list_objects_v2(Bucket=vbucket)["KeyCount"] == 0


def test_get_of_a_delete_marker_version_is_405(server, s3, vbucket):
    s3.put_object(Bucket=vbucket, Key="k", Body=b"one")
    marker = s3.delete_object(Bucket=vbucket, Key="k")["VersionId"]
    r = raw_request(server, "GET", f"/{vbucket}/k", query={"versionId": marker})
    assert r.status_code == 405
    assert b"<Code>MethodNotAllowed</Code>" in r.content
    assert r.headers["x-amz-delete-marker"] == "true"
    assert r.headers["x-amz-version-id"] == marker
    r = raw_request(server, "HEAD", f"/{vbucket}/k", query={"versionId": marker})
    assert r.status_code == 405
    assert r.headers["x-amz-delete-marker"] == "true"


def test_deleting_the_marker_restores_the_object(s3, vbucket):
    s3.put_object(Bucket=vbucket, Key="k", Body=b"one")
    marker = s3.delete_object(Bucket=vbucket, Key="k")["VersionId"]
    d = s3.delete_object(Bucket=vbucket, Key="k", VersionId=marker)
    assert d["DeleteMarker"] is True
    assert d["VersionId"] == marker
    assert s3.get_object(Bucket=vbucket, Key="k")["Body"].read() == b"one"


def test_deleting_a_version_removes_it_permanently(s3, vbucket):
    v1 = s3.put_object(Bucket=vbucket, Key="k", Body=b"one")["VersionId"]
    v2 = s3.put_object(Bucket=vbucket, Key="k", Body=b"two")["VersionId"]
    d = s3.delete_object(Bucket=vbucket, Key="k", VersionId=v2)
    assert d["VersionId"] == v2
    assert "DeleteMarker" not in d or d["DeleteMarker"] is False
    assert s3.get_object(Bucket=vbucket, Key="k")["Body"].read() == b"one"
    assert s3.head_object(Bucket=vbucket, Key="k")["VersionId"] == v1
    with pytest.raises(ClientError) as e:
        s3.get_object(Bucket=vbucket, Key="k", VersionId=v2)
    assert error_code(e.value) == "NoSuchVersion"


def test_suspended_bucket_overwrites_the_null_version(s3, vbucket):
    v1 = s3.put_object(Bucket=vbucket, Key="k", Body=b"kept")["VersionId"]
    s3.put_bucket_versioning(Bucket=vbucket, VersioningConfiguration={"Status": "Suspended"})
    s3.put_object(Bucket=vbucket, Key="k", Body=b"null-1")
    s3.put_object(Bucket=vbucket, Key="k", Body=b"null-2")
    versions = s3.list_object_versions(Bucket=vbucket)["Versions"]
    assert sorted(v["VersionId"] for v in versions) == sorted([v1, "null"])
    assert s3.get_object(Bucket=vbucket, Key="k", VersionId="null")["Body"].read() == b"null-2"
    assert s3.get_object(Bucket=vbucket, Key="k", VersionId=v1)["Body"].read() == b"kept"


def test_null_version_ids_on_the_wire_in_a_suspended_bucket(s3, vbucket):
    s3.put_bucket_versioning(Bucket=vbucket, VersioningConfiguration={"Status": "Suspended"})
    # Like S3: the PUT answer names no version; reads name the null version.
    put = s3.put_object(Bucket=vbucket, Key="k", Body=b"null")
    assert "VersionId" not in put
    assert s3.head_object(Bucket=vbucket, Key="k")["VersionId"] == "null"
    assert s3.get_object(Bucket=vbucket, Key="k")["VersionId"] == "null"
    deleted = s3.delete_object(Bucket=vbucket, Key="k")
    assert deleted["DeleteMarker"] is True and deleted["VersionId"] == "null"


def test_a_never_versioned_bucket_names_no_version(s3, bucket):
    s3.put_object(Bucket=bucket, Key="k", Body=b"plain")
    assert "VersionId" not in s3.head_object(Bucket=bucket, Key="k")
    assert "VersionId" not in s3.get_object(Bucket=bucket, Key="k")


def test_delete_of_a_named_version_honours_if_match(s3, vbucket):
    r1 = s3.put_object(Bucket=vbucket, Key="k", Body=b"one")
    r2 = s3.put_object(Bucket=vbucket, Key="k", Body=b"two")
    with pytest.raises(ClientError) as e:  # the ETag of v2, not of v1
        s3.delete_object(Bucket=vbucket, Key="k", VersionId=r1["VersionId"], IfMatch=r2["ETag"])
    assert error_code(e.value) == "PreconditionFailed"
    assert s3.get_object(Bucket=vbucket, Key="k", VersionId=r1["VersionId"])["Body"].read() == b"one"
    s3.delete_object(Bucket=vbucket, Key="k", VersionId=r1["VersionId"], IfMatch=r1["ETag"])
    versions = s3.list_object_versions(Bucket=vbucket)["Versions"]
    assert [v["VersionId"] for v in versions] == [r2["VersionId"]]
    marker = s3.delete_object(Bucket=vbucket, Key="k")["VersionId"]
    with pytest.raises(ClientError) as e:  # a delete marker has no ETag to match
        s3.delete_object(Bucket=vbucket, Key="k", VersionId=marker, IfMatch=r2["ETag"])
    assert error_code(e.value) == "PreconditionFailed"


def test_list_object_versions_shows_versions_and_markers_newest_first(s3, vbucket):
    a1 = s3.put_object(Bucket=vbucket, Key="a", Body=b"1")["VersionId"]
    a2 = s3.put_object(Bucket=vbucket, Key="a", Body=b"22")["VersionId"]
    am = s3.delete_object(Bucket=vbucket, Key="a")["VersionId"]
    b1 = s3.put_object(Bucket=vbucket, Key="b", Body=b"333")["VersionId"]
    r = s3.list_object_versions(Bucket=vbucket)
    assert r["IsTruncated"] is False
    versions = [(v["Key"], v["VersionId"], v["IsLatest"], v["Size"]) for v in r["Versions"]]
    assert versions == [("a", a2, False, 2), ("a", a1, False, 1), ("b", b1, True, 3)]
    markers = [(m["Key"], m["VersionId"], m["IsLatest"]) for m in r["DeleteMarkers"]]
    assert markers == [("a", am, True)]
    v = r["Versions"][0]
    assert v["ETag"].startswith('"') and v["StorageClass"] == "STANDARD"
    assert v["Owner"]["ID"] and "LastModified" in v


def test_list_object_versions_pages_with_key_and_version_markers(s3, vbucket):
    expected = []
    for key in ("a", "b", "c"):
        ids = [s3.put_object(Bucket=vbucket, Key=key, Body=b"x")["VersionId"] for _ in range(3)]
        expected += [(key, vid) for vid in reversed(ids)]
    seen = []
    kwargs = {}
    pages = 0
    while True:
        r = s3.list_object_versions(Bucket=vbucket, MaxKeys=2, **kwargs)
        pages += 1
        assert r["MaxKeys"] == 2
        seen += [(v["Key"], v["VersionId"]) for v in r.get("Versions", [])]
        if not r["IsTruncated"]:
            break
        kwargs = {"KeyMarker": r["NextKeyMarker"], "VersionIdMarker": r["NextVersionIdMarker"]}
    assert seen == expected
    assert pages == 5
    # The paginator does the same.
    paged = [(v["Key"], v["VersionId"])
             for page in s3.get_paginator("list_object_versions").paginate(
                 Bucket=vbucket, PaginationConfig={"PageSize": 4})
             for v in page.get("Versions", [])]
    assert paged == expected


def test_list_object_versions_with_prefix_and_delimiter(s3, vbucket):
    for key in ("dir/a", "dir/b", "top", "other/x"):
        s3.put_object(Bucket=vbucket, Key=key, Body=b"x")
    r = s3.list_object_versions(Bucket=vbucket, Delimiter="/")
    assert [p["Prefix"] for p in r["CommonPrefixes"]] == ["dir/", "other/"]
    assert [v["Key"] for v in r["Versions"]] == ["top"]
    r = s3.list_object_versions(Bucket=vbucket, Prefix="dir/")
    assert [v["Key"] for v in r["Versions"]] == ["dir/a", "dir/b"]


def test_list_object_versions_url_encoding(server, s3, vbucket):
    s3.put_object(Bucket=vbucket, Key="a b+c", Body=b"x")
    r = raw_request(server, "GET", f"/{vbucket}", query={"versions": None, "encoding-type": "url"})
    assert r.status_code == 200
    root = parse_xml(r.content)
    keys = [e.text for e in root.iter() if strip_ns(e.tag) == "Key"]
    assert keys == ["a%20b%2Bc"]


def test_list_object_versions_parameter_errors(server, vbucket):
    for query in ({"versions": None, "max-keys": "-1"},
                  {"versions": None, "version-id-marker": "x"},
                  {"versions": None, "encoding-type": "xml"}):
        r = raw_request(server, "GET", f"/{vbucket}", query=query)
        assert r.status_code == 400, query
        assert b"<Code>InvalidArgument</Code>" in r.content


def test_unversioned_bucket_lists_null_versions(s3, bucket):
    s3.put_object(Bucket=bucket, Key="k", Body=b"x")
    r = s3.list_object_versions(Bucket=bucket)
    assert [(v["Key"], v["VersionId"], v["IsLatest"]) for v in r["Versions"]] == [
        ("k", "null", True)]


def test_delete_objects_with_version_ids(s3, vbucket):
    v1 = s3.put_object(Bucket=vbucket, Key="a", Body=b"1")["VersionId"]
    v2 = s3.put_object(Bucket=vbucket, Key="a", Body=b"2")["VersionId"]
    s3.put_object(Bucket=vbucket, Key="b", Body=b"1")
    r = s3.delete_objects(Bucket=vbucket, Delete={"Objects": [
        {"Key": "a", "VersionId": v1}, {"Key": "b"}]})
    deleted = {d["Key"]: d for d in r["Deleted"]}
    assert deleted["a"]["VersionId"] == v1
    assert deleted["b"]["DeleteMarker"] is True
    marker = deleted["b"]["DeleteMarkerVersionId"]
    assert marker
    assert "Errors" not in r or r["Errors"] == []
    # The marker can itself be removed by version id.
    r = s3.delete_objects(Bucket=vbucket, Delete={"Objects": [{"Key": "b", "VersionId": marker}]})
    assert r["Deleted"][0]["DeleteMarker"] is True
    assert r["Deleted"][0]["DeleteMarkerVersionId"] == marker
    assert s3.get_object(Bucket=vbucket, Key="b")["Body"].read() == b"1"
    assert [v["VersionId"] for v in s3.list_object_versions(Bucket=vbucket, Prefix="a")[
        "Versions"]] == [v2]


def test_put_complete_and_copy_return_version_ids(s3, vbucket):
    src = s3.put_object(Bucket=vbucket, Key="src", Body=b"source-1")["VersionId"]
    s3.put_object(Bucket=vbucket, Key="src", Body=b"source-2")
    c = s3.copy_object(Bucket=vbucket, Key="dst", CopySource={
        "Bucket": vbucket, "Key": "src", "VersionId": src})
    assert c["CopySourceVersionId"] == src
    assert c["VersionId"]
    assert s3.get_object(Bucket=vbucket, Key="dst")["Body"].read() == b"source-1"
    up = s3.create_multipart_upload(Bucket=vbucket, Key="mp")
    part = s3.upload_part_copy(Bucket=vbucket, Key="mp", UploadId=up["UploadId"], PartNumber=1,
                               CopySource={"Bucket": vbucket, "Key": "src", "VersionId": src})
    assert part["CopySourceVersionId"] == src
    done = s3.complete_multipart_upload(Bucket=vbucket, Key="mp", UploadId=up["UploadId"],
                                        MultipartUpload={"Parts": [
                                            {"PartNumber": 1,
                                             "ETag": part["CopyPartResult"]["ETag"]}]})
    assert done["VersionId"]
    assert s3.get_object(Bucket=vbucket, Key="mp")["Body"].read() == b"source-1"


def test_copy_restores_an_older_version_in_place(s3, vbucket):
    v1 = s3.put_object(Bucket=vbucket, Key="k", Body=b"old")["VersionId"]
    s3.put_object(Bucket=vbucket, Key="k", Body=b"new")
    s3.copy_object(Bucket=vbucket, Key="k", CopySource={"Bucket": vbucket, "Key": "k",
                                                         "VersionId": v1})
    assert s3.get_object(Bucket=vbucket, Key="k")["Body"].read() == b"old"
    assert len(s3.list_object_versions(Bucket=vbucket)["Versions"]) == 3


def test_copy_from_a_delete_marker_fails(s3, vbucket):
    s3.put_object(Bucket=vbucket, Key="k", Body=b"x")
    marker = s3.delete_object(Bucket=vbucket, Key="k")["VersionId"]
    with pytest.raises(ClientError) as e:
        s3.copy_object(Bucket=vbucket, Key="d", CopySource={"Bucket": vbucket, "Key": "k"})
    assert error_code(e.value) == "NoSuchKey"
    with pytest.raises(ClientError) as e:
        s3.copy_object(Bucket=vbucket, Key="d", CopySource={"Bucket": vbucket, "Key": "k",
                                                             "VersionId": marker})
    assert error_code(e.value) == "InvalidRequest"


def test_bucket_with_versions_cannot_be_deleted(s3, vbucket):
    s3.put_object(Bucket=vbucket, Key="k", Body=b"x")
    s3.delete_object(Bucket=vbucket, Key="k")
    with pytest.raises(ClientError) as e:
        s3.delete_bucket(Bucket=vbucket)
    assert error_code(e.value) == "BucketNotEmpty"


def test_malformed_version_id_on_delete(s3, vbucket):
    s3.put_object(Bucket=vbucket, Key="k", Body=b"x")
    with pytest.raises(ClientError) as e:
        s3.delete_object(Bucket=vbucket, Key="k", VersionId="not a version")
    assert error_code(e.value) == "InvalidArgument"
    r = s3.delete_objects(Bucket=vbucket, Delete={"Objects": [
        {"Key": "k", "VersionId": "not-a-version"}]})
    assert [e["Code"] for e in r["Errors"]] == ["NoSuchVersion"]
    assert s3.get_object(Bucket=vbucket, Key="k")["Body"].read() == b"x"


def test_object_attributes_of_a_named_version(s3, vbucket):
    v1 = s3.put_object(Bucket=vbucket, Key="k", Body=b"one")["VersionId"]
    s3.put_object(Bucket=vbucket, Key="k", Body=b"three")
    r = s3.get_object_attributes(Bucket=vbucket, Key="k", VersionId=v1,
                                 ObjectAttributes=["ObjectSize"])
    assert r["ObjectSize"] == 3
    assert r["VersionId"] == v1
