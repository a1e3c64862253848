"""Bucket policies, canned ACLs and the public access block (issue 7), through the real server.

Anonymous requests are plain `requests` calls without any signature. User principals (signing
users with their own keys) are covered at unit level in tests/api/policy_test.cc until the
admin API for users is available here.
"""

import json

import pytest
import requests
from botocore.exceptions import ClientError

from s3helpers import error_code, xml_error


def url(endpoint, bucket, key=""):
    return f"{endpoint}/{bucket}/{key}" if key else f"{endpoint}/{bucket}"


def put_policy(s3, bucket, statements):
    s3.put_bucket_policy(Bucket=bucket, Policy=json.dumps(
        {"Version": "2012-10-17", "Statement": statements}))


def public_get(bucket, resource, condition=None):
    st = {"Effect": "Allow", "Principal": "*", "Action": "s3:GetObject",
          "Resource": f"arn:aws:s3:::{bucket}/{resource}"}
    if condition:
        st["Condition"] = condition
    return st


def test_anonymous_requests_are_denied_by_default(endpoint, s3, bucket):
    s3.put_object(Bucket=bucket, Key="k", Body=b"secret")
    for r in (requests.get(url(endpoint, bucket, "k")), requests.get(url(endpoint, bucket)),
              requests.put(url(endpoint, bucket, "new"), data=b"x"),
              requests.get(url(endpoint, "no-such-bucket-xyz", "k")),
              requests.get(url(endpoint, bucket) + "?website")):
        assert r.status_code == 403
        assert xml_error(r.content)["Code"] == "AccessDenied"


def test_policy_grants_anonymous_get_on_a_prefix_only(endpoint, s3, bucket):
    s3.put_object(Bucket=bucket, Key="public/a.txt", Body=b"hello")
    s3.put_object(Bucket=bucket, Key="private/b.txt", Body=b"nope")
    put_policy(s3, bucket, [public_get(bucket, "public/*")])
    r = requests.get(url(endpoint, bucket, "public/a.txt"))
    assert r.status_code == 200 and r.content == b"hello"
    assert requests.head(url(endpoint, bucket, "public/a.txt")).status_code == 200
    assert requests.get(url(endpoint, bucket, "private/b.txt")).status_code == 403
    assert requests.put(url(endpoint, bucket, "public/new"), data=b"x").status_code == 403
    assert requests.get(url(endpoint, bucket)).status_code == 403  # no ListBucket
    got = json.loads(s3.get_bucket_policy(Bucket=bucket)["Policy"])
    assert got["Statement"][0]["Resource"] == f"arn:aws:s3:::{bucket}/public/*"
    assert s3.get_bucket_policy_status(Bucket=bucket)["PolicyStatus"]["IsPublic"] is True
    s3.delete_bucket_policy(Bucket=bucket)
    assert requests.get(url(endpoint, bucket, "public/a.txt")).status_code == 403
    with pytest.raises(ClientError) as e:
        s3.get_bucket_policy(Bucket=bucket)
    assert error_code(e.value) == "NoSuchBucketPolicy"


def test_a_missing_key_is_access_denied_without_list_bucket(endpoint, s3, bucket):
    """As on S3: without s3:ListBucket, GET and HEAD of a missing key (or one whose latest
    version is a delete marker) answer 403, so readers cannot probe which keys exist."""
    s3.put_object(Bucket=bucket, Key="public/gone", Body=b"x")
    s3.delete_object(Bucket=bucket, Key="public/gone")
    put_policy(s3, bucket, [public_get(bucket, "public/*")])
    for key in ("public/missing", "public/gone"):
        r = requests.get(url(endpoint, bucket, key))
        assert r.status_code == 403 and xml_error(r.content)["Code"] == "AccessDenied"
        assert requests.head(url(endpoint, bucket, key)).status_code == 403
    # With ListBucket the truth is no secret: 404 NoSuchKey.
    put_policy(s3, bucket, [public_get(bucket, "public/*"),
                            {"Effect": "Allow", "Principal": "*", "Action": "s3:ListBucket",
                             "Resource": f"arn:aws:s3:::{bucket}"}])
    r = requests.get(url(endpoint, bucket, "public/missing"))
    assert r.status_code == 404 and xml_error(r.content)["Code"] == "NoSuchKey"
    assert requests.head(url(endpoint, bucket, "public/missing")).status_code == 404
    # The root always learns the truth.
    with pytest.raises(ClientError) as e:
        s3.get_object(Bucket=bucket, Key="public/missing")
    assert error_code(e.value) == "NoSuchKey"
    s3.delete_bucket_policy(Bucket=bucket)


