"""SigV4 authentication: header and presigned-URL signatures, clock skew, payload hashes and
aws-chunked uploads with chunk signatures."""

import datetime
import hashlib
import re
import time
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import pytest
import requests
from botocore.exceptions import ClientError

import sigv4_chunked as chunked
from conftest import Creds
from s3helpers import (EMPTY_SHA256, checksum_b64, data_of, error_code, http_status, md5_hex,
                       raw_request, sign_request, xml_error)


def test_wrong_secret_is_signature_does_not_match(make_s3, creds, bucket):
    bad = make_s3(secret_key=creds.secret_key + "x")
    with pytest.raises(ClientError) as e:
        bad.list_objects_v2(Bucket=bucket)
    assert error_code(e.value) == "SignatureDoesNotMatch"
    assert http_status(e.value) == 403


def test_wrong_secret_cannot_write(make_s3, s3, creds, bucket):
    bad = make_s3(secret_key="wrong" + creds.secret_key)
    with pytest.raises(ClientError) as e:
        bad.put_object(Bucket=bucket, Key="k", Body=b"x")
    assert http_status(e.value) == 403
    assert "Contents" not in s3.list_objects_v2(Bucket=bucket)


def test_unknown_access_key_is_invalid_access_key_id(make_s3, bucket):
    bad = make_s3(access_key="AKNOSUCHKEY000000000")
    with pytest.raises(ClientError) as e:
        bad.list_objects_v2(Bucket=bucket)
    assert error_code(e.value) == "InvalidAccessKeyId"
    assert http_status(e.value) == 403


def test_presigned_get_and_put_work_with_plain_http(s3, bucket):
    data = data_of(12345)
    put_url = s3.generate_presigned_url("put_object", Params={"Bucket": bucket, "Key": "p"},
                                        ExpiresIn=300)
    r = requests.put(put_url, data=data, timeout=30)
    assert r.status_code == 200, r.content
    assert r.headers["ETag"] == f'"{md5_hex(data)}"'
    get_url = s3.generate_presigned_url("get_object", Params={"Bucket": bucket, "Key": "p"},
                                        ExpiresIn=300)
    r = requests.get(get_url, timeout=30)
    assert r.status_code == 200
    assert r.content == data


def test_presigned_get_with_response_overrides(s3, bucket):
    s3.put_object(Bucket=bucket, Key="k", Body=b"x")
    url = s3.generate_presigned_url(
        "get_object",
        Params={"Bucket": bucket, "Key": "k", "ResponseContentDisposition": "attachment"})
    r = requests.get(url, timeout=10)
    assert r.status_code == 200
    assert r.headers["Content-Disposition"] == "attachment"


def _with_query(url, **changes):
    parts = urlsplit(url)
    query = dict(parse_qsl(parts.query, keep_blank_values=True))
    query.update(changes)
    return urlunsplit(parts._replace(query=urlencode(query)))


def test_presigned_url_with_tampered_signature_is_403(s3, bucket):
    s3.put_object(Bucket=bucket, Key="k", Body=b"x")
    url = s3.generate_presigned_url("get_object", Params={"Bucket": bucket, "Key": "k"})
    sig = dict(parse_qsl(urlsplit(url).query))["X-Amz-Signature"]
    tampered = _with_query(url, **{"X-Amz-Signature": ("0" if sig[0] != "0" else "1") + sig[1:]})
    r = requests.get(tampered, timeout=10)
    assert r.status_code == 403
    assert xml_error(r.content)["Code"] == "SignatureDoesNotMatch"
    assert r.content != b"x"


def test_presigned_url_for_another_key_is_403(s3, bucket):
    s3.put_object(Bucket=bucket, Key="secret", Body=b"secret")
    url = s3.generate_presigned_url("get_object", Params={"Bucket": bucket, "Key": "public"})
    r = requests.get(url.replace("/public?", "/secret?"), timeout=10)
    assert r.status_code == 403
    assert xml_error(r.content)["Code"] == "SignatureDoesNotMatch"


def test_expired_presigned_url_is_access_denied(s3, bucket):
    s3.put_object(Bucket=bucket, Key="k", Body=b"x")
    url = s3.generate_presigned_url("get_object", Params={"Bucket": bucket, "Key": "k"},
                                    ExpiresIn=1)
    time.sleep(2.1)
    r = requests.get(url, timeout=10)
    assert r.status_code == 403
    assert xml_error(r.content)["Code"] == "AccessDenied"


def test_presigned_expiry_beyond_seven_days_is_refused(s3, bucket):
    s3.put_object(Bucket=bucket, Key="k", Body=b"x")
    url = s3.generate_presigned_url("get_object", Params={"Bucket": bucket, "Key": "k"},
                                    ExpiresIn=604801)
    r = requests.get(url, timeout=10)
    assert r.status_code in (400, 403)
    assert xml_error(r.content)["Code"] in ("AuthorizationQueryParametersError", "AccessDenied")


