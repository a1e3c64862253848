"""Object lock (WORM) through boto3: lock-enabled buckets, the bucket's default retention,
retention and legal hold per version (headers and subresources), GOVERNANCE bypass,
COMPLIANCE that can only be extended, legal holds blocking deletion, and the error codes."""

import datetime

import pytest
from botocore.exceptions import ClientError

from s3helpers import error_code, http_status, md5_b64, raw_request
from version_helpers import delete_all_versions_and_bucket, utc_in

# COMPLIANCE versions can't be removed before their date: tests that write them use dates a few
# seconds ahead, and the fixture waits them out before cleaning up.
SHORT_S = 3


@pytest.fixture
def lock_bucket(s3, new_bucket_name):
    s3.create_bucket(Bucket=new_bucket_name, ObjectLockEnabledForBucket=True)
    yield new_bucket_name
    # Every COMPLIANCE date a test writes is at most SHORT_S ahead of its teardown.
    delete_all_versions_and_bucket(s3, new_bucket_name, wait_until=utc_in(SHORT_S))


def locked_put(s3, bucket, key, mode="GOVERNANCE", seconds=3600, **kw):
    return s3.put_object(Bucket=bucket, Key=key, Body=b"data", ObjectLockMode=mode,
                         ObjectLockRetainUntilDate=utc_in(seconds), **kw)["VersionId"]


def test_lock_bucket_is_versioned_and_cannot_be_suspended(s3, lock_bucket):
    assert s3.get_bucket_versioning(Bucket=lock_bucket)["Status"] == "Enabled"
    with pytest.raises(ClientError) as e:
        s3.put_bucket_versioning(Bucket=lock_bucket,
                                 VersioningConfiguration={"Status": "Suspended"})
    assert error_code(e.value) == "InvalidBucketState"
    assert http_status(e.value) == 409
    config = s3.get_object_lock_configuration(Bucket=lock_bucket)["ObjectLockConfiguration"]
    assert config == {"ObjectLockEnabled": "Enabled"}


def test_lock_configuration_on_plain_bucket_is_not_found(s3, bucket):
    with pytest.raises(ClientError) as e:
        s3.get_object_lock_configuration(Bucket=bucket)
    assert error_code(e.value) == "ObjectLockConfigurationNotFoundError"
    assert http_status(e.value) == 404
    # Enabling it needs versioning first.
    with pytest.raises(ClientError) as e:
        s3.put_object_lock_configuration(Bucket=bucket, ObjectLockConfiguration={
            "ObjectLockEnabled": "Enabled"})
    assert error_code(e.value) == "InvalidBucketState"


def test_default_retention_applies_to_new_versions(s3, lock_bucket):
    s3.put_object_lock_configuration(Bucket=lock_bucket, ObjectLockConfiguration={
        "ObjectLockEnabled": "Enabled",
        "Rule": {"DefaultRetention": {"Mode": "GOVERNANCE", "Days": 1}}})
    config = s3.get_object_lock_configuration(Bucket=lock_bucket)["ObjectLockConfiguration"]
    assert config["Rule"]["DefaultRetention"] == {"Mode": "GOVERNANCE", "Days": 1}
    s3.put_object(Bucket=lock_bucket, Key="k", Body=b"x")
    head = s3.head_object(Bucket=lock_bucket, Key="k")
    assert head["ObjectLockMode"] == "GOVERNANCE"
    until = head["ObjectLockRetainUntilDate"]
    delta = until - datetime.datetime.now(datetime.timezone.utc)
    assert datetime.timedelta(hours=23) < delta <= datetime.timedelta(days=1)
    s3.put_object_lock_configuration(Bucket=lock_bucket, ObjectLockConfiguration={
        "ObjectLockEnabled": "Enabled",
        "Rule": {"DefaultRetention": {"Mode": "COMPLIANCE", "Years": 1}}})
    config = s3.get_object_lock_configuration(Bucket=lock_bucket)["ObjectLockConfiguration"]
    assert config["Rule"]["DefaultRetention"] == {"Mode": "COMPLIANCE", "Years": 1}
    # Remove the rule again so cleanup can delete later versions.
    s3.put_object_lock_configuration(Bucket=lock_bucket, ObjectLockConfiguration={
        "ObjectLockEnabled": "Enabled"})


