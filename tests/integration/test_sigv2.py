"""AWS Signature Version 2 (issue 7): boto3's HmacV1Auth ("s3") and HmacV1QueryAuth
("s3-query") presigned URLs, hand-made V2 URLs and s3cmd with signature_v2 = True."""

import base64
import hashlib
import hmac
import time
from urllib.parse import quote

import pytest
import requests
from botocore.exceptions import ClientError

from conftest import _clean_env, _require_cli, _run
from s3helpers import data_of, error_code


@pytest.fixture
def v2(make_s3):
    return make_s3(signature_version="s3")


def v2_query_url(endpoint, creds, path, expires, secret=None):
    """A V2 presigned GET URL built by hand (path style)."""
    string_to_sign = f"GET\n\n\n{expires}\n{path}"
    digest = hmac.new((secret or creds.secret_key).encode(), string_to_sign.encode(),
                      hashlib.sha1).digest()
    signature = quote(base64.b64encode(digest).decode(), safe="")
    return (f"{endpoint}{path}?AWSAccessKeyId={quote(creds.access_key, safe='')}"
            f"&Expires={expires}&Signature={signature}")


def test_v2_put_get_head_list_delete(v2, s3, bucket):
    v2.put_object(Bucket=bucket, Key="dir/a b.txt", Body=b"hello v2", ContentType="text/plain",
                  Metadata={"k": "v"})
    got = v2.get_object(Bucket=bucket, Key="dir/a b.txt")
    assert got["Body"].read() == b"hello v2"
    assert got["ContentType"] == "text/plain"
    assert got["Metadata"] == {"k": "v"}
    assert v2.head_object(Bucket=bucket, Key="dir/a b.txt")["ContentLength"] == 8
    ranged = v2.get_object(Bucket=bucket, Key="dir/a b.txt", Range="bytes=0-4")
    assert ranged["Body"].read() == b"hello"
    keys = [o["Key"] for o in v2.list_objects(Bucket=bucket)["Contents"]]
    assert keys == ["dir/a b.txt"]
    keys = [o["Key"] for o in v2.list_objects_v2(Bucket=bucket, Prefix="dir/")["Contents"]]
    assert keys == ["dir/a b.txt"]
    assert bucket in [b["Name"] for b in v2.list_buckets()["Buckets"]]
    v2.delete_object(Bucket=bucket, Key="dir/a b.txt")
    assert "Contents" not in s3.list_objects_v2(Bucket=bucket)


def test_v2_subresources_tagging_and_batch_delete(v2, bucket):
    v2.put_object(Bucket=bucket, Key="t", Body=b"x")
    v2.put_object_tagging(Bucket=bucket, Key="t",
                          Tagging={"TagSet": [{"Key": "team", "Value": "a"}]})
    assert v2.get_object_tagging(Bucket=bucket, Key="t")["TagSet"] == [
        {"Key": "team", "Value": "a"}]
    v2.put_bucket_versioning(Bucket=bucket, VersioningConfiguration={"Status": "Enabled"})
    assert v2.get_bucket_versioning(Bucket=bucket)["Status"] == "Enabled"
    version = v2.put_object(Bucket=bucket, Key="t", Body=b"y")["VersionId"]
    assert v2.get_object(Bucket=bucket, Key="t", VersionId=version)["Body"].read() == b"y"
    # DeleteObjects carries a signed Content-MD5.
    versions = v2.list_object_versions(Bucket=bucket)["Versions"]
    v2.delete_objects(Bucket=bucket, Delete={
        "Objects": [{"Key": v["Key"], "VersionId": v["VersionId"]} for v in versions]})
    assert "Versions" not in v2.list_object_versions(Bucket=bucket)