def test_presigned_expiry_of_exactly_seven_days_works(s3, bucket):
    s3.put_object(Bucket=bucket, Key="k", Body=b"x")
    url = s3.generate_presigned_url("get_object", Params={"Bucket": bucket, "Key": "k"},
                                    ExpiresIn=604800)
    assert requests.get(url, timeout=10).content == b"x"


def test_presigned_url_missing_parameters_is_refused(s3, bucket):
    url = s3.generate_presigned_url("get_object", Params={"Bucket": bucket, "Key": "k"})
    parts = urlsplit(url)
    query = [(k, v) for k, v in parse_qsl(parts.query) if k != "X-Amz-Credential"]
    r = requests.get(urlunsplit(parts._replace(query=urlencode(query))), timeout=10)
    assert r.status_code in (400, 403)
    assert xml_error(r.content)["Code"] in ("AuthorizationQueryParametersError", "AccessDenied")


@pytest.mark.parametrize("minutes", [-20, 20])
def test_clock_skew_over_15_minutes_is_request_time_too_skewed(server, bucket, minutes):
    when = datetime.datetime.utcnow() + datetime.timedelta(minutes=minutes)
    r = raw_request(server, "GET", f"/{bucket}", query={"list-type": "2"}, when=when)
    assert r.status_code == 403
    assert xml_error(r.content)["Code"] == "RequestTimeTooSkewed"


def test_clock_skew_of_5_minutes_is_accepted(server, bucket):
    when = datetime.datetime.utcnow() - datetime.timedelta(minutes=5)
    r = raw_request(server, "GET", f"/{bucket}", query={"list-type": "2"}, when=when)
    assert r.status_code == 200


def test_unsigned_payload_is_accepted(make_s3, s3, bucket):
    client = make_s3(s3={"payload_signing_enabled": False})
    sent = []
    client.meta.events.register("before-send.s3.PutObject",
                                lambda request, **kw: sent.append(request.headers))
    client.put_object(Bucket=bucket, Key="k", Body=b"unsigned body")
    assert sent[-1]["X-Amz-Content-SHA256"] in (b"UNSIGNED-PAYLOAD", "UNSIGNED-PAYLOAD")
    assert s3.get_object(Bucket=bucket, Key="k")["Body"].read() == b"unsigned body"


def test_signed_sha256_payload_is_accepted(server, s3, bucket):
    body = data_of(70_000)
    r = raw_request(server, "PUT", f"/{bucket}/k", body=body)  # hashes the body by default
    assert r.status_code == 200, r.content
    assert s3.get_object(Bucket=bucket, Key="k")["Body"].read() == body


def test_wrong_content_sha256_is_mismatch_and_stores_nothing(server, s3, bucket):
    r = raw_request(server, "PUT", f"/{bucket}/k", body=b"actual body",
                    payload_hash=hashlib.sha256(b"other body").hexdigest())
    assert r.status_code == 400
    assert xml_error(r.content)["Code"] == "XAmzContentSHA256Mismatch"
    assert "Contents" not in s3.list_objects_v2(Bucket=bucket)


def test_malformed_content_sha256_is_refused(server, bucket):
    r = raw_request(server, "PUT", f"/{bucket}/k", body=b"x", payload_hash="not-a-hash")
    assert r.status_code == 400
    assert xml_error(r.content)["Code"] in ("InvalidArgument", "XAmzContentSHA256Mismatch")


def test_missing_content_sha256_is_refused(server, bucket):
    # Sign normally, then drop the header: SigV4 for S3 requires x-amz-content-sha256.
    url = f"{server.endpoint}/{bucket}?list-type=2"
    headers = sign_request("GET", url, server.creds)
    del headers["X-Amz-Content-SHA256"]
    r = requests.get(url, headers=headers, timeout=10)
    assert r.status_code in (400, 403)
    assert xml_error(r.content)["Code"] in ("InvalidRequest", "SignatureDoesNotMatch",
                                            "MissingSecurityHeader", "InvalidArgument")


def test_signature_covers_the_query(server, bucket):
    url = f"{server.endpoint}/{bucket}?list-type=2&prefix=a"
    headers = sign_request("GET", url, server.creds)
    r = requests.get(url.replace("prefix=a", "prefix=b"), headers=headers, timeout=10)
    assert r.status_code == 403
    assert xml_error(r.content)["Code"] == "SignatureDoesNotMatch"