def test_bad_lock_configurations(server, s3, lock_bucket):
    def put(body):
        return raw_request(server, "PUT", f"/{lock_bucket}", query={"object-lock": None},
                           body=body, headers={"Content-MD5": md5_b64(body)})
    head = b"<ObjectLockConfiguration><ObjectLockEnabled>Enabled</ObjectLockEnabled>"
    for body, code in [
        (head + b"<Rule><DefaultRetention><Mode>GOVERNANCE</Mode><Days>1</Days><Years>1</Years>"
                b"</DefaultRetention></Rule></ObjectLockConfiguration>", "MalformedXML"),
        (head + b"<Rule><DefaultRetention><Mode>WEIRD</Mode><Days>1</Days>"
                b"</DefaultRetention></Rule></ObjectLockConfiguration>", "MalformedXML"),
        (head + b"<Rule><DefaultRetention><Mode>GOVERNANCE</Mode><Days>0</Days>"
                b"</DefaultRetention></Rule></ObjectLockConfiguration>", "InvalidArgument"),
        (b"<ObjectLockConfiguration/>", "MalformedXML"),
    ]:
        r = put(body)
        assert r.status_code == 400, body
        assert f"<Code>{code}</Code>".encode() in r.content, (body, r.content)


def test_retention_headers_on_put_are_returned_on_get_and_head(s3, lock_bucket):
    until = utc_in(3600).replace(microsecond=0)
    vid = s3.put_object(Bucket=lock_bucket, Key="k", Body=b"x", ObjectLockMode="GOVERNANCE",
                        ObjectLockRetainUntilDate=until,
                        ObjectLockLegalHoldStatus="ON")["VersionId"]
    for r in (s3.head_object(Bucket=lock_bucket, Key="k"),
              s3.get_object(Bucket=lock_bucket, Key="k", VersionId=vid)):
        assert r["ObjectLockMode"] == "GOVERNANCE"
        assert r["ObjectLockRetainUntilDate"] == until
        assert r["ObjectLockLegalHoldStatus"] == "ON"
    retention = s3.get_object_retention(Bucket=lock_bucket, Key="k")["Retention"]
    assert retention == {"Mode": "GOVERNANCE", "RetainUntilDate": until}
    assert s3.get_object_legal_hold(Bucket=lock_bucket, Key="k")["LegalHold"] == {"Status": "ON"}


def test_mode_without_date_is_invalid_argument(server, lock_bucket):
    for headers in ({"x-amz-object-lock-mode": "GOVERNANCE"},
                    {"x-amz-object-lock-retain-until-date": "2099-01-01T00:00:00Z"},
                    {"x-amz-object-lock-mode": "FOREVER",
                     "x-amz-object-lock-retain-until-date": "2099-01-01T00:00:00Z"},
                    {"x-amz-object-lock-mode": "GOVERNANCE",
                     "x-amz-object-lock-retain-until-date": "someday"},
                    {"x-amz-object-lock-legal-hold": "MAYBE"}):
        r = raw_request(server, "PUT", f"/{lock_bucket}/k", headers=headers, body=b"x")
        assert r.status_code == 400, headers
        assert b"<Code>InvalidArgument</Code>" in r.content


def test_retain_until_in_the_past_is_invalid_argument(s3, lock_bucket):
    with pytest.raises(ClientError) as e:
        locked_put(s3, lock_bucket, "k", seconds=-60)
    assert error_code(e.value) == "InvalidArgument"


