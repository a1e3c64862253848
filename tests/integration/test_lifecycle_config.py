"""Put/Get/DeleteBucketLifecycleConfiguration (issue 5) with boto3 and aws-cli: every rule kind
round-trips as AWS returns it, and each validation error answers AWS's code."""

import base64
import datetime
import hashlib
import json

import pytest
from botocore.exceptions import ClientError

from s3helpers import error_code, http_status, raw_request, xml_error

MIN_SIZE_HEADER = "x-amz-transition-default-minimum-object-size"


def put(s3, bucket, rules, **kwargs):
    return s3.put_bucket_lifecycle_configuration(
        Bucket=bucket, LifecycleConfiguration={"Rules": rules}, **kwargs)


def get_rules(s3, bucket):
    return s3.get_bucket_lifecycle_configuration(Bucket=bucket)["Rules"]


def midnight(y, m, d):
    return datetime.datetime(y, m, d, tzinfo=datetime.timezone.utc)


ROUND_TRIP_RULES = [
    # Expiration by days, prefix filter.
    {"ID": "expire-logs", "Status": "Enabled", "Filter": {"Prefix": "logs/"},
     "Expiration": {"Days": 30}},
    # Expiration by date, tag filter, disabled.
    {"ID": "expire-dated", "Status": "Disabled",
     "Filter": {"Tag": {"Key": "stage", "Value": "tmp"}},
     "Expiration": {"Date": midnight(2030, 1, 1)}},
    # Delete-marker cleanup with an empty filter, plus abort of stale uploads.
    {"ID": "markers", "Status": "Enabled", "Filter": {},
     "Expiration": {"ExpiredObjectDeleteMarker": True},
     "AbortIncompleteMultipartUpload": {"DaysAfterInitiation": 7}},
    # Transitions, And of prefix + tags + sizes.
    {"ID": "tiering", "Status": "Enabled",
     "Filter": {"And": {"Prefix": "data/",
                        "Tags": [{"Key": "a", "Value": "1"}, {"Key": "b", "Value": "2"}],
                        "ObjectSizeGreaterThan": 1024, "ObjectSizeLessThan": 10485760}},
     "Transitions": [{"Days": 30, "StorageClass": "STANDARD_IA"},
                     {"Days": 90, "StorageClass": "GLACIER"}]},
    # Transition by date.
    {"ID": "dated-transition", "Status": "Enabled", "Filter": {"ObjectSizeGreaterThan": 0},
     "Transitions": [{"Date": midnight(2031, 6, 1), "StorageClass": "DEEP_ARCHIVE"}]},
    # Noncurrent versions: expiration keeping the newest N, and a transition.
    {"ID": "noncurrent", "Status": "Enabled", "Filter": {"ObjectSizeLessThan": 100},
     "NoncurrentVersionExpiration": {"NoncurrentDays": 1, "NewerNoncurrentVersions": 5},
     "NoncurrentVersionTransitions": [{"NoncurrentDays": 0, "StorageClass": "GLACIER",
                                       "NewerNoncurrentVersions": 2}]},
]


def test_every_rule_kind_round_trips_as_put(s3, bucket):
    r = put(s3, bucket, ROUND_TRIP_RULES)
    assert r["ResponseMetadata"]["HTTPStatusCode"] == 200
    assert r["ResponseMetadata"]["HTTPHeaders"][MIN_SIZE_HEADER] == "all_storage_classes_128K"
    got = s3.get_bucket_lifecycle_configuration(Bucket=bucket)
    assert got["ResponseMetadata"]["HTTPHeaders"][MIN_SIZE_HEADER] == "all_storage_classes_128K"
    assert got["Rules"] == ROUND_TRIP_RULES


def test_a_put_replaces_the_whole_configuration(s3, bucket):
    put(s3, bucket, ROUND_TRIP_RULES)
    only = [{"ID": "only", "Status": "Enabled", "Filter": {"Prefix": "x"},
             "Expiration": {"Days": 1}}]
    put(s3, bucket, only)
    assert get_rules(s3, bucket) == only


