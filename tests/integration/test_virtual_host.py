"""Virtual-hosted-style addressing: BUCKET.localhost:PORT/KEY."""

import pytest
import requests
from botocore.exceptions import ClientError

from s3helpers import data_of, error_code, md5_hex, sign_request


def test_virtual_host_put_get_head_list_delete(s3_virtual, s3, bucket):
    data = data_of(50_000)
    put = s3_virtual.put_object(Bucket=bucket, Key="dir/file name+é", Body=data)
    assert put["ETag"] == f'"{md5_hex(data)}"'
    # Seen the same through path style.
    assert s3.get_object(Bucket=bucket, Key="dir/file name+é")["Body"].read() == data
    assert s3_virtual.get_object(Bucket=bucket, Key="dir/file name+é")["Body"].read() == data
    assert s3_virtual.head_object(Bucket=bucket, Key="dir/file name+é")["ContentLength"] == len(data)
    r = s3_virtual.list_objects_v2(Bucket=bucket, Prefix="dir/")
    assert [o["Key"] for o in r["Contents"]] == ["dir/file name+é"]
    s3_virtual.delete_object(Bucket=bucket, Key="dir/file name+é")
    assert "Contents" not in s3.list_objects_v2(Bucket=bucket)


def test_virtual_host_sends_the_bucket_in_the_host_header(s3_virtual, bucket):
    hosts = []
    s3_virtual.meta.events.register(
        "before-send.s3.ListObjectsV2",
        lambda request, **kw: hosts.append(request.url))
    s3_virtual.list_objects_v2(Bucket=bucket)
    assert hosts and hosts[-1].startswith(f"http://{bucket}.localhost:")


def test_virtual_host_missing_bucket_is_no_such_bucket(s3_virtual):
    with pytest.raises(ClientError) as e:
        s3_virtual.list_objects_v2(Bucket="no-such-bucket-virtual-host")
    assert error_code(e.value) == "NoSuchBucket"


def test_virtual_host_with_key_that_looks_like_a_bucket(s3_virtual, s3, bucket):
    s3_virtual.put_object(Bucket=bucket, Key=bucket, Body=b"x")
    assert [o["Key"] for o in s3.list_objects_v2(Bucket=bucket)["Contents"]] == [bucket]


def test_raw_virtual_host_request_to_loopback(server, s3, bucket):
    # The Host header alone selects the bucket, whatever address the connection went to.
    s3.put_object(Bucket=bucket, Key="k", Body=b"via host header")
    url = f"http://{bucket}.localhost:{server.port}/k"
    headers = sign_request("GET", url, server.creds)
    r = requests.get(f"http://127.0.0.1:{server.port}/k",
                     headers={**headers, "Host": f"{bucket}.localhost:{server.port}"}, timeout=10)
    assert r.status_code == 200, r.content
    assert r.content == b"via host header"