def test_lock_headers_on_a_plain_bucket_are_invalid_request(s3, bucket):
    with pytest.raises(ClientError) as e:
        locked_put(s3, bucket, "k")
    assert error_code(e.value) == "InvalidRequest"
    with pytest.raises(ClientError) as e:
        s3.put_object(Bucket=bucket, Key="k", Body=b"x", ObjectLockLegalHoldStatus="ON")
    assert error_code(e.value) == "InvalidRequest"
    s3.put_object(Bucket=bucket, Key="k", Body=b"x")
    with pytest.raises(ClientError) as e:
        s3.get_object_retention(Bucket=bucket, Key="k")
    assert error_code(e.value) == "InvalidRequest"
    with pytest.raises(ClientError) as e:
        s3.put_object_legal_hold(Bucket=bucket, Key="k", LegalHold={"Status": "ON"})
    assert error_code(e.value) == "InvalidRequest"


def test_version_without_retention_has_no_lock_configuration(s3, lock_bucket):
    s3.put_object(Bucket=lock_bucket, Key="k", Body=b"x")
    with pytest.raises(ClientError) as e:
        s3.get_object_retention(Bucket=lock_bucket, Key="k")
    assert error_code(e.value) == "NoSuchObjectLockConfiguration"
    # Never given a legal hold status: S3 has no "OFF" to report either.
    with pytest.raises(ClientError) as e:
        s3.get_object_legal_hold(Bucket=lock_bucket, Key="k")
    assert error_code(e.value) == "NoSuchObjectLockConfiguration"
    assert http_status(e.value) == 404


def test_legal_hold_status_once_given_reads_back_on_or_off(s3, lock_bucket):
    vid = s3.put_object(Bucket=lock_bucket, Key="k", Body=b"x",
                        ObjectLockLegalHoldStatus="OFF")["VersionId"]
    assert s3.get_object_legal_hold(Bucket=lock_bucket, Key="k")["LegalHold"] == {"Status": "OFF"}
    assert s3.head_object(Bucket=lock_bucket, Key="k")["ObjectLockLegalHoldStatus"] == "OFF"
    s3.put_object(Bucket=lock_bucket, Key="k2", Body=b"x")
    s3.put_object_legal_hold(Bucket=lock_bucket, Key="k2", LegalHold={"Status": "ON"})
    s3.put_object_legal_hold(Bucket=lock_bucket, Key="k2", LegalHold={"Status": "OFF"})
    assert s3.get_object_legal_hold(Bucket=lock_bucket, Key="k2")["LegalHold"] == {
        "Status": "OFF"}
    s3.delete_object(Bucket=lock_bucket, Key="k", VersionId=vid)


def test_lock_requests_without_a_body_digest_are_refused(server, s3, lock_bucket):
    vid = s3.put_object(Bucket=lock_bucket, Key="k", Body=b"x")["VersionId"]
    until = utc_in(3600).strftime("%Y-%m-%dT%H:%M:%SZ")
    for sub, body in [
        ("retention", f"<Retention><Mode>GOVERNANCE</Mode><RetainUntilDate>{until}"
                      "</RetainUntilDate></Retention>".encode()),
        ("legal-hold", b"<LegalHold><Status>ON</Status></LegalHold>"),
        ("object-lock", b"<ObjectLockConfiguration><ObjectLockEnabled>Enabled</ObjectLockEnabled>"
                        b"</ObjectLockConfiguration>"),
    ]:
        path = f"/{lock_bucket}" if sub == "object-lock" else f"/{lock_bucket}/k"
        r = raw_request(server, "PUT", path, query={sub: None}, body=body)
        assert r.status_code == 400, (sub, r.content)
        assert b"<Code>InvalidRequest</Code>" in r.content
        assert b"Content-MD5" in r.content
        # The same document with its Content-MD5 is accepted.
        r = raw_request(server, "PUT", path, query={sub: None}, body=body,
                        headers={"Content-MD5": md5_b64(body)})
        assert r.status_code == 200, (sub, r.content)
    # Nothing changed by the refused requests, and the accepted ones took effect.
    assert s3.get_object_legal_hold(Bucket=lock_bucket, Key="k")["LegalHold"] == {"Status": "ON"}
    # A PUT carrying lock headers but no digest is refused too and stores nothing.
    r = raw_request(server, "PUT", f"/{lock_bucket}/k", body=b"new bytes",
                    headers={"x-amz-object-lock-legal-hold": "ON"})
    assert r.status_code == 400
    assert b"<Code>InvalidRequest</Code>" in r.content
    versions = s3.list_object_versions(Bucket=lock_bucket, Prefix="k")["Versions"]
    assert [v["VersionId"] for v in versions] == [vid]
    s3.put_object_legal_hold(Bucket=lock_bucket, Key="k", LegalHold={"Status": "OFF"})