def test_v2_multipart_upload(v2, bucket):
    part1 = data_of(5 * 1024 * 1024, seed=1)
    part2 = data_of(1234, seed=2)
    upload = v2.create_multipart_upload(Bucket=bucket, Key="mp")["UploadId"]
    e1 = v2.upload_part(Bucket=bucket, Key="mp", UploadId=upload, PartNumber=1, Body=part1)["ETag"]
    e2 = v2.upload_part(Bucket=bucket, Key="mp", UploadId=upload, PartNumber=2, Body=part2)["ETag"]
    assert [p["PartNumber"] for p in
            v2.list_parts(Bucket=bucket, Key="mp", UploadId=upload)["Parts"]] == [1, 2]
    v2.complete_multipart_upload(Bucket=bucket, Key="mp", UploadId=upload, MultipartUpload={
        "Parts": [{"PartNumber": 1, "ETag": e1}, {"PartNumber": 2, "ETag": e2}]})
    assert v2.get_object(Bucket=bucket, Key="mp")["Body"].read() == part1 + part2
    aborted = v2.create_multipart_upload(Bucket=bucket, Key="gone")["UploadId"]
    v2.abort_multipart_upload(Bucket=bucket, Key="gone", UploadId=aborted)
    assert "Uploads" not in v2.list_multipart_uploads(Bucket=bucket)


@pytest.mark.parametrize("signature_version", ["s3", "s3-query"])
def test_boto3_v2_presigned_get_url_works_with_plain_http(make_s3, s3, bucket,
                                                          signature_version):
    s3.put_object(Bucket=bucket, Key="shared/file.txt", Body=b"shared")
    client = make_s3(signature_version=signature_version)
    url = client.generate_presigned_url(
        "get_object", Params={"Bucket": bucket, "Key": "shared/file.txt"}, ExpiresIn=300)
    assert "AWSAccessKeyId=" in url and "Signature=" in url and "X-Amz-" not in url
    r = requests.get(url, timeout=10)
    assert r.status_code == 200, r.text
    assert r.content == b"shared"


def test_v2_presigned_url_with_response_override(server, s3, bucket):
    s3.put_object(Bucket=bucket, Key="f", Body=b"data")
    expires = int(time.time()) + 300
    path = f"/{bucket}/f"
    string_to_sign = f"GET\n\n\n{expires}\n{path}?response-content-type=text/x-test"
    digest = hmac.new(server.creds.secret_key.encode(), string_to_sign.encode(),
                      hashlib.sha1).digest()
    url = (f"{server.endpoint}{path}?response-content-type=text%2Fx-test"
           f"&AWSAccessKeyId={server.creds.access_key}&Expires={expires}"
           f"&Signature={quote(base64.b64encode(digest).decode(), safe='')}")
    r = requests.get(url, timeout=10)
    assert r.status_code == 200, r.text
    assert r.headers["Content-Type"] == "text/x-test"
    # The override is a signed sub-resource: changing it breaks the signature.
    r = requests.get(url.replace("x-test", "x-evil"), timeout=10)
    assert r.status_code == 403
    assert "SignatureDoesNotMatch" in r.text


def test_expired_v2_url_is_refused(server, s3, bucket):
    s3.put_object(Bucket=bucket, Key="f", Body=b"data")
    good = v2_query_url(server.endpoint, server.creds, f"/{bucket}/f", int(time.time()) + 60)
    assert requests.get(good, timeout=10).status_code == 200
    expired = v2_query_url(server.endpoint, server.creds, f"/{bucket}/f", int(time.time()) - 60)
    r = requests.get(expired, timeout=10)
    assert r.status_code == 403
    assert "<Code>AccessDenied</Code>" in r.text
    assert "Request has expired" in r.text


def test_v2_url_with_wrong_secret_is_refused(server, s3, bucket):
    s3.put_object(Bucket=bucket, Key="f", Body=b"data")
    url = v2_query_url(server.endpoint, server.creds, f"/{bucket}/f", int(time.time()) + 60,
                       secret="not-the-secret")
    r = requests.get(url, timeout=10)
    assert r.status_code == 403
    assert "<Code>SignatureDoesNotMatch</Code>" in r.text
    assert "<Message>" in r.text and "StringToSign" in r.text


