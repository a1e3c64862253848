"""Browser-based POST uploads (issue 7): boto3's generate_presigned_post (SigV4, and V2 with
signature_version "s3"), then a multipart/form-data POST with requests, as a browser sends it."""

import json
import xml.etree.ElementTree as ET

import pytest
import requests
from botocore.exceptions import ClientError


def post(presigned, data, fields=None, filename="upload.bin"):
    form = dict(presigned["fields"])
    form.update(fields or {})
    # requests sends `data` fields first and the file last, as S3 requires.
    return requests.post(presigned["url"], data=form, files={"file": (filename, data)}, timeout=30)


def assert_absent(s3, bucket, key):
    with pytest.raises(ClientError) as e:
        s3.head_object(Bucket=bucket, Key=key)
    assert e.value.response["ResponseMetadata"]["HTTPStatusCode"] == 404


def test_sigv4_post_stores_the_file_exactly(s3, bucket):
    data = bytes(range(256)) * 1000 + b"\r\n--not-the-boundary\r\n"
    presigned = s3.generate_presigned_post(bucket, "browser/photo.bin", ExpiresIn=600)
    r = post(presigned, data)
    assert r.status_code == 204, r.text
    got = s3.get_object(Bucket=bucket, Key="browser/photo.bin")
    assert got["Body"].read() == data
    assert r.headers["ETag"] == got["ETag"]


def test_filename_variable_and_content_type_field(s3, bucket):
    presigned = s3.generate_presigned_post(
        bucket, "docs/${filename}", Fields={"Content-Type": "text/plain"},
        Conditions=[{"Content-Type": "text/plain"}], ExpiresIn=600)
    r = post(presigned, b"hello", filename="notes.txt")
    assert r.status_code == 204, r.text
    got = s3.get_object(Bucket=bucket, Key="docs/notes.txt")
    assert got["Body"].read() == b"hello"
    assert got["ContentType"] == "text/plain"


def test_success_action_status_201_returns_post_response_xml(s3, bucket):
    presigned = s3.generate_presigned_post(
        bucket, "k201", Fields={"success_action_status": "201"},
        Conditions=[{"success_action_status": "201"}], ExpiresIn=600)
    r = post(presigned, b"created")
    assert r.status_code == 201, r.text
    doc = ET.fromstring(r.content)
    assert doc.tag.endswith("PostResponse")
    values = {child.tag.split("}")[-1]: child.text for child in doc}
    assert values["Bucket"] == bucket
    assert values["Key"] == "k201"
    assert values["ETag"] == s3.head_object(Bucket=bucket, Key="k201")["ETag"]


def test_key_outside_the_starts_with_condition_is_denied(s3, bucket):
    presigned = s3.generate_presigned_post(
        bucket, "uploads/${filename}", Conditions=[["starts-with", "$key", "uploads/"]],
        ExpiresIn=600)
    r = post(presigned, b"x", fields={"key": "elsewhere/x"})
    assert r.status_code == 403, r.text
    assert b"AccessDenied" in r.content
    assert_absent(s3, bucket, "elsewhere/x")


def test_content_length_range_violation_stores_nothing(s3, bucket):
    presigned = s3.generate_presigned_post(
        bucket, "sized", Conditions=[["content-length-range", 10, 100]], ExpiresIn=600)
    r = post(presigned, b"x" * 101)
    assert r.status_code == 400, r.text
    assert b"EntityTooLarge" in r.content
    r = post(presigned, b"x" * 9)
    assert r.status_code == 400, r.text
    assert b"EntityTooSmall" in r.content
    assert_absent(s3, bucket, "sized")
    assert post(presigned, b"x" * 100).status_code == 204


def test_expired_policy_is_denied(s3, bucket):
    presigned = s3.generate_presigned_post(bucket, "late", ExpiresIn=-60)
    r = post(presigned, b"x")
    assert r.status_code == 403, r.text
    assert b"Policy expired" in r.content
    assert_absent(s3, bucket, "late")


