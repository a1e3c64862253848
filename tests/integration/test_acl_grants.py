"""ACL grants and object ownership (issue 7), end to end: x-amz-grant-* headers and
AccessControlPolicy documents on buckets and objects, evaluated with bucket policies and the
public access block; Put/Get/DeleteBucketOwnershipControls and BucketOwnerEnforced; canned ACLs
through multipart uploads. The root owns the buckets; users are made with `strata-admin`; their
canonical ids are hex SHA-256 of "arn:aws:iam::000000000000:user/<name>"."""

import hashlib
import json

import pytest
import requests
from botocore.exceptions import ClientError

from s3helpers import error_code
from test_users import add_user

ALL_USERS = "http://acs.amazonaws.com/groups/global/AllUsers"
AUTHENTICATED = "http://acs.amazonaws.com/groups/global/AuthenticatedUsers"


def canonical_id(user: str) -> str:
    return hashlib.sha256(f"arn:aws:iam::000000000000:user/{user}".encode()).hexdigest()


def url(endpoint, bucket, key=""):
    return f"{endpoint}/{bucket}/{key}" if key else f"{endpoint}/{bucket}"


def refused(call) -> str:
    with pytest.raises(ClientError) as e:
        call()
    return error_code(e.value)


@pytest.fixture
def users(server, make_s3):
    """Two users, A and B, with clients signing as each (no policies attached)."""
    out = {}
    for label in ("a", "b"):
        name, creds = add_user(server)
        out[label] = (name, make_s3(access_key=creds.access_key, secret_key=creds.secret_key))
    return out


def test_a_grant_read_by_canonical_id_lets_that_user_alone_get(s3, bucket, users):
    (a, as_a), (b, as_b) = users["a"], users["b"]
    s3.put_object(Bucket=bucket, Key="k", Body=b"data", GrantRead=f'id="{canonical_id(b)}"')
    assert as_b.get_object(Bucket=bucket, Key="k")["Body"].read() == b"data"
    assert refused(lambda: as_a.get_object(Bucket=bucket, Key="k")) == "AccessDenied"
    # READ is not READ_ACP, and not a write.
    assert refused(lambda: as_b.get_object_acl(Bucket=bucket, Key="k")) == "AccessDenied"
    assert refused(lambda: as_b.put_object(Bucket=bucket, Key="k", Body=b"x")) == "AccessDenied"
    acl = s3.get_object_acl(Bucket=bucket, Key="k")
    assert acl["Grants"] == [{"Grantee": {"ID": canonical_id(b), "Type": "CanonicalUser"},
                              "Permission": "READ"}] or acl["Grants"] == [
        {"Grantee": {"ID": canonical_id(b), "DisplayName": b, "Type": "CanonicalUser"},
         "Permission": "READ"}]


def test_bucket_grants_from_a_document_allow_listing_and_writing(s3, bucket, users):
    (a, as_a), (b, as_b) = users["a"], users["b"]
    owner = s3.get_bucket_acl(Bucket=bucket)["Owner"]
    s3.put_bucket_acl(Bucket=bucket, AccessControlPolicy={
        "Owner": owner,
        "Grants": [
            {"Grantee": {"Type": "CanonicalUser", "ID": owner["ID"]},
             "Permission": "FULL_CONTROL"},
            {"Grantee": {"Type": "CanonicalUser", "ID": canonical_id(a)}, "Permission": "WRITE"},
            {"Grantee": {"Type": "CanonicalUser", "ID": canonical_id(b)}, "Permission": "READ"},
        ]})
    as_a.put_object(Bucket=bucket, Key="from-a", Body=b"a")
    assert [o["Key"] for o in as_b.list_objects_v2(Bucket=bucket)["Contents"]] == ["from-a"]
    assert refused(lambda: as_a.list_objects_v2(Bucket=bucket)) == "AccessDenied"
    assert refused(lambda: as_b.put_object(Bucket=bucket, Key="b", Body=b"b")) == "AccessDenied"
    # Objects are not readable through a bucket grant.
    assert refused(lambda: as_b.get_object(Bucket=bucket, Key="from-a")) == "AccessDenied"
    grants = s3.get_bucket_acl(Bucket=bucket)["Grants"]
    assert [(g["Grantee"].get("ID"), g["Permission"]) for g in grants] == [
        (owner["ID"], "FULL_CONTROL"), (canonical_id(a), "WRITE"), (canonical_id(b), "READ")]
    assert all(g["Grantee"]["Type"] == "CanonicalUser" for g in grants)


