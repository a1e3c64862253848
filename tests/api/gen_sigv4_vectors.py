#!/usr/bin/env python3
"""Signs S3 requests with botocore and prints them as C++ test data for sigv4_test.cc.

Not run by CI: its output is pasted into tests/api/sigv4_test.cc (kBotocoreVectors and
kBotocorePresigned) so the server's canonicalization is checked against a real client. Requests
are captured at botocore's "before-send" hook, so no network is used; the clock is frozen.

    python3 tests/api/gen_sigv4_vectors.py > /tmp/vectors.inc
"""
import datetime
import io
import json
from unittest import mock

import botocore.auth
import botocore.awsrequest
import botocore.session
from botocore.config import Config

ACCESS_KEY = "AKIAIOSFODNN7EXAMPLE"
SECRET_KEY = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
NOW = datetime.datetime(2024, 3, 1, 12, 30, 45)
ENDPOINT = "http://127.0.0.1:9000"

ENDPOINT_TLS = "https://127.0.0.1:9000"
# Headers botocore sends but never signs and whose values change per run.
UNSIGNED_NOISE = {"user-agent", "amz-sdk-invocation-id", "amz-sdk-request"}

captured = []


def capture(request, **kwargs):
    body = request.body
    if hasattr(body, "read"):
        body = body.read()
    if isinstance(body, str):
        body = body.encode()
    captured.append((request, body or b""))
    return botocore.awsrequest.AWSResponse(request.url, 200, {}, io.BytesIO(b""))


def c_string(data):
    """A C++ string literal for arbitrary bytes."""
    if isinstance(data, str):
        data = data.encode("utf-8")
    out = []
    for b in data:
        ch = chr(b)
        if ch == '"' or ch == "\\":
            out.append("\\" + ch)
        elif 32 <= b < 127 and ch != "?":  # '?' avoids trigraph warnings
            out.append(ch)
        else:
            out.append('\\x%02x""' % b)
    return '"' + "".join(out) + '"'


def emit(name, request, body):
    url = request.url
    target = url.split("127.0.0.1:9000", 1)[1]
    headers = [(k, v if isinstance(v, str) else v.decode()) for k, v in request.headers.items()
               if k.lower() not in UNSIGNED_NOISE]
    if not any(k.lower() == "host" for k, _ in headers):
        headers.append(("Host", "127.0.0.1:9000"))
    print("    {%s, %s, %s,\n     {%s},\n     %s}," % (
        c_string(name), c_string(request.method), c_string(target),
        ", ".join("{%s, %s}" % (c_string(k), c_string(v)) for k, v in headers),
        c_string(body)))


def main():
    session = botocore.session.get_session()
    def make_client(endpoint):
        c = session.create_client(
            "s3", region_name="us-east-1", endpoint_url=endpoint,
            aws_access_key_id=ACCESS_KEY, aws_secret_access_key=SECRET_KEY,
            config=Config(signature_version="s3v4", s3={"addressing_style": "path"},
                          retries={"max_attempts": 1}))
        c.meta.events.register("before-send.s3", capture)
        return c

    client = make_client(ENDPOINT)
    # Over TLS botocore streams uploads as aws-chunked with an unsigned CRC32 trailer.
    tls_client = make_client(ENDPOINT_TLS)
    with mock.patch.object(botocore.auth, "get_current_datetime", return_value=NOW):
        cases = [
            ("get key with spaces", lambda: client.get_object(Bucket="bucket", Key="my key.txt")),
            ("get key with plus", lambda: client.get_object(Bucket="bucket", Key="a+b=c&d.txt")),
            ("get key with percent", lambda: client.get_object(Bucket="bucket", Key="100%/x%2Fy")),
            ("get unicode key", lambda: client.get_object(Bucket="bucket", Key="dir/été/日本語.bin")),
            ("get key with reserved chars",
             lambda: client.get_object(Bucket="bucket", Key="!$'()*,;:@[]~^`{}|\\ \"<>#")),
            ("get key with double slash", lambda: client.get_object(Bucket="bucket", Key="a//b/./c/../d")),
            ("get with range and version",
             lambda: client.get_object(Bucket="bucket", Key="k", Range="bytes=0-9", VersionId="v+1/2=")),
            ("get with response overrides",
             lambda: client.get_object(Bucket="bucket", Key="k",
                                       ResponseContentDisposition='attachment; filename="a b+c.txt"',
                                       ResponseContentType="text/plain; charset=utf-8")),
            ("list with special prefix",
             lambda: client.list_objects_v2(Bucket="bucket", Prefix="a b+c/é&=?", Delimiter="/",
                                            StartAfter="x~y*z")),
            ("list uploads", lambda: client.list_multipart_uploads(Bucket="bucket", Prefix="p")),
            ("put small object sha256",
             lambda: client.put_object(Bucket="bucket", Key="dir/file one.txt", Body=b"hello world\n",
                                       ContentType="text/plain", Metadata={"Color": "  blue   green "})),
            ("put object with checksum",
             lambda: client.put_object(Bucket="bucket", Key="obj", Body=b"x" * 1000,
                                       ChecksumAlgorithm="CRC32")),
            ("put streaming unsigned trailer",
             lambda: tls_client.put_object(Bucket="bucket", Key="big one",
                                           Body=io.BytesIO(b"0123456789" * 100))),
            ("delete objects",
             lambda: client.delete_objects(Bucket="bucket", Delete={"Objects": [{"Key": "a"}]})),
        ]
        print("// Generated by tests/api/gen_sigv4_vectors.py with botocore %s; clock %sZ." % (
            botocore.__version__, NOW.isoformat()))
        print("const BotocoreRequest kBotocoreVectors[] = {")
        for name, call in cases:
            captured.clear()
            try:
                call()
            except Exception:  # the fake response cannot be parsed for every operation
                pass
            request, body = captured[-1]
            emit(name, request, body)
        print("};")

        print("const BotocoreRequest kBotocorePresigned[] = {")
        presigned = [
            ("presigned get", "get_object", {"Bucket": "bucket", "Key": "my key+1/é.txt"}, 3600),
            ("presigned put", "put_object", {"Bucket": "bucket", "Key": "up load"}, 600),
            ("presigned get with overrides", "get_object",
             {"Bucket": "bucket", "Key": "k", "ResponseContentDisposition": "inline; x=1+2"}, 60),
        ]
        for name, op, params, expires in presigned:
            url = client.generate_presigned_url(op, Params=params, ExpiresIn=expires)
            req = botocore.awsrequest.AWSRequest(
                method="GET" if op.startswith("get") else "PUT", url=url,
                headers={"Host": "127.0.0.1:9000"})
            emit(name, req, b"")
        print("};")


if __name__ == "__main__":
    main()