def test_tampered_signature_or_policy_is_refused(s3, bucket):
    presigned = s3.generate_presigned_post(bucket, "tampered", ExpiresIn=600)
    sig = presigned["fields"]["x-amz-signature"]
    bad = ("0" if sig[0] != "0" else "1") + sig[1:]
    r = post(presigned, b"x", fields={"x-amz-signature": bad})
    assert r.status_code == 403, r.text
    assert b"SignatureDoesNotMatch" in r.content
    assert_absent(s3, bucket, "tampered")


def test_field_not_in_the_policy_is_denied(s3, bucket):
    presigned = s3.generate_presigned_post(bucket, "extra", ExpiresIn=600)
    r = post(presigned, b"x", fields={"x-amz-meta-color": "red"})
    assert r.status_code == 403, r.text
    assert b"Extra input fields: x-amz-meta-color" in r.content
    assert_absent(s3, bucket, "extra")


def test_unknown_access_key_is_refused(make_s3, bucket, s3):
    other = make_s3(access_key="NOSUCHKEY", secret_key="nosuchsecret")
    r = post(other.generate_presigned_post(bucket, "nokey", ExpiresIn=600), b"x")
    assert r.status_code == 403, r.text
    assert b"InvalidAccessKeyId" in r.content
    assert_absent(s3, bucket, "nokey")


def test_anonymous_form_is_denied_without_a_public_policy(s3, bucket, endpoint):
    r = requests.post(f"{endpoint}/{bucket}", data={"key": "anon"},
                      files={"file": ("f", b"x")}, timeout=30)
    assert r.status_code == 403, r.text
    assert_absent(s3, bucket, "anon")


def test_form_without_file_is_refused(s3, bucket):
    presigned = s3.generate_presigned_post(bucket, "nofile", ExpiresIn=600)
    r = requests.post(presigned["url"], files={k: (None, v) for k, v in
                                               presigned["fields"].items()}, timeout=30)
    assert r.status_code == 400, r.text
    assert b"InvalidArgument" in r.content


def test_sigv2_post_is_accepted(make_s3, s3, bucket):
    v2 = make_s3(signature_version="s3")
    presigned = v2.generate_presigned_post(bucket, "v2-key", ExpiresIn=600)
    assert "AWSAccessKeyId" in presigned["fields"]
    r = post(presigned, b"version two")
    assert r.status_code == 204, r.text
    assert s3.get_object(Bucket=bucket, Key="v2-key")["Body"].read() == b"version two"


def test_large_file_over_the_range_is_refused_early(s3, bucket):
    presigned = s3.generate_presigned_post(
        bucket, "big", Conditions=[["content-length-range", 0, 1024]], ExpiresIn=600)
    r = post(presigned, b"y" * (4 << 20))
    assert r.status_code == 400, r.text
    assert b"EntityTooLarge" in r.content
    assert_absent(s3, bucket, "big")


def test_anonymous_form_is_allowed_by_a_public_bucket_policy(s3, bucket, endpoint):
    s3.put_bucket_policy(Bucket=bucket, Policy=json.dumps({
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Principal": "*", "Action": "s3:PutObject",
                       "Resource": f"arn:aws:s3:::{bucket}/public/*"}]}))
    try:
        r = requests.post(f"{endpoint}/{bucket}", data={"key": "public/anon"},
                          files={"file": ("f", b"anonymous")}, timeout=30)
        assert r.status_code == 204, r.text
        r = requests.post(f"{endpoint}/{bucket}", data={"key": "private/anon"},
                          files={"file": ("f", b"anonymous")}, timeout=30)
        assert r.status_code == 403, r.text
    finally:
        s3.delete_bucket_policy(Bucket=bucket)
    assert s3.get_object(Bucket=bucket, Key="public/anon")["Body"].read() == b"anonymous"
    assert_absent(s3, bucket, "private/anon")
