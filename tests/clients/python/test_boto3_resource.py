"""boto3's resource API and its transfer manager (upload_fileobj / download_fileobj)."""

import io

import boto3
import pytest
from boto3.s3.transfer import TransferConfig

from conftest import REGION, client_config, random_bytes

MIB = 1024 * 1024


@pytest.fixture
def resource(server):
    return boto3.session.Session().resource(
        "s3",
        endpoint_url=server.endpoint,
        aws_access_key_id=server.creds.access_key,
        aws_secret_access_key=server.creds.secret_key,
        region_name=REGION,
        config=client_config(),
    )


def test_bucket_objects_filter_lists_by_prefix_across_pages(bucket, resource):
    b = resource.Bucket(bucket)
    for i in range(12):
        b.put_object(Key=f"reports/{i:02d}.csv", Body=f"row {i}\n".encode())
    b.put_object(Key="other/x.csv", Body=b"x")
    keys = [o.key for o in b.objects.filter(Prefix="reports/").page_size(5)]
    assert keys == [f"reports/{i:02d}.csv" for i in range(12)]
    sizes = {o.key: o.size for o in b.objects.filter(Prefix="reports/0")}
    assert sizes == {f"reports/{i:02d}.csv": len(f"row {i}\n") for i in range(10)}
    assert [o.key for o in b.objects.all()][-1] == "reports/11.csv"


def test_object_upload_fileobj_and_download_fileobj_in_multipart(bucket, resource):
    data = random_bytes(12 * MIB + 3, 3)
    cfg = TransferConfig(multipart_threshold=5 * MIB, multipart_chunksize=5 * MIB, max_concurrency=2)
    obj = resource.Object(bucket, "uploads/blob.bin")
    obj.upload_fileobj(io.BytesIO(data), ExtraArgs={"Metadata": {"kind": "blob"}}, Config=cfg)
    obj.reload()
    assert obj.content_length == len(data)
    assert obj.e_tag.strip('"').endswith("-3")  # 5 + 5 + 2 MiB
    assert obj.metadata == {"kind": "blob"}
    out = io.BytesIO()
    obj.download_fileobj(out, Config=cfg)  # ranged GETs of 5 MiB
    assert out.getvalue() == data


def test_object_upload_fileobj_below_the_threshold_is_a_single_put(bucket, resource):
    obj = resource.Object(bucket, "small.txt")
    obj.upload_fileobj(io.BytesIO(b"small"))
    assert obj.get()["Body"].read() == b"small"
    assert "-" not in obj.e_tag


def test_objects_filter_delete_removes_a_prefix_in_one_batch(bucket, resource):
    b = resource.Bucket(bucket)
    for i in range(7):
        b.put_object(Key=f"tmp/{i}", Body=b"x")
    b.put_object(Key="keep", Body=b"k")
    result = b.objects.filter(Prefix="tmp/").delete()  # DeleteObjects
    assert sum(len(r.get("Deleted", [])) for r in result) == 7
    assert [o.key for o in b.objects.all()] == ["keep"]


def test_object_copy_from_copies_body_and_metadata(bucket, resource):
    src = resource.Object(bucket, "orig.txt")
    src.put(Body=b"original", Metadata={"a": "1"})
    dst = resource.Object(bucket, "copy.txt")
    dst.copy_from(CopySource={"Bucket": bucket, "Key": "orig.txt"})
    assert dst.get()["Body"].read() == b"original"
    assert dst.metadata == {"a": "1"}