def test_all_users_read_opens_an_object_until_the_public_access_block_closes_it(
        endpoint, s3, bucket):
    s3.put_object(Bucket=bucket, Key="open", Body=b"o")
    s3.put_object_acl(Bucket=bucket, Key="open", GrantRead=f'uri="{ALL_USERS}"')
    assert requests.get(url(endpoint, bucket, "open")).content == b"o"
    grants = s3.get_object_acl(Bucket=bucket, Key="open")["Grants"]
    assert grants == [{"Grantee": {"Type": "Group", "URI": ALL_USERS}, "Permission": "READ"}]
    s3.put_public_access_block(Bucket=bucket, PublicAccessBlockConfiguration={
        "BlockPublicAcls": False, "IgnorePublicAcls": True, "BlockPublicPolicy": False,
        "RestrictPublicBuckets": False})
    assert requests.get(url(endpoint, bucket, "open")).status_code == 403
    s3.put_public_access_block(Bucket=bucket, PublicAccessBlockConfiguration={
        "BlockPublicAcls": True, "IgnorePublicAcls": False, "BlockPublicPolicy": False,
        "RestrictPublicBuckets": False})
    assert requests.get(url(endpoint, bucket, "open")).content == b"o"
    assert refused(lambda: s3.put_object(Bucket=bucket, Key="x", Body=b"x",
                                         GrantRead=f'uri="{AUTHENTICATED}"')) == "AccessDenied"
    assert refused(lambda: s3.put_object_acl(Bucket=bucket, Key="open",
                                             GrantRead=f'uri="{ALL_USERS}"')) == "AccessDenied"


def test_write_acp_lets_a_user_change_the_acl(endpoint, s3, bucket, users):
    (a, as_a), (b, as_b) = users["a"], users["b"]
    s3.put_object(Bucket=bucket, Key="k", Body=b"v", GrantWriteACP=f'id="{canonical_id(a)}"')
    assert refused(lambda: as_b.put_object_acl(Bucket=bucket, Key="k", ACL="public-read")) == \
        "AccessDenied"
    assert requests.get(url(endpoint, bucket, "k")).status_code == 403
    as_a.put_object_acl(Bucket=bucket, Key="k", ACL="public-read")
    assert requests.get(url(endpoint, bucket, "k")).content == b"v"
    # The canned ACL replaced the grant list: A holds nothing any more.
    assert refused(lambda: as_a.put_object_acl(Bucket=bucket, Key="k", ACL="private")) == \
        "AccessDenied"


def test_an_explicit_deny_in_the_bucket_policy_beats_a_grant(s3, bucket, users):
    b, as_b = users["b"]
    s3.put_object(Bucket=bucket, Key="k", Body=b"v", GrantFullControl=f'id="{canonical_id(b)}"')
    assert as_b.get_object(Bucket=bucket, Key="k")["Body"].read() == b"v"
    s3.put_bucket_policy(Bucket=bucket, Policy=json.dumps({"Version": "2012-10-17", "Statement": [
        {"Effect": "Deny", "Principal": {"AWS": f"arn:aws:iam::000000000000:user/{b}"},
         "Action": "s3:GetObject", "Resource": f"arn:aws:s3:::{bucket}/*"}]}))
    assert refused(lambda: as_b.get_object(Bucket=bucket, Key="k")) == "AccessDenied"
    assert as_b.get_object_acl(Bucket=bucket, Key="k")["Grants"][0]["Permission"] == \
        "FULL_CONTROL"


