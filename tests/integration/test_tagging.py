"""Object and bucket tagging through boto3: Put/Get/DeleteObjectTagging per version, the
x-amz-tagging header on PUT and CreateMultipartUpload, x-amz-tagging-count, the copy tagging
directive, bucket tags, and AWS's limits."""

import pytest
from botocore.exceptions import ClientError

from s3helpers import error_code, http_status, raw_request
from version_helpers import delete_all_versions_and_bucket


def tags(d):
    return [{"Key": k, "Value": v} for k, v in d.items()]


@pytest.fixture
def vbucket(s3, new_bucket_name):
    s3.create_bucket(Bucket=new_bucket_name)
    s3.put_bucket_versioning(Bucket=new_bucket_name,
                             VersioningConfiguration={"Status": "Enabled"})
    yield new_bucket_name
    delete_all_versions_and_bucket(s3, new_bucket_name)


def test_object_tags_round_trip_and_are_counted(s3, bucket):
    s3.put_object(Bucket=bucket, Key="k", Body=b"x")
    assert s3.get_object_tagging(Bucket=bucket, Key="k")["TagSet"] == []
    assert "TagCount" not in s3.head_object(Bucket=bucket, Key="k")
    s3.put_object_tagging(Bucket=bucket, Key="k",
                          Tagging={"TagSet": tags({"project": "blue", "empty": ""})})
    assert s3.get_object_tagging(Bucket=bucket, Key="k")["TagSet"] == tags(
        {"project": "blue", "empty": ""})
    assert s3.head_object(Bucket=bucket, Key="k")["TagCount"] == 2
    assert s3.get_object(Bucket=bucket, Key="k")["TagCount"] == 2
    # Put replaces the whole set.
    s3.put_object_tagging(Bucket=bucket, Key="k", Tagging={"TagSet": tags({"a": "1"})})
    assert s3.get_object_tagging(Bucket=bucket, Key="k")["TagSet"] == tags({"a": "1"})
    s3.delete_object_tagging(Bucket=bucket, Key="k")
    assert s3.get_object_tagging(Bucket=bucket, Key="k")["TagSet"] == []
    # The data is untouched.
    assert s3.get_object(Bucket=bucket, Key="k")["Body"].read() == b"x"


def test_tagging_a_missing_object_is_no_such_key(s3, bucket):
    for call in (lambda: s3.get_object_tagging(Bucket=bucket, Key="nope"),
                 lambda: s3.put_object_tagging(Bucket=bucket, Key="nope",
                                               Tagging={"TagSet": tags({"a": "b"})})):
        with pytest.raises(ClientError) as e:
            call()
        assert error_code(e.value) == "NoSuchKey"


def test_object_tags_are_per_version(s3, vbucket):
    v1 = s3.put_object(Bucket=vbucket, Key="k", Body=b"1", Tagging="gen=1")["VersionId"]
    v2 = s3.put_object(Bucket=vbucket, Key="k", Body=b"2", Tagging="gen=2")["VersionId"]
    assert s3.get_object_tagging(Bucket=vbucket, Key="k")["TagSet"] == tags({"gen": "2"})
    r = s3.get_object_tagging(Bucket=vbucket, Key="k", VersionId=v1)
    assert r["TagSet"] == tags({"gen": "1"})
    assert r["VersionId"] == v1
    p = s3.put_object_tagging(Bucket=vbucket, Key="k", VersionId=v1,
                              Tagging={"TagSet": tags({"gen": "one"})})
    assert p["VersionId"] == v1
    assert s3.get_object_tagging(Bucket=vbucket, Key="k", VersionId=v2)["TagSet"] == tags(
        {"gen": "2"})
    d = s3.delete_object_tagging(Bucket=vbucket, Key="k", VersionId=v1)
    assert d["VersionId"] == v1
    assert s3.get_object_tagging(Bucket=vbucket, Key="k", VersionId=v1)["TagSet"] == []
    with pytest.raises(ClientError) as e:
        s3.get_object_tagging(Bucket=vbucket, Key="k", VersionId="no-such-version")
    assert error_code(e.value) == "NoSuchVersion"


def test_tagging_header_on_put_is_url_encoded(s3, bucket):
    s3.put_object(Bucket=bucket, Key="k", Body=b"x", Tagging="a%20b=c%26d&plus=1+2&e=")
    assert s3.get_object_tagging(Bucket=bucket, Key="k")["TagSet"] == tags(
        {"a b": "c&d", "plus": "1 2", "e": ""})


def test_tagging_header_on_multipart_upload(s3, bucket):
    up = s3.create_multipart_upload(Bucket=bucket, Key="mp", Tagging="team=data")
    etag = s3.upload_part(Bucket=bucket, Key="mp", UploadId=up["UploadId"], PartNumber=1,
                          Body=b"part")["ETag"]
    s3.complete_multipart_upload(Bucket=bucket, Key="mp", UploadId=up["UploadId"],
                                 MultipartUpload={"Parts": [{"PartNumber": 1, "ETag": etag}]})
    assert s3.get_object_tagging(Bucket=bucket, Key="mp")["TagSet"] == tags({"team": "data"})
    assert s3.head_object(Bucket=bucket, Key="mp")["TagCount"] == 1