def test_signature_with_wrong_region_is_refused(server, bucket):
    url = f"{server.endpoint}/{bucket}?list-type=2"
    headers = sign_request("GET", url, server.creds, region="eu-west-1")
    r = requests.get(url, headers=headers, timeout=10)
    assert r.status_code in (400, 403)
    assert xml_error(r.content)["Code"] in ("AuthorizationHeaderMalformed",
                                            "SignatureDoesNotMatch")


def test_malformed_authorization_header_is_refused(endpoint, bucket):
    r = requests.get(f"{endpoint}/{bucket}", timeout=10,
                     headers={"Authorization": "AWS4-HMAC-SHA256 garbage",
                              "x-amz-date": "20250101T000000Z",
                              "x-amz-content-sha256": EMPTY_SHA256})
    assert r.status_code in (400, 403)
    assert xml_error(r.content)["Code"] in ("AuthorizationHeaderMalformed", "AccessDenied",
                                            "InvalidArgument")


def test_sigv2_with_an_unknown_key_is_refused_cleanly(endpoint, bucket):
    # SigV2 is served (issue 7, test_sigv2.py); a bad V2 request is an ordinary auth error.
    date = time.strftime("%a, %d %b %Y %H:%M:%S GMT", time.gmtime())
    r = requests.get(f"{endpoint}/{bucket}", timeout=10,
                     headers={"Authorization": "AWS AKIDEXAMPLE:c2lnbmF0dXJl", "Date": date})
    assert r.status_code == 403
    assert xml_error(r.content)["Code"] == "InvalidAccessKeyId"


# --- aws-chunked: STREAMING-AWS4-HMAC-SHA256-PAYLOAD -----------------------------------------