def test_malformed_policies_are_refused(s3, bucket):
    cases = [
        ("{not json", None),
        (json.dumps({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": "*",
                     "Action": "s3:GetObject", "Resource": "arn:aws:s3:::other-bucket/*"}]}),
         "Policy has invalid resource"),
        (json.dumps({"Version": "2012-10-17", "Statement": [{"Effect": "hello", "Principal": "*",
                     "Action": "s3:GetObject", "Resource": f"arn:aws:s3:::{bucket}/*"}]}),
         "Invalid effect: hello"),
        (json.dumps({"Statement": [public_get(bucket, "*", {"StringEquals": {"aws:Nope": "x"}})]}),
         "Policy has an invalid condition key"),
    ]
    for text, message in cases:
        with pytest.raises(ClientError) as e:
            s3.put_bucket_policy(Bucket=bucket, Policy=text)
        assert error_code(e.value) == "MalformedPolicy"
        if message:
            assert e.value.response["Error"]["Message"] == message


def test_ip_address_condition(endpoint, s3, bucket):
    s3.put_object(Bucket=bucket, Key="k", Body=b"v")
    put_policy(s3, bucket, [public_get(bucket, "*", {"IpAddress": {"aws:SourceIp": "10.0.0.0/8"}})])
    assert requests.get(url(endpoint, bucket, "k")).status_code == 403
    put_policy(s3, bucket, [public_get(bucket, "*",
                                       {"IpAddress": {"aws:SourceIp": "127.0.0.0/8"}})])
    assert requests.get(url(endpoint, bucket, "k")).status_code == 200
    put_policy(s3, bucket, [public_get(bucket, "*",
                                       {"NotIpAddress": {"aws:SourceIp": "127.0.0.1/32"}})])
    assert requests.get(url(endpoint, bucket, "k")).status_code == 403


def test_secure_transport_condition(endpoint, s3, bucket):
    s3.put_object(Bucket=bucket, Key="k", Body=b"v")
    put_policy(s3, bucket, [public_get(bucket, "*", {"Bool": {"aws:SecureTransport": "true"}})])
    assert requests.get(url(endpoint, bucket, "k")).status_code == 403  # plain HTTP
    put_policy(s3, bucket, [public_get(bucket, "*", {"Bool": {"aws:SecureTransport": "false"}})])
    assert requests.get(url(endpoint, bucket, "k")).status_code == 200


def test_explicit_deny_beats_allow(endpoint, s3, bucket):
    s3.put_object(Bucket=bucket, Key="a/k", Body=b"v")
    put_policy(s3, bucket, [
        public_get(bucket, "*"),
        {"Effect": "Deny", "Principal": "*", "Action": "s3:GetObject",
         "Resource": f"arn:aws:s3:::{bucket}/a/*"},
    ])
    assert requests.get(url(endpoint, bucket, "a/k")).status_code == 403
    # The root is never locked out by a bucket policy.
    assert s3.get_object(Bucket=bucket, Key="a/k")["Body"].read() == b"v"


def test_public_read_canned_acl_on_object_and_bucket(endpoint, s3, bucket):
    s3.put_object(Bucket=bucket, Key="open", Body=b"o", ACL="public-read")
    s3.put_object(Bucket=bucket, Key="closed", Body=b"c")
    assert requests.get(url(endpoint, bucket, "open")).content == b"o"
    assert requests.get(url(endpoint, bucket, "closed")).status_code == 403
    acl = s3.get_object_acl(Bucket=bucket, Key="open")
    assert [g["Permission"] for g in acl["Grants"]] == ["FULL_CONTROL", "READ"]
    assert acl["Grants"][1]["Grantee"]["URI"].endswith("/global/AllUsers")
    # Overwriting the object without an ACL makes it private again.
    s3.put_object(Bucket=bucket, Key="open", Body=b"o2")
    assert requests.get(url(endpoint, bucket, "open")).status_code == 403
    assert len(s3.get_object_acl(Bucket=bucket, Key="open")["Grants"]) == 1
    # A public-read bucket lists anonymously.
    assert requests.get(url(endpoint, bucket)).status_code == 403
    s3.put_bucket_acl(Bucket=bucket, ACL="public-read")
    r = requests.get(url(endpoint, bucket))
    assert r.status_code == 200 and b"<Key>closed</Key>" in r.content
    s3.put_bucket_acl(Bucket=bucket, ACL="private")
    assert requests.get(url(endpoint, bucket)).status_code == 403


