"""Two users, their policies and a bucket policy, end to end (issue 7): users made with
`strata-admin user add`, user policies attached with `strata-admin user policy put`, requests
signed with the users' own keys through boto3. Allowed and denied per policy, explicit deny wins,
conditions on s3:prefix, and the object-lock bypass gated by s3:BypassGovernanceRetention."""

import json
import uuid

import pytest
from botocore.exceptions import ClientError

from test_users import add_user, admin
from version_helpers import delete_all_versions_and_bucket, utc_in


def code(e: ClientError) -> str:
    return e.response["Error"]["Code"]


def attach(server, tmp_path, user, name, statements):
    path = tmp_path / f"{user}-{name}.json"
    path.write_text(json.dumps({"Version": "2012-10-17", "Statement": statements}))
    r = admin(server, "user", "policy", "put", user, name, str(path))
    assert r.returncode == 0, r.stderr


@pytest.fixture
def shared_bucket(s3):
    name = "team-" + uuid.uuid4().hex[:10]
    s3.create_bucket(Bucket=name)
    s3.put_object(Bucket=name, Key="alice/notes.txt", Body=b"alice's")
    s3.put_object(Bucket=name, Key="bob/notes.txt", Body=b"bob's")
    yield name
    delete_all_versions_and_bucket(s3, name)


def test_each_user_reaches_exactly_what_its_policies_grant(server, make_s3, s3, shared_bucket,
                                                           tmp_path):
    b = shared_bucket
    alice, alice_creds = add_user(server)
    bob, bob_creds = add_user(server)
    as_alice = make_s3(access_key=alice_creds.access_key, secret_key=alice_creds.secret_key)
    as_bob = make_s3(access_key=bob_creds.access_key, secret_key=bob_creds.secret_key)

    # No policy yet: a user may do nothing.
    with pytest.raises(ClientError) as e:
        as_alice.get_object(Bucket=b, Key="alice/notes.txt")
    assert code(e.value) == "AccessDenied"

    # Alice: read and write her prefix, list only under it.
    attach(server, tmp_path, alice, "own-prefix", [
        {"Effect": "Allow", "Action": ["s3:GetObject", "s3:PutObject"],
         "Resource": f"arn:aws:s3:::{b}/alice/*"},
        {"Effect": "Allow", "Action": "s3:ListBucket", "Resource": f"arn:aws:s3:::{b}",
         "Condition": {"StringLike": {"s3:prefix": "alice/*"}}}])
    assert as_alice.get_object(Bucket=b, Key="alice/notes.txt")["Body"].read() == b"alice's"
    as_alice.put_object(Bucket=b, Key="alice/new.txt", Body=b"new")
    listed = as_alice.list_objects_v2(Bucket=b, Prefix="alice/")
    assert [o["Key"] for o in listed["Contents"]] == ["alice/new.txt", "alice/notes.txt"]
    for call in (lambda: as_alice.get_object(Bucket=b, Key="bob/notes.txt"),
                 lambda: as_alice.put_object(Bucket=b, Key="bob/x", Body=b"x"),
                 lambda: as_alice.list_objects_v2(Bucket=b, Prefix="bob/"),
                 lambda: as_alice.delete_object(Bucket=b, Key="alice/notes.txt")):
        with pytest.raises(ClientError) as e:
            call()
        assert code(e.value) == "AccessDenied"
    assert s3.get_object(Bucket=b, Key="alice/notes.txt")["Body"].read() == b"alice's"

    # Bob: allowed by the bucket policy (not by a user policy), except what it denies.
    account_arn = f"arn:aws:iam::000000000000:user/{bob}"
    s3.put_bucket_policy(Bucket=b, Policy=json.dumps({"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Principal": {"AWS": account_arn}, "Action": "s3:GetObject",
         "Resource": f"arn:aws:s3:::{b}/*"},
        {"Effect": "Deny", "Principal": {"AWS": account_arn}, "Action": "s3:GetObject",
         "Resource": f"arn:aws:s3:::{b}/alice/*"}]}))
    assert as_bob.get_object(Bucket=b, Key="bob/notes.txt")["Body"].read() == b"bob's"
    with pytest.raises(ClientError) as e:  # explicit deny beats the allow
        as_bob.get_object(Bucket=b, Key="alice/notes.txt")
    assert code(e.value) == "AccessDenied"
    # The bucket policy names bob only: alice gains nothing outside her prefix.
    with pytest.raises(ClientError) as e:
        as_alice.get_object(Bucket=b, Key="bob/notes.txt")
    assert code(e.value) == "AccessDenied"

    # Removing alice's policy takes effect at once.
    r = admin(server, "user", "policy", "remove", alice, "own-prefix")
    assert r.returncode == 0, r.stderr
    with pytest.raises(ClientError) as e:
        as_alice.get_object(Bucket=b, Key="alice/notes.txt")
    assert code(e.value) == "AccessDenied"