def test_governance_blocks_deletion_unless_bypassed(s3, lock_bucket):
    vid = locked_put(s3, lock_bucket, "k")
    with pytest.raises(ClientError) as e:
        s3.delete_object(Bucket=lock_bucket, Key="k", VersionId=vid)
    assert error_code(e.value) == "AccessDenied"
    assert http_status(e.value) == 403
    # A plain DELETE still writes a delete marker, and the marker can be removed.
    marker = s3.delete_object(Bucket=lock_bucket, Key="k")
    assert marker["DeleteMarker"] is True
    s3.delete_object(Bucket=lock_bucket, Key="k", VersionId=marker["VersionId"])
    assert s3.get_object(Bucket=lock_bucket, Key="k")["Body"].read() == b"data"
    s3.delete_object(Bucket=lock_bucket, Key="k", VersionId=vid, BypassGovernanceRetention=True)
    with pytest.raises(ClientError) as e:
        s3.head_object(Bucket=lock_bucket, Key="k", VersionId=vid)
    assert http_status(e.value) == 404


def test_governance_shortening_needs_bypass(s3, lock_bucket):
    vid = locked_put(s3, lock_bucket, "k", seconds=7200)
    shorter = {"Mode": "GOVERNANCE", "RetainUntilDate": utc_in(600)}
    with pytest.raises(ClientError) as e:
        s3.put_object_retention(Bucket=lock_bucket, Key="k", VersionId=vid, Retention=shorter)
    assert error_code(e.value) == "AccessDenied"
    r = s3.put_object_retention(Bucket=lock_bucket, Key="k", VersionId=vid, Retention=shorter,
                                BypassGovernanceRetention=True)
    assert s3.get_object_retention(Bucket=lock_bucket, Key="k", VersionId=vid)["Retention"][
        "RetainUntilDate"] < utc_in(700)
    # Extending needs no bypass.
    s3.put_object_retention(Bucket=lock_bucket, Key="k", VersionId=vid,
                            Retention={"Mode": "GOVERNANCE", "RetainUntilDate": utc_in(9000)})
    assert r is not None


def test_compliance_cannot_be_shortened_or_bypassed(s3, lock_bucket):
    vid = locked_put(s3, lock_bucket, "k", mode="COMPLIANCE", seconds=SHORT_S)
    with pytest.raises(ClientError) as e:
        s3.put_object_retention(Bucket=lock_bucket, Key="k", VersionId=vid,
                                Retention={"Mode": "COMPLIANCE", "RetainUntilDate": utc_in(1)},
                                BypassGovernanceRetention=True)
    assert error_code(e.value) == "AccessDenied"
    with pytest.raises(ClientError) as e:
        s3.put_object_retention(Bucket=lock_bucket, Key="k", VersionId=vid,
                                Retention={"Mode": "GOVERNANCE",
                                           "RetainUntilDate": utc_in(3600)},
                                BypassGovernanceRetention=True)
    assert error_code(e.value) == "AccessDenied"
    with pytest.raises(ClientError) as e:
        s3.delete_object(Bucket=lock_bucket, Key="k", VersionId=vid,
                         BypassGovernanceRetention=True)
    assert error_code(e.value) == "AccessDenied"
    # Extending is allowed (a little: cleanup waits for the date).
    s3.put_object_retention(Bucket=lock_bucket, Key="k", VersionId=vid,
                            Retention={"Mode": "COMPLIANCE", "RetainUntilDate": utc_in(SHORT_S)})