def test_grant_headers_on_create_bucket_and_copy(endpoint, s3, new_bucket_name, users):
    b, as_b = users["b"]
    s3.create_bucket(Bucket=new_bucket_name, GrantRead=f'uri="{ALL_USERS}"',
                     GrantReadACP=f'id="{canonical_id(b)}"')
    try:
        assert requests.get(url(endpoint, new_bucket_name)).status_code == 200
        grants = as_b.get_bucket_acl(Bucket=new_bucket_name)["Grants"]
        assert {(g["Grantee"].get("URI") or g["Grantee"]["ID"], g["Permission"])
                for g in grants} == {(ALL_USERS, "READ"), (canonical_id(b), "READ_ACP")}
        s3.put_object(Bucket=new_bucket_name, Key="src", Body=b"s")
        s3.copy_object(Bucket=new_bucket_name, Key="dst", CopySource=f"{new_bucket_name}/src",
                       GrantRead=f'id="{canonical_id(b)}"')
        assert as_b.get_object(Bucket=new_bucket_name, Key="dst")["Body"].read() == b"s"
        assert refused(lambda: as_b.get_object(Bucket=new_bucket_name, Key="src")) == \
            "AccessDenied"
    finally:
        for key in ("src", "dst"):
            s3.delete_object(Bucket=new_bucket_name, Key=key)
        s3.delete_bucket(Bucket=new_bucket_name)


def test_bad_grants_are_refused_with_aws_errors(s3, bucket):
    s3.put_object(Bucket=bucket, Key="k", Body=b"v")
    assert refused(lambda: s3.put_object(Bucket=bucket, Key="k", Body=b"v", ACL="public-read",
                                         GrantRead=f'uri="{ALL_USERS}"')) == "InvalidRequest"
    assert refused(lambda: s3.put_object_acl(Bucket=bucket, Key="k",
                                             GrantRead='emailAddress="a@example.com"')) == \
        "UnresolvableGrantByEmailAddress"
    assert refused(lambda: s3.put_object_acl(Bucket=bucket, Key="k", GrantRead="id=nothex")) == \
        "InvalidArgument"
    # A well-formed id nobody has, on a PutObject (the grantee check lists the users only when
    # a grant header is there): refused, and the object is not replaced.
    unknown = "0" * 64
    assert refused(lambda: s3.put_object(Bucket=bucket, Key="k", Body=b"new",
                                         GrantRead=f'id="{unknown}"')) == "InvalidArgument"
    assert s3.get_object(Bucket=bucket, Key="k")["Body"].read() == b"v"
    assert refused(lambda: s3.put_object_acl(Bucket=bucket, Key="k",
                                             GrantRead='uri="http://example.com/x"')) == \
        "InvalidArgument"
    r = s3.get_object_acl(Bucket=bucket, Key="k")
    assert [g["Permission"] for g in r["Grants"]] == ["FULL_CONTROL"]


def test_malformed_acl_documents_are_malformed_acl_error(server, bucket, s3):
    from s3helpers import raw_request, xml_error
    for body in (b"<AccessControlPolicy><AccessControlList><Grant><Grantee><ID>x</ID></Grantee>"
                 b"</Grant></AccessControlList></AccessControlPolicy>",
                 b"<not-xml", b"<Other/>", b"<a>" * 70000):
        r = raw_request(server, "PUT", f"/{bucket}", query="acl", body=body, timeout=10)
        assert r.status_code == 400, r.content[:200]
        assert xml_error(r.content)["Code"] == "MalformedACLError"


def test_ownership_controls_round_trip(s3, bucket):
    assert refused(lambda: s3.get_bucket_ownership_controls(Bucket=bucket)) == \
        "OwnershipControlsNotFoundError"
    for setting in ("ObjectWriter", "BucketOwnerPreferred", "BucketOwnerEnforced"):
        s3.put_bucket_ownership_controls(Bucket=bucket, OwnershipControls={
            "Rules": [{"ObjectOwnership": setting}]})
        got = s3.get_bucket_ownership_controls(Bucket=bucket)["OwnershipControls"]
        assert got == {"Rules": [{"ObjectOwnership": setting}]}
    assert refused(lambda: s3.put_bucket_ownership_controls(Bucket=bucket, OwnershipControls={
        "Rules": [{"ObjectOwnership": "Nobody"}]})) == "MalformedXML"
    s3.delete_bucket_ownership_controls(Bucket=bucket)
    assert refused(lambda: s3.get_bucket_ownership_controls(Bucket=bucket)) == \
        "OwnershipControlsNotFoundError"


