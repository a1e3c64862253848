"""CORS (issue 9): Put/Get/DeleteBucketCors with boto3, the unauthenticated preflight (OPTIONS)
allowed and denied, and the Access-Control-* headers on actual requests: a signed GET, an
error answer, and a presigned PUT as a browser would send it."""

import requests
from botocore.exceptions import ClientError

from s3helpers import error_code, http_status, xml_error

APP = "https://app.example.com"

RULES = [
    {"ID": "uploads", "AllowedOrigins": [APP], "AllowedMethods": ["PUT", "POST", "GET"],
     "AllowedHeaders": ["content-type", "x-amz-*"], "ExposeHeaders": ["ETag"],
     "MaxAgeSeconds": 600},
    {"ID": "reads", "AllowedOrigins": ["*"], "AllowedMethods": ["GET", "HEAD"]},
]


def put_rules(s3, bucket, rules=RULES):
    s3.put_bucket_cors(Bucket=bucket, CORSConfiguration={"CORSRules": rules})


def preflight(endpoint, path, origin, method, headers=None):
    h = {"Origin": origin, "Access-Control-Request-Method": method}
    if headers:
        h["Access-Control-Request-Headers"] = headers
    return requests.options(f"{endpoint}/{path}", headers=h, timeout=10)


def test_cors_configuration_round_trips_and_is_deleted(s3, bucket):
    try:
        s3.get_bucket_cors(Bucket=bucket)
        raise AssertionError("a new bucket has no CORS configuration")
    except ClientError as e:
        assert error_code(e) == "NoSuchCORSConfiguration"
        assert http_status(e) == 404
    put_rules(s3, bucket)
    rules = s3.get_bucket_cors(Bucket=bucket)["CORSRules"]
    assert rules == RULES
    put_rules(s3, bucket, RULES[1:])  # replaces
    assert s3.get_bucket_cors(Bucket=bucket)["CORSRules"] == RULES[1:]
    s3.delete_bucket_cors(Bucket=bucket)
    try:
        s3.get_bucket_cors(Bucket=bucket)
        raise AssertionError("the configuration was deleted")
    except ClientError as e:
        assert error_code(e) == "NoSuchCORSConfiguration"
    s3.delete_bucket_cors(Bucket=bucket)  # absent: still 204


def test_invalid_cors_rules_answer_aws_errors(s3, bucket):
    for rules, code in [
        ([{"AllowedOrigins": ["*"], "AllowedMethods": ["PATCH"]}], "InvalidRequest"),
        ([{"AllowedOrigins": ["http://*.*.example"], "AllowedMethods": ["GET"]}], "InvalidRequest"),
        ([{"AllowedOrigins": ["*"], "AllowedMethods": ["GET"], "ExposeHeaders": ["*"]}],
         "InvalidRequest"),
        ([{"AllowedOrigins": ["*"], "AllowedMethods": ["GET"]}] * 101, "InvalidRequest"),
        ([], "MalformedXML"),
    ]:
        try:
            put_rules(s3, bucket, rules)
            raise AssertionError(f"accepted {rules[:1]}")
        except ClientError as e:
            assert error_code(e) == code, rules[:1]
    try:
        s3.get_bucket_cors(Bucket="no-such-bucket-cors")
        raise AssertionError("no bucket")
    except ClientError as e:
        assert error_code(e) == "NoSuchBucket"


def test_preflight_is_allowed_without_credentials(s3, bucket, endpoint):
    put_rules(s3, bucket)
    r = preflight(endpoint, f"{bucket}/photos/cat.jpg", APP, "PUT", "Content-Type, X-Amz-Date")
    assert r.status_code == 200, r.text
    assert r.headers["Access-Control-Allow-Origin"] == APP
    assert r.headers["Access-Control-Allow-Methods"] == "PUT, POST, GET"
    assert r.headers["Access-Control-Allow-Headers"] == "content-type, x-amz-date"
    assert r.headers["Access-Control-Expose-Headers"] == "ETag"
    assert r.headers["Access-Control-Max-Age"] == "600"
    assert "Origin" in r.headers["Vary"]
    # The second rule: any origin may GET; the answer says "*".
    r = preflight(endpoint, f"{bucket}/k", "https://elsewhere.example", "GET")
    assert r.status_code == 200
    assert r.headers["Access-Control-Allow-Origin"] == "*"