def test_chunk_signer_matches_the_aws_documented_example():
    # Checks the test helper itself against
    # https://docs.aws.amazon.com/AmazonS3/latest/API/sigv4-streaming.html (66560 bytes of 'a').
    creds = Creds("AKIAIOSFODNN7EXAMPLE", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY")
    req = chunked.build_put("https://s3.amazonaws.com/examplebucket/chunkObject.txt", creds,
                            b"a" * 66560, extra_headers={"x-amz-storage-class": "REDUCED_REDUNDANCY"},
                            when=datetime.datetime(2013, 5, 24))
    assert req.headers["Content-Length"] == "66824"
    assert req.seed_signature == "4f232c4386841ef735655705268965c44a0e4690baa4adea153f7db9fa80a0a9"
    assert re.findall(rb"chunk-signature=([0-9a-f]{64})", req.body) == [
        b"ad80c730a21e5b8d04586a2213dd63b9a0e99e0e2307b0ade35a65485a288648",
        b"0055627c9e194cb4542bae2aa5492e3c1575bbb81b612b7d234b86a503ef5497",
        b"b6c6ea8a5354eaf15b3cb7646744f4275b71ea724fed81ceb9323e279d449df9",
    ]
    # The trailer signature, against the vector of the AWS CRT tests.
    key = chunked.signing_key(creds.secret_key, "20130524")
    assert chunked.trailer_signature(
        key, "20130524T000000Z", "20130524/us-east-1/s3/aws4_request",
        "b6c6ea8a5354eaf15b3cb7646744f4275b71ea724fed81ceb9323e279d449df9",
        "first:1st\nsecond:2nd\nthird:3rd\n",
    ) == "df5735bd9f3295cd9386572292562fefc93ba94e80a0a1ddcbd652c4e0a75e6c"


@pytest.mark.parametrize("size,chunk_size", [(0, 65536), (1, 65536), (66560, 65536),
                                             (300_000, 8192), (1024 * 1024 + 7, 65536)])
def test_signed_chunked_upload_round_trips(server, s3, bucket, size, chunk_size):
    data = data_of(size, seed=11)
    r = chunked.put(server, bucket, "k", data, chunk_size=chunk_size)
    assert r.status_code == 200, r.content
    assert r.headers["ETag"] == f'"{md5_hex(data)}"'
    got = s3.get_object(Bucket=bucket, Key="k")
    assert got["Body"].read() == data
    assert "aws-chunked" not in (got.get("ContentEncoding") or "")


def test_signed_chunked_upload_with_metadata(server, s3, bucket):
    data = data_of(20_000)
    r = chunked.put(server, bucket, "k", data,
                    extra_headers={"x-amz-meta-origin": "chunked", "Content-Type": "text/x-c"})
    assert r.status_code == 200, r.content
    head = s3.head_object(Bucket=bucket, Key="k")
    assert head["Metadata"] == {"origin": "chunked"}
    assert head["ContentType"] == "text/x-c"
    assert head["ContentLength"] == len(data)


@pytest.mark.parametrize("chunk", [0, 1, 2])
def test_corrupted_chunk_signature_is_refused_and_nothing_stored(server, s3, bucket, chunk):
    # 3 chunks of data + the final empty chunk (index 3).
    data = data_of(3 * 8192)
    r = chunked.put(server, bucket, "k", data, chunk_size=8192,
                    faults=chunked.Faults(bad_chunk_signature=chunk))
    assert r.status_code == 403
    assert xml_error(r.content)["Code"] == "SignatureDoesNotMatch"
    assert "Contents" not in s3.list_objects_v2(Bucket=bucket)


def test_corrupted_final_chunk_signature_is_refused(server, s3, bucket):
    data = data_of(3 * 8192)
    r = chunked.put(server, bucket, "k", data, chunk_size=8192,
                    faults=chunked.Faults(bad_chunk_signature=3))
    assert r.status_code == 403
    assert xml_error(r.content)["Code"] == "SignatureDoesNotMatch"
    assert "Contents" not in s3.list_objects_v2(Bucket=bucket)


def test_chunk_data_altered_after_signing_is_refused_and_old_object_kept(server, s3, bucket):
    s3.put_object(Bucket=bucket, Key="k", Body=b"old")
    r = chunked.put(server, bucket, "k", data_of(20_000), chunk_size=8192,
                    faults=chunked.Faults(flip_data_byte_in_chunk=1))
    assert r.status_code == 403
    assert xml_error(r.content)["Code"] == "SignatureDoesNotMatch"
    assert s3.get_object(Bucket=bucket, Key="k")["Body"].read() == b"old"


def test_chunks_smaller_than_8_kib_are_refused(server, s3, bucket):
    r = chunked.put(server, bucket, "k", data_of(20_000), chunk_size=1000)
    assert r.status_code in (400, 403)
    assert xml_error(r.content)["Code"] == "InvalidChunkSizeError"
    assert "Contents" not in s3.list_objects_v2(Bucket=bucket)


def test_wrong_decoded_content_length_is_refused(server, s3, bucket):
    data = data_of(20_000)
    url = f"{server.endpoint}/{bucket}/k"
    req = chunked.build_put(url, server.creds, data,
                            extra_headers={"x-amz-decoded-content-length": str(len(data) + 5)})
    r = requests.put(req.url, headers=req.headers, data=req.body, timeout=30)
    assert r.status_code == 400
    assert xml_error(r.content)["Code"] in ("IncompleteBody", "InvalidRequest")
    assert "Contents" not in s3.list_objects_v2(Bucket=bucket)


# --- aws-chunked with trailing checksums ----------------------------------------------------


@pytest.mark.parametrize("kind", [chunked.SIGNED_TRAILER, chunked.UNSIGNED_TRAILER])
@pytest.mark.parametrize("algorithm", ["CRC32", "CRC32C", "CRC64NVME", "SHA256"])
def test_trailer_checksum_upload_round_trips(server, s3, bucket, kind, algorithm):
    data = data_of(100_000, seed=5)
    r = chunked.put(server, bucket, "k", data, kind=kind, checksum_algorithm=algorithm)
    assert r.status_code == 200, r.content
    got = s3.get_object(Bucket=bucket, Key="k", ChecksumMode="ENABLED")
    assert got["Body"].read() == data
    assert got.get("Checksum" + algorithm) == checksum_b64(algorithm, data)


@pytest.mark.parametrize("kind", [chunked.SIGNED_TRAILER, chunked.UNSIGNED_TRAILER])
def test_wrong_trailer_checksum_is_bad_digest(server, s3, bucket, kind):
    r = chunked.put(server, bucket, "k", data_of(30_000), kind=kind,
                    faults=chunked.Faults(bad_trailer_value=True))
    assert r.status_code == 400
    assert xml_error(r.content)["Code"] == "BadDigest"
    assert "Contents" not in s3.list_objects_v2(Bucket=bucket)


def test_bad_trailer_signature_is_refused(server, s3, bucket):
    r = chunked.put(server, bucket, "k", data_of(30_000), kind=chunked.SIGNED_TRAILER,
                    faults=chunked.Faults(bad_trailer_signature=True))
    assert r.status_code == 403
    assert xml_error(r.content)["Code"] == "SignatureDoesNotMatch"
    assert "Contents" not in s3.list_objects_v2(Bucket=bucket)


@pytest.mark.parametrize("kind", [chunked.SIGNED_TRAILER, chunked.UNSIGNED_TRAILER])
def test_declared_trailer_that_never_arrives_is_refused(server, s3, bucket, kind):
    r = chunked.put(server, bucket, "k", data_of(30_000), kind=kind,
                    faults=chunked.Faults(omit_trailer=True))
    assert r.status_code in (400, 403)
    assert xml_error(r.content)["Code"] in ("MalformedTrailerError", "InvalidRequest",
                                            "IncompleteBody", "SignatureDoesNotMatch")
    assert "Contents" not in s3.list_objects_v2(Bucket=bucket)