def test_copy_tagging_directive(s3, bucket):
    s3.put_object(Bucket=bucket, Key="src", Body=b"x", Tagging="a=1&b=2")
    s3.copy_object(Bucket=bucket, Key="copied", CopySource={"Bucket": bucket, "Key": "src"},
                   Tagging="ignored=yes")
    assert s3.get_object_tagging(Bucket=bucket, Key="copied")["TagSet"] == tags(
        {"a": "1", "b": "2"})
    s3.copy_object(Bucket=bucket, Key="replaced", CopySource={"Bucket": bucket, "Key": "src"},
                   TaggingDirective="REPLACE", Tagging="c=3")
    assert s3.get_object_tagging(Bucket=bucket, Key="replaced")["TagSet"] == tags({"c": "3"})
    s3.copy_object(Bucket=bucket, Key="none", CopySource={"Bucket": bucket, "Key": "src"},
                   TaggingDirective="REPLACE")
    assert s3.get_object_tagging(Bucket=bucket, Key="none")["TagSet"] == []


def test_unknown_tagging_directive_is_invalid_argument(server, s3, bucket):
    s3.put_object(Bucket=bucket, Key="src", Body=b"x")
    r = raw_request(server, "PUT", f"/{bucket}/dst", headers={
        "x-amz-copy-source": f"/{bucket}/src", "x-amz-tagging-directive": "MERGE"})
    assert r.status_code == 400
    assert b"<Code>InvalidArgument</Code>" in r.content


@pytest.mark.parametrize("tag_set", [
    {f"k{i}": "v" for i in range(11)},
    {"k" * 129: "v"},
    {"k": "v" * 257},
], ids=["11-tags", "long-key", "long-value"])
def test_object_tag_limits_are_invalid_tag(s3, bucket, tag_set):
    s3.put_object(Bucket=bucket, Key="k", Body=b"x")
    with pytest.raises(ClientError) as e:
        s3.put_object_tagging(Bucket=bucket, Key="k", Tagging={"TagSet": tags(tag_set)})
    assert error_code(e.value) == "InvalidTag"
    assert http_status(e.value) == 400


def test_limits_hold_at_the_edge(s3, bucket):
    s3.put_object(Bucket=bucket, Key="k", Body=b"x")
    edge = {f"{i:03d}" + "k" * 125: "v" * 256 for i in range(10)}
    s3.put_object_tagging(Bucket=bucket, Key="k", Tagging={"TagSet": tags(edge)})
    assert s3.get_object_tagging(Bucket=bucket, Key="k")["TagSet"] == tags(edge)


def test_duplicate_tag_keys_are_invalid_tag(server, s3, bucket):
    s3.put_object(Bucket=bucket, Key="k", Body=b"x")
    body = (b"<Tagging><TagSet><Tag><Key>a</Key><Value>1</Value></Tag>"
            b"<Tag><Key>a</Key><Value>2</Value></Tag></TagSet></Tagging>")
    r = raw_request(server, "PUT", f"/{bucket}/k", query={"tagging": None}, body=body)
    assert r.status_code == 400
    assert b"<Code>InvalidTag</Code>" in r.content
    with pytest.raises(ClientError) as e:
        s3.put_object(Bucket=bucket, Key="k2", Body=b"x", Tagging="a=1&a=2")
    assert error_code(e.value) == "InvalidTag"
    # An empty key (which boto3 refuses to send) is invalid too.
    body = b"<Tagging><TagSet><Tag><Key></Key><Value>1</Value></Tag></TagSet></Tagging>"
    r = raw_request(server, "PUT", f"/{bucket}/k", query={"tagging": None}, body=body)
    assert r.status_code == 400
    assert b"<Code>InvalidTag</Code>" in r.content


def test_malformed_tagging_is_malformed_xml_and_changes_nothing(server, s3, bucket):
    s3.put_object(Bucket=bucket, Key="k", Body=b"x", Tagging="keep=1")
    for body in (b"<Tagging><TagSet><Tag><Value>v</Value></Tag></TagSet></Tagging>",
                 b"<Tagging>", b"x" * 70000):
        r = raw_request(server, "PUT", f"/{bucket}/k", query={"tagging": None}, body=body)
        assert r.status_code == 400
        assert b"<Code>MalformedXML</Code>" in r.content
    assert s3.get_object_tagging(Bucket=bucket, Key="k")["TagSet"] == tags({"keep": "1"})
    assert s3.get_object(Bucket=bucket, Key="k")["Body"].read() == b"x"


def test_bucket_tags_round_trip(s3, bucket):
    with pytest.raises(ClientError) as e:
        s3.get_bucket_tagging(Bucket=bucket)
    assert error_code(e.value) == "NoSuchTagSet"
    assert http_status(e.value) == 404
    s3.put_bucket_tagging(Bucket=bucket, Tagging={"TagSet": tags({"cost-center": "42"})})
    assert s3.get_bucket_tagging(Bucket=bucket)["TagSet"] == tags({"cost-center": "42"})
    s3.delete_bucket_tagging(Bucket=bucket)
    with pytest.raises(ClientError) as e:
        s3.get_bucket_tagging(Bucket=bucket)
    assert error_code(e.value) == "NoSuchTagSet"


def test_bucket_tag_limit_is_50(s3, bucket):
    s3.put_bucket_tagging(Bucket=bucket,
                          Tagging={"TagSet": tags({f"k{i}": "v" for i in range(50)})})
    assert len(s3.get_bucket_tagging(Bucket=bucket)["TagSet"]) == 50
    with pytest.raises(ClientError) as e:
        s3.put_bucket_tagging(Bucket=bucket,
                              Tagging={"TagSet": tags({f"k{i}": "v" for i in range(51)})})
    assert error_code(e.value) == "InvalidTag"


def test_bucket_tagging_of_a_missing_bucket_is_no_such_bucket(s3, new_bucket_name):
    with pytest.raises(ClientError) as e:
        s3.get_bucket_tagging(Bucket=new_bucket_name)
    assert error_code(e.value) == "NoSuchBucket"
