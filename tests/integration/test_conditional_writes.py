"""Conditional writes (issue 3): PutObject with If-None-Match: * and If-Match, racing creates,
DeleteObject with If-Match."""

import threading

import pytest
from botocore.exceptions import ClientError

from s3helpers import error_code, http_status, raw_request, xml_error


def test_if_none_match_star_creates_only_when_absent(s3, bucket):
    s3.put_object(Bucket=bucket, Key="k", Body=b"first", IfNoneMatch="*")
    with pytest.raises(ClientError) as e:
        s3.put_object(Bucket=bucket, Key="k", Body=b"second", IfNoneMatch="*")
    assert error_code(e.value) == "PreconditionFailed"
    assert http_status(e.value) == 412
    assert s3.get_object(Bucket=bucket, Key="k")["Body"].read() == b"first"


def test_if_match_replaces_only_the_named_version(s3, bucket):
    etag = s3.put_object(Bucket=bucket, Key="k", Body=b"v1")["ETag"]
    new = s3.put_object(Bucket=bucket, Key="k", Body=b"v2", IfMatch=etag)["ETag"]
    with pytest.raises(ClientError) as e:
        s3.put_object(Bucket=bucket, Key="k", Body=b"v3", IfMatch=etag)  # stale
    assert error_code(e.value) == "PreconditionFailed"
    assert s3.get_object(Bucket=bucket, Key="k")["Body"].read() == b"v2"
    # Unquoted ETags match too.
    s3.put_object(Bucket=bucket, Key="k", Body=b"v4", IfMatch=new.strip('"'))
    assert s3.get_object(Bucket=bucket, Key="k")["Body"].read() == b"v4"


def test_if_match_on_a_missing_key_is_no_such_key(s3, bucket):
    with pytest.raises(ClientError) as e:
        s3.put_object(Bucket=bucket, Key="absent", Body=b"x",
                      IfMatch='"0123456789abcdef0123456789abcdef"')
    assert error_code(e.value) == "NoSuchKey"
    assert http_status(e.value) == 404
    assert s3.list_objects_v2(Bucket=bucket)["KeyCount"] == 0


def test_if_none_match_with_an_etag_is_not_implemented(server, s3, bucket):
    etag = s3.put_object(Bucket=bucket, Key="k", Body=b"v1")["ETag"]
    r = raw_request(server, "PUT", f"/{bucket}/k", body=b"v2", headers={"If-None-Match": etag})
    assert r.status_code == 501
    assert xml_error(r.content)["Code"] == "NotImplemented"
    assert s3.get_object(Bucket=bucket, Key="k")["Body"].read() == b"v1"


def test_racing_conditional_creates_let_exactly_one_win(make_s3, s3, bucket):
    for round_ in range(3):
        key = f"race-{round_}"
        outcomes = []
        barrier = threading.Barrier(4)

        def create(n):
            client = make_s3()
            barrier.wait()
            try:
                client.put_object(Bucket=bucket, Key=key, Body=f"writer {n}".encode(),
                                  IfNoneMatch="*")
                outcomes.append(("ok", n))
            except ClientError as e:
                outcomes.append((error_code(e), n))

        threads = [threading.Thread(target=create, args=(n,)) for n in range(4)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        winners = [n for code, n in outcomes if code == "ok"]
        assert len(winners) == 1, outcomes
        assert {code for code, _ in outcomes if code != "ok"} <= {
            "PreconditionFailed", "ConditionalRequestConflict"}
        body = s3.get_object(Bucket=bucket, Key=key)["Body"].read()
        assert body == f"writer {winners[0]}".encode()


def test_delete_with_if_match(s3, bucket):
    etag = s3.put_object(Bucket=bucket, Key="k", Body=b"v1")["ETag"]
    with pytest.raises(ClientError) as e:
        s3.delete_object(Bucket=bucket, Key="k", IfMatch='"0123456789abcdef0123456789abcdef"')
    assert error_code(e.value) == "PreconditionFailed"
    assert s3.get_object(Bucket=bucket, Key="k")["Body"].read() == b"v1"
    r = s3.delete_object(Bucket=bucket, Key="k", IfMatch=etag)
    assert r["ResponseMetadata"]["HTTPStatusCode"] == 204
    assert s3.list_objects_v2(Bucket=bucket)["KeyCount"] == 0


def test_conditional_put_via_aws_cli(aws, s3, bucket, tmp_path):
    f = tmp_path / "f"
    f.write_bytes(b"cli")
    aws("s3api", "put-object", "--bucket", bucket, "--key", "k", "--body", str(f),
        "--if-none-match", "*")
    again = aws("s3api", "put-object", "--bucket", bucket, "--key", "k", "--body", str(f),
                "--if-none-match", "*", check=False)
    assert again.returncode != 0
    assert "PreconditionFailed" in again.stderr
