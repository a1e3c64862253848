"""Health endpoints answer without credentials; everything else needs them and fails as S3 does."""

import requests

from s3helpers import raw_request, xml_error


def test_health_ready_answers_200_without_auth(endpoint):
    r = requests.get(endpoint + "/health/ready", timeout=10)
    assert r.status_code == 200


def test_health_live_answers_200_without_auth(endpoint):
    r = requests.get(endpoint + "/health/live", timeout=10)
    assert r.status_code == 200


def test_anonymous_list_buckets_is_access_denied_xml(endpoint):
    r = requests.get(endpoint + "/", timeout=10)
    assert r.status_code == 403
    assert xml_error(r.content)["Code"] == "AccessDenied"
    assert "xml" in r.headers.get("Content-Type", "")


def test_anonymous_get_object_is_access_denied(endpoint, s3, bucket):
    s3.put_object(Bucket=bucket, Key="private", Body=b"secret")
    r = requests.get(f"{endpoint}/{bucket}/private", timeout=10)
    assert r.status_code == 403
    assert xml_error(r.content)["Code"] == "AccessDenied"
    assert b"secret" not in r.content


def test_error_responses_carry_a_request_id(endpoint):
    r = requests.get(endpoint + "/", timeout=10)
    assert r.headers.get("x-amz-request-id"), dict(r.headers)


def test_unknown_method_on_a_bucket_answers_an_s3_error(server, bucket):
    r = raw_request(server, "PATCH", f"/{bucket}")
    assert 400 <= r.status_code < 600 and r.status_code != 500, r.status_code
    assert xml_error(r.content)["Code"] in ("MethodNotAllowed", "NotImplemented", "InvalidRequest")


def test_signed_request_to_unknown_subresource_path_answers_an_s3_error(server):
    # A path under a bucket that does not exist: a normal S3 error, never a 500 or a hang.
    r = raw_request(server, "GET", "/no-such-bucket-strata-health/some/key")
    assert r.status_code == 404
    assert xml_error(r.content)["Code"] == "NoSuchBucket"


def test_unknown_route_under_health_answers_an_s3_error_not_200(endpoint):
    r = requests.get(endpoint + "/health/no-such-probe", timeout=10)
    assert 400 <= r.status_code < 500, r.status_code
    assert xml_error(r.content)["Code"]
