"""Operations the server does not implement yet answer 501 NotImplemented promptly: never a 500,
a hang, or (worst) a silent success that does something else, such as a PUT ?acl that overwrites
the object with the ACL document.

NOT_IMPLEMENTED is the one list to shrink as features land: delete an entry when its feature is
implemented (and add tests for the feature in the topic's file)."""

import pytest
import requests

from s3helpers import raw_request, xml_error

XML = b'<?xml version="1.0" encoding="UTF-8"?><Configuration/>'

# (method, target, query, extra headers). target: "bucket" or "object".
NOT_IMPLEMENTED = [
    ("PUT", "object", "cors", {}),  # cors is a bucket subresource only
    ("PUT", "object", "policy", {}),  # policy is a bucket subresource only
    ("PUT", "object", "lifecycle", {}),  # lifecycle is a bucket subresource only
    ("GET", "bucket", "notification", {}),
    ("GET", "bucket", "website", {}),
    ("GET", "bucket", "replication", {}),
    ("GET", "bucket", "logging", {}),
    ("POST", "object", "select&select-type=2", {}),
    ("POST", "object", "restore", {}),
    # Governance subresources where they name no operation.
    ("PUT", "object", "versions", {}),
    ("DELETE", "bucket", "versioning", {}),
    ("GET", "bucket", "retention", {}),
    ("PUT", "object", "", {"If-None-Match": '"abc"'}),  # conditional writes know only "*"
]


def _id(case):
    method, target, query, headers = case
    return f"{method}-{target}-{query or next(iter(headers), '')}"


@pytest.mark.parametrize("case", NOT_IMPLEMENTED, ids=_id)
def test_unimplemented_operation_is_501_not_implemented(server, s3, bucket, case):
    method, target, query, headers = case
    s3.put_object(Bucket=bucket, Key="source", Body=b"source bytes")
    s3.put_object(Bucket=bucket, Key="obj", Body=b"object bytes")
    path = f"/{bucket}" if target == "bucket" else f"/{bucket}/obj"
    headers = {k: v.format(bucket=bucket) for k, v in headers.items()}
    body = XML if method in ("PUT", "POST") else b""
    try:
        r = raw_request(server, method, path, query=query or None, headers=headers, body=body,
                        timeout=10)
    except requests.Timeout:
        pytest.fail(f"{method} {path}?{query} did not answer within 10 s")
    assert r.status_code == 501, (r.status_code, r.content[:300])
    assert xml_error(r.content)["Code"] == "NotImplemented"
    # Nothing happened to the objects.
    assert s3.get_object(Bucket=bucket, Key="obj")["Body"].read() == b"object bytes"
    keys = [o["Key"] for o in s3.list_objects_v2(Bucket=bucket)["Contents"]]
    assert keys == ["obj", "source"]


def test_unknown_query_parameters_are_ignored(server, s3, bucket):
    # Newer AWS SDKs add ?x-id=GetObject; S3 ignores query parameters it does not know.
    s3.put_object(Bucket=bucket, Key="obj", Body=b"object bytes")
    r = raw_request(server, "GET", f"/{bucket}/obj", query={"x-id": "GetObject"})
    assert r.status_code == 200
    assert r.content == b"object bytes"
    r = raw_request(server, "PUT", f"/{bucket}/new", query={"x-id": "PutObject"}, body=b"new")
    assert r.status_code == 200
    assert s3.get_object(Bucket=bucket, Key="new")["Body"].read() == b"new"