def test_a_rule_without_id_gets_one(s3, bucket):
    put(s3, bucket, [{"Status": "Enabled", "Filter": {"Prefix": "a/"}, "Expiration": {"Days": 1}},
                     {"Status": "Enabled", "Filter": {"Prefix": "b/"}, "Expiration": {"Days": 2}}])
    rules = get_rules(s3, bucket)
    assert len(rules) == 2
    assert rules[0]["ID"] and rules[1]["ID"] and rules[0]["ID"] != rules[1]["ID"]
    assert [r["Filter"]["Prefix"] for r in rules] == ["a/", "b/"]


def test_the_legacy_prefix_form_reads_back_as_a_filter(s3, bucket):
    put(s3, bucket, [{"ID": "old", "Prefix": "tmp/", "Status": "Enabled",
                      "Expiration": {"Days": 3}}])
    assert get_rules(s3, bucket) == [{"ID": "old", "Filter": {"Prefix": "tmp/"},
                                      "Status": "Enabled", "Expiration": {"Days": 3}}]


def test_get_without_configuration_is_no_such_lifecycle_configuration(s3, bucket):
    with pytest.raises(ClientError) as e:
        s3.get_bucket_lifecycle_configuration(Bucket=bucket)
    assert error_code(e.value) == "NoSuchLifecycleConfiguration"
    assert http_status(e.value) == 404


def test_delete_removes_it_and_answers_204_even_when_absent(s3, bucket):
    put(s3, bucket, ROUND_TRIP_RULES[:1])
    r = s3.delete_bucket_lifecycle(Bucket=bucket)
    assert r["ResponseMetadata"]["HTTPStatusCode"] == 204
    with pytest.raises(ClientError) as e:
        s3.get_bucket_lifecycle_configuration(Bucket=bucket)
    assert error_code(e.value) == "NoSuchLifecycleConfiguration"
    r = s3.delete_bucket_lifecycle(Bucket=bucket)
    assert r["ResponseMetadata"]["HTTPStatusCode"] == 204


def test_lifecycle_on_a_missing_bucket_is_no_such_bucket(s3):
    for call in (lambda: s3.get_bucket_lifecycle_configuration(Bucket="no-such-bucket-lc"),
                 lambda: s3.delete_bucket_lifecycle(Bucket="no-such-bucket-lc"),
                 lambda: put(s3, "no-such-bucket-lc", ROUND_TRIP_RULES[:1])):
        with pytest.raises(ClientError) as e:
            call()
        assert error_code(e.value) == "NoSuchBucket"


def test_deleting_the_bucket_removes_its_configuration(s3, new_bucket_name):
    s3.create_bucket(Bucket=new_bucket_name)
    put(s3, new_bucket_name, ROUND_TRIP_RULES[:1])
    s3.delete_bucket(Bucket=new_bucket_name)
    s3.create_bucket(Bucket=new_bucket_name)
    try:
        with pytest.raises(ClientError) as e:
            s3.get_bucket_lifecycle_configuration(Bucket=new_bucket_name)
        assert error_code(e.value) == "NoSuchLifecycleConfiguration"
    finally:
        s3.delete_bucket(Bucket=new_bucket_name)


E1 = {"Days": 1}