def test_governance_bypass_is_a_permission_of_its_own(server, make_s3, s3, tmp_path):
    b = "lock-" + uuid.uuid4().hex[:10]
    s3.create_bucket(Bucket=b, ObjectLockEnabledForBucket=True)
    try:
        vid = s3.put_object(Bucket=b, Key="model.bin", Body=b"weights", ObjectLockMode="GOVERNANCE",
                            ObjectLockRetainUntilDate=utc_in(3600))["VersionId"]
        carol, creds = add_user(server)
        as_carol = make_s3(access_key=creds.access_key, secret_key=creds.secret_key)
        attach(server, tmp_path, carol, "delete", [
            {"Effect": "Allow", "Action": ["s3:DeleteObject", "s3:DeleteObjectVersion"],
             "Resource": f"arn:aws:s3:::{b}/*"}])
        with pytest.raises(ClientError) as e:  # the header alone does not bypass
            as_carol.delete_object(Bucket=b, Key="model.bin", VersionId=vid,
                                   BypassGovernanceRetention=True)
        assert code(e.value) == "AccessDenied"
        assert s3.head_object(Bucket=b, Key="model.bin", VersionId=vid)["VersionId"] == vid
        attach(server, tmp_path, carol, "bypass", [
            {"Effect": "Allow", "Action": "s3:BypassGovernanceRetention",
             "Resource": f"arn:aws:s3:::{b}/*"}])
        as_carol.delete_object(Bucket=b, Key="model.bin", VersionId=vid,
                               BypassGovernanceRetention=True)
        versions = s3.list_object_versions(Bucket=b).get("Versions", [])
        assert vid not in [v["VersionId"] for v in versions]
    finally:
        delete_all_versions_and_bucket(s3, b)


def test_request_object_tag_conditions_gate_tagged_writes(server, make_s3, s3, shared_bucket,
                                                          tmp_path):
    """s3:RequestObjectTag/<key> and s3:RequestObjectTagKeys read the tags a write asks for
    (x-amz-tagging), so a policy can require a team tag and forbid any other tag key."""
    b = shared_bucket
    user, creds = add_user(server)
    as_user = make_s3(access_key=creds.access_key, secret_key=creds.secret_key)
    attach(server, tmp_path, user, "tagged-writes", [
        {"Effect": "Allow", "Action": "s3:PutObject", "Resource": f"arn:aws:s3:::{b}/*",
         "Condition": {"StringEquals": {"s3:RequestObjectTag/team": "ml"},
                       "ForAllValues:StringEquals": {"s3:RequestObjectTagKeys": ["team", "stage"]}}}])
    as_user.put_object(Bucket=b, Key="t/ok", Body=b"1", Tagging="team=ml&stage=raw")
    assert s3.get_object_tagging(Bucket=b, Key="t/ok")["TagSet"] == [
        {"Key": "team", "Value": "ml"}, {"Key": "stage", "Value": "raw"}]
    for tagging in ("team=web", "stage=raw", "team=ml&owner=eve", None):
        kwargs = {"Tagging": tagging} if tagging else {}
        with pytest.raises(ClientError) as e:
            as_user.put_object(Bucket=b, Key="t/denied", Body=b"1", **kwargs)
        assert code(e.value) == "AccessDenied", tagging
