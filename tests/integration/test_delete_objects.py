"""DeleteObjects (issue 3): verbose and quiet modes, 1000 keys and the 1001st, per-key errors,
missing keys counted as deleted, Content-MD5 verified when sent but not required, bad bodies."""

import base64
import hashlib

import pytest
from botocore.exceptions import ClientError

from s3helpers import error_code, parse_xml, raw_request, strip_ns, xml_error


def delete_body(keys, quiet=False) -> bytes:
    objects = "".join(f"<Object><Key>{k}</Key></Object>" for k in keys)
    return (f'<?xml version="1.0" encoding="UTF-8"?><Delete>'
            f"<Quiet>{'true' if quiet else 'false'}</Quiet>{objects}</Delete>").encode()


def test_verbose_delete_of_1000_keys_reports_each_one(s3, bucket):
    present = [f"k{i:04d}" for i in range(0, 1000, 20)]  # 50 real objects ...
    for key in present:
        s3.put_object(Bucket=bucket, Key=key, Body=b"x")
    keys = [f"k{i:04d}" for i in range(1000)]  # ... and 950 that do not exist
    r = s3.delete_objects(Bucket=bucket, Delete={"Objects": [{"Key": k} for k in keys]})
    assert sorted(d["Key"] for d in r["Deleted"]) == keys
    assert r.get("Errors", []) == []
    assert s3.list_objects_v2(Bucket=bucket)["KeyCount"] == 0


def test_quiet_delete_returns_only_errors(s3, bucket):
    for key in ("a", "b"):
        s3.put_object(Bucket=bucket, Key=key, Body=b"x")
    r = s3.delete_objects(Bucket=bucket, Delete={"Objects": [{"Key": "a"}, {"Key": "b"},
                                                             {"Key": "missing"}],
                                                 "Quiet": True})
    assert r.get("Deleted", []) == []
    assert r.get("Errors", []) == []
    assert s3.list_objects_v2(Bucket=bucket)["KeyCount"] == 0
    r = s3.delete_objects(Bucket=bucket, Delete={"Objects": [{"Key": "k" * 1025}, {"Key": "ok"}],
                                                 "Quiet": True})
    assert [e["Code"] for e in r["Errors"]] == ["KeyTooLongError"]
    assert r.get("Deleted", []) == []


def test_per_key_errors_are_reported_beside_deletions(s3, bucket):
    s3.put_object(Bucket=bucket, Key="keep-going", Body=b"x")
    r = s3.delete_objects(Bucket=bucket, Delete={"Objects": [
        {"Key": "k" * 1025}, {"Key": "keep-going"}, {"Key": "v", "VersionId": "3HL4kqtJlcpX"}]})
    errors = {e["Key"][:5]: e for e in r["Errors"]}
    assert errors["kkkkk"]["Code"] == "KeyTooLongError"
    assert errors["v"]["Code"] == "NoSuchVersion"
    assert all(e["Message"] for e in r["Errors"])
    assert [d["Key"] for d in r["Deleted"]] == ["keep-going"]


def test_1001_keys_are_malformed_xml(server, s3, bucket):
    s3.put_object(Bucket=bucket, Key="k0", Body=b"x")
    r = raw_request(server, "POST", f"/{bucket}", query={"delete": None},
                    body=delete_body([f"k{i}" for i in range(1001)]))
    assert r.status_code == 400
    assert xml_error(r.content)["Code"] == "MalformedXML"
    assert s3.list_objects_v2(Bucket=bucket)["KeyCount"] == 1
    with pytest.raises(ClientError) as e:
        s3.delete_objects(Bucket=bucket,
                          Delete={"Objects": [{"Key": f"k{i}"} for i in range(1001)]})
    assert error_code(e.value) == "MalformedXML"


def test_content_md5_is_optional_and_verified_when_sent(server, s3, bucket):
    s3.put_object(Bucket=bucket, Key="a", Body=b"x")
    body = delete_body(["a"])
    wrong = base64.b64encode(hashlib.md5(b"other").digest()).decode()
    r = raw_request(server, "POST", f"/{bucket}", query={"delete": None}, body=body,
                    headers={"Content-MD5": wrong})
    assert r.status_code == 400
    assert xml_error(r.content)["Code"] == "BadDigest"
    assert s3.list_objects_v2(Bucket=bucket)["KeyCount"] == 1
    right = base64.b64encode(hashlib.md5(body).digest()).decode()
    r = raw_request(server, "POST", f"/{bucket}", query={"delete": None}, body=body,
                    headers={"Content-MD5": right})
    assert r.status_code == 200, r.content
    s3.put_object(Bucket=bucket, Key="a", Body=b"x")
    r = raw_request(server, "POST", f"/{bucket}", query={"delete": None}, body=body)
    assert r.status_code == 200
    deleted = [el.text for el in parse_xml(r.content).iter() if strip_ns(el.tag) == "Key"]
    assert deleted == ["a"]
    assert s3.list_objects_v2(Bucket=bucket)["KeyCount"] == 0


@pytest.mark.parametrize("body", [b"", b"garbage", b"<Delete></Delete>",
                                  b"<Delete><Object><VersionId>x</VersionId></Object></Delete>",
                                  b"<Other><Object><Key>a</Key></Object></Other>"])
def test_bad_delete_documents_are_malformed_xml(server, bucket, body):
    r = raw_request(server, "POST", f"/{bucket}", query={"delete": None}, body=body)
    assert r.status_code == 400
    assert xml_error(r.content)["Code"] == "MalformedXML"


def test_delete_objects_on_a_missing_bucket_is_no_such_bucket(s3, new_bucket_name):
    with pytest.raises(ClientError) as e:
        s3.delete_objects(Bucket=new_bucket_name, Delete={"Objects": [{"Key": "a"}]})
    assert error_code(e.value) == "NoSuchBucket"


def test_special_keys_round_trip_through_the_xml(s3, bucket):
    keys = ["a&b", "<tag>", "quote\"'", "spa ce", "ünï/cödé", "x\ty"]
    for key in keys:
        s3.put_object(Bucket=bucket, Key=key, Body=b"x")
    r = s3.delete_objects(Bucket=bucket, Delete={"Objects": [{"Key": k} for k in keys]})
    assert sorted(d["Key"] for d in r["Deleted"]) == sorted(keys)
    assert s3.list_objects_v2(Bucket=bucket)["KeyCount"] == 0


def test_rclone_purge_removes_a_prefix(rclone, s3, bucket):
    for i in range(30):
        s3.put_object(Bucket=bucket, Key=f"dir/f{i}", Body=b"x")
    s3.put_object(Bucket=bucket, Key="keep", Body=b"x")
    rclone("purge", f"strata:{bucket}/dir")
    assert [o["Key"] for o in s3.list_objects_v2(Bucket=bucket)["Contents"]] == ["keep"]