def test_legal_hold_blocks_deletion_until_removed(s3, lock_bucket):
    vid = s3.put_object(Bucket=lock_bucket, Key="k", Body=b"x")["VersionId"]
    r = s3.put_object_legal_hold(Bucket=lock_bucket, Key="k", LegalHold={"Status": "ON"})
    assert s3.get_object_legal_hold(Bucket=lock_bucket, Key="k", VersionId=vid)["LegalHold"] == {
        "Status": "ON"}
    assert r is not None
    with pytest.raises(ClientError) as e:
        s3.delete_object(Bucket=lock_bucket, Key="k", VersionId=vid,
                         BypassGovernanceRetention=True)
    assert error_code(e.value) == "AccessDenied"
    s3.put_object_legal_hold(Bucket=lock_bucket, Key="k", VersionId=vid,
                             LegalHold={"Status": "OFF"})
    s3.delete_object(Bucket=lock_bucket, Key="k", VersionId=vid)


def test_malformed_retention_and_legal_hold_documents(server, s3, lock_bucket):
    s3.put_object(Bucket=lock_bucket, Key="k", Body=b"x")
    for sub, body in [
        ("retention", b"<Retention><Mode>GOVERNANCE</Mode></Retention>"),
        ("retention", b"<Retention><Mode>X</Mode><RetainUntilDate>2099-01-01T00:00:00Z"
                      b"</RetainUntilDate></Retention>"),
        ("legal-hold", b"<LegalHold><Status>maybe</Status></LegalHold>"),
        ("legal-hold", b"<LegalHold>"),
    ]:
        r = raw_request(server, "PUT", f"/{lock_bucket}/k", query={sub: None}, body=body,
                        headers={"Content-MD5": md5_b64(body)})
        assert r.status_code == 400, body
        assert b"<Code>MalformedXML</Code>" in r.content


def test_delete_objects_respects_locks_and_bypass(s3, lock_bucket):
    vid = locked_put(s3, lock_bucket, "k")
    r = s3.delete_objects(Bucket=lock_bucket, Delete={"Objects": [{"Key": "k", "VersionId": vid}]})
    assert [e["Code"] for e in r["Errors"]] == ["AccessDenied"]
    r = s3.delete_objects(Bucket=lock_bucket, Delete={"Objects": [{"Key": "k", "VersionId": vid}]},
                          BypassGovernanceRetention=True)
    assert [d["VersionId"] for d in r["Deleted"]] == [vid]


def test_lock_headers_on_multipart_and_copy(s3, lock_bucket):
    until = utc_in(3600).replace(microsecond=0)
    up = s3.create_multipart_upload(Bucket=lock_bucket, Key="mp", ObjectLockMode="GOVERNANCE",
                                    ObjectLockRetainUntilDate=until)
    etag = s3.upload_part(Bucket=lock_bucket, Key="mp", UploadId=up["UploadId"], PartNumber=1,
                          Body=b"part")["ETag"]
    s3.complete_multipart_upload(Bucket=lock_bucket, Key="mp", UploadId=up["UploadId"],
                                 MultipartUpload={"Parts": [{"PartNumber": 1, "ETag": etag}]})
    assert s3.head_object(Bucket=lock_bucket, Key="mp")["ObjectLockRetainUntilDate"] == until
    s3.copy_object(Bucket=lock_bucket, Key="copy", CopySource={"Bucket": lock_bucket, "Key": "mp"},
                   ObjectLockLegalHoldStatus="ON")
    head = s3.head_object(Bucket=lock_bucket, Key="copy")
    assert head["ObjectLockLegalHoldStatus"] == "ON"
    assert "ObjectLockMode" not in head  # retention is not copied from the source


def test_bucket_with_locked_versions_cannot_be_deleted(s3, lock_bucket):
    locked_put(s3, lock_bucket, "k")
    with pytest.raises(ClientError) as e:
        s3.delete_bucket(Bucket=lock_bucket)
    assert http_status(e.value) in (403, 409)