def test_bucket_owner_enforced_disables_acls(endpoint, s3, bucket):
    s3.put_object(Bucket=bucket, Key="was-public", Body=b"p", ACL="public-read")
    assert requests.get(url(endpoint, bucket, "was-public")).status_code == 200
    s3.put_bucket_ownership_controls(Bucket=bucket, OwnershipControls={
        "Rules": [{"ObjectOwnership": "BucketOwnerEnforced"}]})
    # Existing ACLs are ignored, and shown as the owner's alone.
    assert requests.get(url(endpoint, bucket, "was-public")).status_code == 403
    assert [g["Permission"] for g in
            s3.get_object_acl(Bucket=bucket, Key="was-public")["Grants"]] == ["FULL_CONTROL"]
    for call in (lambda: s3.put_object(Bucket=bucket, Key="k", Body=b"v", ACL="public-read"),
                 lambda: s3.put_object(Bucket=bucket, Key="k", Body=b"v",
                                       GrantRead=f'uri="{ALL_USERS}"'),
                 lambda: s3.put_bucket_acl(Bucket=bucket, ACL="public-read"),
                 lambda: s3.put_object_acl(Bucket=bucket, Key="was-public", ACL="public-read"),
                 lambda: s3.create_multipart_upload(Bucket=bucket, Key="m", ACL="public-read")):
        assert refused(call) == "AccessControlListNotSupported"
    s3.put_object(Bucket=bucket, Key="k", Body=b"v", ACL="bucket-owner-full-control")
    assert s3.get_object(Bucket=bucket, Key="k")["Body"].read() == b"v"
    # Back to ObjectWriter: the stored ACL counts again.
    s3.put_bucket_ownership_controls(Bucket=bucket, OwnershipControls={
        "Rules": [{"ObjectOwnership": "ObjectWriter"}]})
    assert requests.get(url(endpoint, bucket, "was-public")).status_code == 200


def test_create_bucket_with_object_ownership(s3, new_bucket_name):
    assert refused(lambda: s3.create_bucket(Bucket=new_bucket_name, ACL="public-read",
                                            ObjectOwnership="BucketOwnerEnforced")) == \
        "InvalidBucketAclWithObjectOwnership"
    s3.create_bucket(Bucket=new_bucket_name, ObjectOwnership="BucketOwnerPreferred")
    try:
        got = s3.get_bucket_ownership_controls(Bucket=new_bucket_name)["OwnershipControls"]
        assert got == {"Rules": [{"ObjectOwnership": "BucketOwnerPreferred"}]}
    finally:
        s3.delete_bucket(Bucket=new_bucket_name)


def test_public_canned_acl_through_multipart_upload(endpoint, s3, bucket):
    upload = s3.create_multipart_upload(Bucket=bucket, Key="mp", ACL="public-read")
    part = s3.upload_part(Bucket=bucket, Key="mp", UploadId=upload["UploadId"], PartNumber=1,
                          Body=b"multipart body")
    s3.complete_multipart_upload(Bucket=bucket, Key="mp", UploadId=upload["UploadId"],
                                 MultipartUpload={"Parts": [{"PartNumber": 1,
                                                             "ETag": part["ETag"]}]})
    assert requests.get(url(endpoint, bucket, "mp")).content == b"multipart body"
    grants = s3.get_object_acl(Bucket=bucket, Key="mp")["Grants"]
    assert [g["Permission"] for g in grants] == ["FULL_CONTROL", "READ"]


def test_public_canned_acl_on_a_browser_post_form(endpoint, s3, bucket):
    presigned = s3.generate_presigned_post(bucket, "form.txt", Fields={"acl": "public-read"},
                                           Conditions=[{"acl": "public-read"}], ExpiresIn=600)
    r = requests.post(presigned["url"], data=presigned["fields"],
                      files={"file": ("form.txt", b"from a form")}, timeout=30)
    assert r.status_code == 204, r.text
    assert requests.get(url(endpoint, bucket, "form.txt")).content == b"from a form"
    s3.put_bucket_ownership_controls(Bucket=bucket, OwnershipControls={
        "Rules": [{"ObjectOwnership": "BucketOwnerEnforced"}]})
    r = requests.post(presigned["url"], data=presigned["fields"],
                      files={"file": ("form.txt", b"again")}, timeout=30)
    assert r.status_code == 400 and b"AccessControlListNotSupported" in r.content