def test_v2_client_with_wrong_keys_is_refused(make_s3, bucket):
    wrong_secret = make_s3(signature_version="s3", secret_key="wrong-secret-key")
    with pytest.raises(ClientError) as e:
        wrong_secret.list_objects(Bucket=bucket)
    assert error_code(e.value) == "SignatureDoesNotMatch"
    unknown = make_s3(signature_version="s3", access_key="NOSUCHACCESSKEY")
    with pytest.raises(ClientError) as e:
        unknown.put_object(Bucket=bucket, Key="k", Body=b"x")
    assert error_code(e.value) == "InvalidAccessKeyId"


def test_v2_header_with_skewed_date_is_refused(server, bucket):
    date = time.strftime("%a, %d %b %Y %H:%M:%S GMT", time.gmtime(time.time() - 3600))
    string_to_sign = f"GET\n\n\n{date}\n/{bucket}"
    digest = hmac.new(server.creds.secret_key.encode(), string_to_sign.encode(),
                      hashlib.sha1).digest()
    r = requests.get(f"{server.endpoint}/{bucket}", timeout=10, headers={
        "Date": date,
        "Authorization": f"AWS {server.creds.access_key}:{base64.b64encode(digest).decode()}"})
    assert r.status_code == 403
    assert "<Code>RequestTimeTooSkewed</Code>" in r.text


@pytest.fixture
def s3cmd_v2(server, tmp_path_factory):
    exe = _require_cli("s3cmd")
    home = tmp_path_factory.mktemp("s3cmd-v2")
    config = home / "s3cfg"
    hostport = f"{server.host}:{server.port}"
    config.write_text(
        "[default]\n"
        f"access_key = {server.creds.access_key}\n"
        f"secret_key = {server.creds.secret_key}\n"
        f"host_base = {hostport}\n"
        f"host_bucket = {hostport}\n"
        "bucket_location = us-east-1\n"
        "use_https = False\n"
        "signature_v2 = True\n"
        "check_ssl_certificate = False\n"
        "socket_timeout = 60\n"
    )
    env = _clean_env()
    env["HOME"] = str(home)

    def run(*args, check=True, timeout=120):
        return _run([exe, "-c", str(config), *map(str, args)], env, check, timeout)

    return run


def test_s3cmd_with_signature_v2_puts_lists_and_gets(s3cmd_v2, s3, bucket, tmp_path):
    src = tmp_path / "v2 file.bin"
    data = data_of(200_000)
    src.write_bytes(data)
    s3cmd_v2("put", "--disable-multipart", str(src), f"s3://{bucket}/v2/v2 file.bin")
    assert s3.get_object(Bucket=bucket, Key="v2/v2 file.bin")["Body"].read() == data
    assert f"s3://{bucket}/v2/v2 file.bin" in s3cmd_v2("ls", f"s3://{bucket}/v2/").stdout
    dst = tmp_path / "back.bin"
    s3cmd_v2("get", f"s3://{bucket}/v2/v2 file.bin", str(dst))
    assert dst.read_bytes() == data
    s3cmd_v2("del", f"s3://{bucket}/v2/v2 file.bin")
    assert "Contents" not in s3.list_objects_v2(Bucket=bucket)


def test_v2_signed_by_a_user_acts_as_that_user(server, make_s3, s3, bucket, tmp_path):
    from test_user_access import attach
    from test_users import add_user

    s3.put_object(Bucket=bucket, Key="open/f", Body=b"for users")
    s3.put_object(Bucket=bucket, Key="closed/f", Body=b"root only")
    user, user_creds = add_user(server)
    as_user = make_s3(signature_version="s3", access_key=user_creds.access_key,
                      secret_key=user_creds.secret_key)
    # Not the root: without a policy the user may do nothing.
    with pytest.raises(ClientError) as e:
        as_user.get_object(Bucket=bucket, Key="open/f")
    assert error_code(e.value) == "AccessDenied"
    attach(server, tmp_path, user, "open", [
        {"Effect": "Allow", "Action": "s3:GetObject", "Resource": f"arn:aws:s3:::{bucket}/open/*"}])
    assert as_user.get_object(Bucket=bucket, Key="open/f")["Body"].read() == b"for users"
    with pytest.raises(ClientError) as e:
        as_user.get_object(Bucket=bucket, Key="closed/f")
    assert error_code(e.value) == "AccessDenied"