def test_preflight_is_denied_unless_a_rule_allows_it(s3, bucket, endpoint):
    r = preflight(endpoint, f"{bucket}/k", APP, "PUT")
    assert r.status_code == 403
    assert "CORS is not enabled for this bucket" in xml_error(r.content)["Message"]
    put_rules(s3, bucket)
    for origin, method, headers in [
        ("https://evil.example", "PUT", None),  # origin allowed only to GET/HEAD
        (APP, "DELETE", None),  # method of no rule
        (APP, "PUT", "authorization"),  # header of no rule
    ]:
        r = preflight(endpoint, f"{bucket}/k", origin, method, headers)
        assert r.status_code == 403, (origin, method, headers)
        err = xml_error(r.content)
        assert err["Code"] == "AccessForbidden"
        assert err["Message"].startswith("CORSResponse: This CORS request is not allowed")
        assert "Access-Control-Allow-Origin" not in r.headers
    r = requests.options(f"{endpoint}/{bucket}/k", headers={"Origin": APP}, timeout=10)
    assert r.status_code == 400
    assert xml_error(r.content)["Code"] == "BadRequest"


def test_actual_requests_from_an_allowed_origin_get_cors_headers(s3, bucket, endpoint):
    put_rules(s3, bucket)
    s3.put_object(Bucket=bucket, Key="hello.txt", Body=b"hi")

    def add_origin(request, **_):
        request.headers["Origin"] = APP

    s3.meta.events.register("before-sign.s3.GetObject", add_origin)
    try:
        got = s3.get_object(Bucket=bucket, Key="hello.txt")
    finally:
        s3.meta.events.unregister("before-sign.s3.GetObject", add_origin)
    headers = got["ResponseMetadata"]["HTTPHeaders"]
    assert headers["access-control-allow-origin"] == APP
    assert headers["access-control-expose-headers"] == "ETag"
    # An unauthenticated GET is refused, and the browser can still read why.
    r = requests.get(f"{endpoint}/{bucket}/hello.txt", headers={"Origin": APP}, timeout=10)
    assert r.status_code == 403
    assert r.headers["Access-Control-Allow-Origin"] == APP
    # No Origin, or one no rule allows to DELETE: no CORS headers.
    r = requests.get(f"{endpoint}/{bucket}/hello.txt", timeout=10)
    assert "Access-Control-Allow-Origin" not in r.headers


def test_a_presigned_put_from_the_browser_gets_cors_headers(s3, bucket, endpoint):
    put_rules(s3, bucket)
    url = s3.generate_presigned_url(
        "put_object", Params={"Bucket": bucket, "Key": "upload.bin"}, ExpiresIn=300)
    path = url.split(endpoint, 1)[1].split("?", 1)[0].lstrip("/")
    pre = preflight(endpoint, path, APP, "PUT", "content-type")
    assert pre.status_code == 200
    r = requests.put(url, data=b"from the browser",
                     headers={"Origin": APP, "Content-Type": "application/octet-stream"},
                     timeout=10)
    assert r.status_code == 200, r.text
    assert r.headers["Access-Control-Allow-Origin"] == APP
    assert r.headers["Access-Control-Expose-Headers"] == "ETag"
    body = s3.get_object(Bucket=bucket, Key="upload.bin")["Body"].read()
    assert body == b"from the browser"


def test_deleting_the_bucket_deletes_its_cors_configuration(s3, new_bucket_name):
    s3.create_bucket(Bucket=new_bucket_name)
    put_rules(s3, new_bucket_name)
    s3.delete_bucket(Bucket=new_bucket_name)
    s3.create_bucket(Bucket=new_bucket_name)
    try:
        try:
            s3.get_bucket_cors(Bucket=new_bucket_name)
            raise AssertionError("a re-created bucket starts without CORS")
        except ClientError as e:
            assert error_code(e) == "NoSuchCORSConfiguration"
    finally:
        s3.delete_bucket(Bucket=new_bucket_name)