def test_public_access_block_overrides_acls_and_policies(endpoint, s3, bucket):
    s3.put_object(Bucket=bucket, Key="open", Body=b"o", ACL="public-read")
    put_policy(s3, bucket, [public_get(bucket, "pol/*")])
    s3.put_object(Bucket=bucket, Key="pol/k", Body=b"p")
    with pytest.raises(ClientError) as e:
        s3.get_public_access_block(Bucket=bucket)
    assert error_code(e.value) == "NoSuchPublicAccessBlockConfiguration"
    s3.put_public_access_block(Bucket=bucket, PublicAccessBlockConfiguration={
        "BlockPublicAcls": True, "IgnorePublicAcls": True, "BlockPublicPolicy": True,
        "RestrictPublicBuckets": True})
    got = s3.get_public_access_block(Bucket=bucket)["PublicAccessBlockConfiguration"]
    assert got == {"BlockPublicAcls": True, "IgnorePublicAcls": True, "BlockPublicPolicy": True,
                   "RestrictPublicBuckets": True}
    assert requests.get(url(endpoint, bucket, "open")).status_code == 403  # IgnorePublicAcls
    assert requests.get(url(endpoint, bucket, "pol/k")).status_code == 403  # Restrict...
    with pytest.raises(ClientError) as e:
        s3.put_object(Bucket=bucket, Key="x", Body=b"x", ACL="public-read")
    assert error_code(e.value) == "AccessDenied"
    with pytest.raises(ClientError) as e:
        put_policy(s3, bucket, [public_get(bucket, "*")])
    assert error_code(e.value) == "AccessDenied"
    s3.delete_public_access_block(Bucket=bucket)
    assert requests.get(url(endpoint, bucket, "open")).status_code == 200
    assert requests.get(url(endpoint, bucket, "pol/k")).status_code == 200


def test_governance_bypass_needs_the_permission(endpoint, s3, new_bucket_name):
    import datetime
    b = new_bucket_name
    s3.create_bucket(Bucket=b, ObjectLockEnabledForBucket=True)
    until = datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(hours=1)
    v = s3.put_object(Bucket=b, Key="k", Body=b"v", ObjectLockMode="GOVERNANCE",
                      ObjectLockRetainUntilDate=until)["VersionId"]
    # Anonymous callers may delete versions, but were not given the bypass permission.
    put_policy(s3, b, [{"Effect": "Allow", "Principal": "*",
                        "Action": ["s3:DeleteObjectVersion", "s3:DeleteObject"],
                        "Resource": f"arn:aws:s3:::{b}/*"}])
    r = requests.delete(url(endpoint, b, "k") + f"?versionId={v}",
                        headers={"x-amz-bypass-governance-retention": "true"})
    assert r.status_code == 403
    assert s3.head_object(Bucket=b, Key="k", VersionId=v)["ContentLength"] == 1
    # With the permission the bypass is honoured.
    put_policy(s3, b, [{"Effect": "Allow", "Principal": "*",
                        "Action": ["s3:DeleteObjectVersion", "s3:BypassGovernanceRetention"],
                        "Resource": f"arn:aws:s3:::{b}/*"}])
    r = requests.delete(url(endpoint, b, "k") + f"?versionId={v}",
                        headers={"x-amz-bypass-governance-retention": "true"})
    assert r.status_code == 204
    s3.delete_bucket_policy(Bucket=b)
    s3.delete_bucket(Bucket=b)


def test_policies_do_not_survive_their_bucket(endpoint, s3, new_bucket_name):
    b = new_bucket_name
    s3.create_bucket(Bucket=b)
    put_policy(s3, b, [public_get(b, "*")])
    s3.delete_bucket(Bucket=b)
    s3.create_bucket(Bucket=b)
    with pytest.raises(ClientError) as e:
        s3.get_bucket_policy(Bucket=b)
    assert error_code(e.value) == "NoSuchBucketPolicy"
    s3.put_object(Bucket=b, Key="k", Body=b"v")
    assert requests.get(url(endpoint, b, "k")).status_code == 403
    s3.delete_object(Bucket=b, Key="k")
    s3.delete_bucket(Bucket=b)