INVALID = [
    ("days-zero", [{"ID": "r", "Status": "Enabled", "Filter": {}, "Expiration": {"Days": 0}}],
     "InvalidArgument", "'Days' for Expiration action must be a positive integer"),
    ("duplicate-id", [{"ID": "r", "Status": "Enabled", "Filter": {"Prefix": "a"}, "Expiration": E1},
                      {"ID": "r", "Status": "Enabled", "Filter": {"Prefix": "b"}, "Expiration": E1}],
     "InvalidArgument", "Rule ID must be unique. Found same ID for more than one rule"),
    ("id-too-long", [{"ID": "x" * 256, "Status": "Enabled", "Filter": {}, "Expiration": E1}],
     "InvalidArgument", "ID length should not exceed allowed limit of 255"),
    ("no-action", [{"ID": "r", "Status": "Enabled", "Filter": {}}],
     "InvalidRequest", "At least one action needs to be specified in a rule"),
    ("marker-false-only", [{"ID": "r", "Status": "Enabled", "Filter": {},
                            "Expiration": {"ExpiredObjectDeleteMarker": False}}],
     "InvalidRequest", "At least one action needs to be specified in a rule"),
    ("date-not-midnight", [{"ID": "r", "Status": "Enabled", "Filter": {},
                            "Expiration": {"Date": datetime.datetime(
                                2030, 1, 1, 12, tzinfo=datetime.timezone.utc)}}],
     "InvalidArgument", "'Date' must be at midnight GMT"),
    ("marker-with-tags", [{"ID": "r", "Status": "Enabled",
                           "Filter": {"Tag": {"Key": "k", "Value": "v"}},
                           "Expiration": {"ExpiredObjectDeleteMarker": True}}],
     "InvalidRequest", "ExpiredObjectDeleteMarker cannot be specified with Tags."),
    ("abort-with-tags", [{"ID": "r", "Status": "Enabled",
                          "Filter": {"Tag": {"Key": "k", "Value": "v"}},
                          "AbortIncompleteMultipartUpload": {"DaysAfterInitiation": 1}}],
     "InvalidRequest", "AbortIncompleteMultipartUpload cannot be specified with Tags."),
    ("noncurrent-zero", [{"ID": "r", "Status": "Enabled", "Filter": {},
                          "NoncurrentVersionExpiration": {"NoncurrentDays": 0}}],
     "InvalidArgument",
     "'NoncurrentDays' for NoncurrentVersionExpiration action must be a positive integer"),
    ("sizes-inverted", [{"ID": "r", "Status": "Enabled",
                         "Filter": {"And": {"ObjectSizeGreaterThan": 10,
                                            "ObjectSizeLessThan": 5}},
                         "Expiration": E1}],
     "InvalidRequest",
     "'ObjectSizeLessThan' has to be a value greater than 'ObjectSizeGreaterThan'."),
    ("same-class-twice", [{"ID": "r", "Status": "Enabled", "Filter": {},
                           "Transitions": [{"Days": 1, "StorageClass": "GLACIER"},
                                           {"Days": 2, "StorageClass": "GLACIER"}]}],
     "InvalidRequest", "'StorageClass' must be different for 'Transition' actions in same 'Rule'"),
    ("status-invalid", [{"ID": "r", "Status": "invalid", "Filter": {}, "Expiration": E1}],
     "MalformedXML", None),
    ("filter-and-prefix", [{"ID": "r", "Status": "Enabled", "Prefix": "a", "Filter": {},
                            "Expiration": E1}],
     "MalformedXML", None),
    ("unknown-class", [{"ID": "r", "Status": "Enabled", "Filter": {},
                        "Transitions": [{"Days": 1, "StorageClass": "not a class"}]}],
     "MalformedXML", None),
    ("unconfigured-class", [{"ID": "r", "Status": "Enabled", "Filter": {},
                             "Transitions": [{"Days": 1, "StorageClass": "NO_SUCH_TIER"}]}],
     "InvalidStorageClass", None),
]


@pytest.mark.parametrize("name,rules,code,message", INVALID, ids=[c[0] for c in INVALID])
def test_invalid_configurations_answer_awss_errors(s3, bucket, name, rules, code, message):
    with pytest.raises(ClientError) as e:
        put(s3, bucket, rules)
    assert error_code(e.value) == code
    assert http_status(e.value) == 400
    if message is not None:
        assert e.value.response["Error"]["Message"] == message
    # Nothing was stored.
    with pytest.raises(ClientError) as e:
        s3.get_bucket_lifecycle_configuration(Bucket=bucket)
    assert error_code(e.value) == "NoSuchLifecycleConfiguration"


def lifecycle_xml(rules_xml: str) -> bytes:
    return (f'<LifecycleConfiguration xmlns="http://s3.amazonaws.com/doc/2006-03-01/">'
            f'{rules_xml}</LifecycleConfiguration>').encode()


SIMPLE = lifecycle_xml("<Rule><ID>r</ID><Status>Enabled</Status><Filter/>"
                       "<Expiration><Days>1</Days></Expiration></Rule>")


def md5_header(body: bytes) -> dict:
    return {"Content-MD5": base64.b64encode(hashlib.md5(body).digest()).decode()}


def test_put_without_content_md5_or_checksum_is_invalid_request(server, bucket):
    r = raw_request(server, "PUT", f"/{bucket}", query="lifecycle", body=SIMPLE)
    assert r.status_code == 400
    err = xml_error(r.content)
    assert err["Code"] == "InvalidRequest"
    assert err["Message"] == "Missing required header for this request: Content-MD5"


def test_put_with_a_wrong_content_md5_is_bad_digest(server, bucket):
    r = raw_request(server, "PUT", f"/{bucket}", query="lifecycle", body=SIMPLE,
                    headers=md5_header(b"other"))
    assert r.status_code == 400
    assert xml_error(r.content)["Code"] == "BadDigest"


def test_put_with_content_md5_and_a_minimum_size_header_is_accepted(server, bucket):
    headers = md5_header(SIMPLE) | {MIN_SIZE_HEADER: "varies_by_storage_class"}
    r = raw_request(server, "PUT", f"/{bucket}", query="lifecycle", body=SIMPLE, headers=headers)
    assert r.status_code == 200, r.content
    assert r.headers[MIN_SIZE_HEADER] == "varies_by_storage_class"
    bad = md5_header(SIMPLE) | {MIN_SIZE_HEADER: "tiny"}
    r = raw_request(server, "PUT", f"/{bucket}", query="lifecycle", body=SIMPLE, headers=bad)
    assert r.status_code == 400
    assert xml_error(r.content)["Code"] == "InvalidRequest"


def test_1001_rules_are_refused_and_1000_accepted(server, bucket):
    def rules(n):
        return lifecycle_xml("".join(
            f"<Rule><ID>r{i}</ID><Status>Enabled</Status><Filter><Prefix>p{i}/</Prefix></Filter>"
            f"<Expiration><Days>1</Days></Expiration></Rule>" for i in range(n)))
    body = rules(1001)
    r = raw_request(server, "PUT", f"/{bucket}", query="lifecycle", body=body,
                    headers=md5_header(body))
    assert r.status_code == 400
    assert xml_error(r.content)["Code"] == "InvalidRequest"
    body = rules(1000)
    r = raw_request(server, "PUT", f"/{bucket}", query="lifecycle", body=body,
                    headers=md5_header(body))
    assert r.status_code == 200, r.content[:300]


def test_an_oversized_body_is_malformed_xml(server, bucket):
    body = b"<LifecycleConfiguration>" + b" " * (2 * 1024 * 1024) + b"</LifecycleConfiguration>"
    r = raw_request(server, "PUT", f"/{bucket}", query="lifecycle", body=body,
                    headers=md5_header(body), timeout=30)
    assert r.status_code == 400
    assert xml_error(r.content)["Code"] == "MalformedXML"


def test_aws_cli_put_bucket_lifecycle_configuration(aws, s3, bucket, tmp_path):
    config = {"Rules": [{"ID": "cli", "Status": "Enabled", "Filter": {"Prefix": "cli/"},
                         "Transitions": [{"Days": 10, "StorageClass": "GLACIER"}],
                         "AbortIncompleteMultipartUpload": {"DaysAfterInitiation": 2}}]}
    path = tmp_path / "lifecycle.json"
    path.write_text(json.dumps(config))
    aws("s3api", "put-bucket-lifecycle-configuration", "--bucket", bucket,
        "--lifecycle-configuration", f"file://{path}")
    out = aws("s3api", "get-bucket-lifecycle-configuration", "--bucket", bucket).stdout
    assert json.loads(out)["Rules"] == config["Rules"]
    assert get_rules(s3, bucket) == config["Rules"]
