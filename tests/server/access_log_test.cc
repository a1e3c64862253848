// The access log's JSON lines: fields, secrets stripped from the target, claimed access keys.
#include "server/access_log.h"

#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

using strata::server::ClaimedAccessKey;
using strata::server::FormatAccessLogLine;
using strata::server::LineWriter;
using strata::server::RedactTarget;
using strata::server::RequestRecord;

namespace http = boost::beast::http;

TEST_CASE("presigned SigV4 signature and credential values are redacted, the rest kept") {
  std::string target =
      "/b/k?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKID%2F20260101%2Fus-east-1%2Fs3"
      "%2Faws4_request&X-Amz-Date=20260101T000000Z&X-Amz-Expires=60&X-Amz-SignedHeaders=host"
      "&X-Amz-Signature=0123abcd&partNumber=2";
  std::string r = RedactTarget(target);
  CHECK(r ==
        "/b/k?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=REDACTED&X-Amz-Date="
        "20260101T000000Z&X-Amz-Expires=60&X-Amz-SignedHeaders=host&X-Amz-Signature=REDACTED"
        "&partNumber=2");
  CHECK(r.find("0123abcd") == std::string::npos);
  CHECK(r.find("AKID") == std::string::npos);
}

TEST_CASE("redaction matches names case-insensitively and percent-encoded, and covers SigV2") {
  CHECK(RedactTarget("/b/k?x-amz-signature=aa&X%2DAmz%2DSignature=bb") ==
        "/b/k?x-amz-signature=REDACTED&X%2DAmz%2DSignature=REDACTED");
  CHECK(RedactTarget("/b/k?AWSAccessKeyId=AK&Expires=1&Signature=c2ln") ==
        "/b/k?AWSAccessKeyId=REDACTED&Expires=1&Signature=REDACTED");
  CHECK(RedactTarget("/b/k?X-Amz-Security-Token=tok") == "/b/k?X-Amz-Security-Token=REDACTED");
}

TEST_CASE("targets without secrets are unchanged, odd query shapes included") {
  for (const char* t : {"/", "/b/k", "/b?list-type=2&prefix=a%2Fb", "/b?", "/b?&&=", "/b?uploads",
                        "/b?X-Amz-Signature", "/b?a=1&&b=2"}) {
    CHECK(RedactTarget(t) == t);
  }
}

TEST_CASE("the claimed access key comes from the Authorization header or the query") {
  http::request_header<> h;
  h.set(http::field::authorization,
        "AWS4-HMAC-SHA256 Credential=AKIAEXAMPLE/20260101/us-east-1/s3/aws4_request, "
        "SignedHeaders=host, Signature=abc");
  CHECK(ClaimedAccessKey(h) == "AKIAEXAMPLE");
  h.set(http::field::authorization, "AWS AKV2:c2lnbmF0dXJl");
  CHECK(ClaimedAccessKey(h) == "AKV2");
  h.erase(http::field::authorization);
  h.target(
      "/b/k?X-Amz-Credential=AKQ%2F20260101%2Fus-east-1%2Fs3%2Faws4_request&X-Amz-Signature=1");
  CHECK(ClaimedAccessKey(h) == "AKQ");
  h.target("/b/k?AWSAccessKeyId=AKOLD&Signature=x");
  CHECK(ClaimedAccessKey(h) == "AKOLD");
  h.target("/b/k");
  CHECK(ClaimedAccessKey(h).empty());
  h.set(http::field::authorization, "Bearer something");
  CHECK(ClaimedAccessKey(h).empty());
}

TEST_CASE("a huge claimed access key is cut to 128 characters") {
  http::request_header<> h;
  h.set(http::field::authorization, "AWS4-HMAC-SHA256 Credential=" + std::string(10000, 'A'));
  CHECK(ClaimedAccessKey(h).size() == 128);
  h.erase(http::field::authorization);
  h.target("/b?X-Amz-Credential=" + std::string(10000, 'B'));
  CHECK(ClaimedAccessKey(h).size() == 128);
}

TEST_CASE("an access log line is one JSON object with every field and no secrets") {
  RequestRecord r;
  r.time = std::chrono::system_clock::time_point(std::chrono::milliseconds(1767225600123));
  r.request_id = "0123456789ABCDEF";
  r.remote = "127.0.0.1";
  r.method = "GET";
  r.target = "/b/k?X-Amz-Credential=AK%2Fx&X-Amz-Signature=deadbeef";
  r.operation = "GetObject";
  r.access_key = "AK";
  r.user_agent = "aws-cli/2";
  r.status = 206;
  r.bytes_in = 0;
  r.bytes_out = 1024;
  r.duration = std::chrono::microseconds(1500);
  r.tls = true;
  std::string line = FormatAccessLogLine(r);
  CHECK(line.find('\n') == std::string::npos);
  CHECK(line.find("deadbeef") == std::string::npos);
  auto j = nlohmann::json::parse(line);
  CHECK(j["time"] == "2026-01-01T00:00:00.123Z");
  CHECK(j["level"] == "info");
  CHECK(j["request_id"] == "0123456789ABCDEF");
  CHECK(j["remote"] == "127.0.0.1");
  CHECK(j["method"] == "GET");
  CHECK(j["path"] == "/b/k?X-Amz-Credential=REDACTED&X-Amz-Signature=REDACTED");
  CHECK(j["operation"] == "GetObject");
  CHECK(j["status"] == 206);
  CHECK(j["bytes_in"] == 0);
  CHECK(j["bytes_out"] == 1024);
  CHECK(j["duration_ms"] == Approx(1.5));
  CHECK(j["access_key"] == "AK");
  CHECK(j["user_agent"] == "aws-cli/2");
  CHECK(j["tls"] == true);
}

TEST_CASE("invalid UTF-8 and control characters from the client still give valid JSON") {
  RequestRecord r;
  r.target = std::string("/b/\xff\xfe\x01key\"\n");
  r.user_agent = "\x80\x81";
  std::string line = FormatAccessLogLine(r);
  CHECK(line.find('\n') == std::string::npos);
  CHECK_NOTHROW(nlohmann::json::parse(line));
}

TEST_CASE("a file line writer appends whole lines and refuses an unopenable path") {
  auto path = std::filesystem::temp_directory_path() /
              ("strata-access-log-test-" + std::to_string(::getpid()) + ".log");
  std::filesystem::remove(path);
  {
    std::string error;
    auto w = LineWriter::OpenFile(path.string(), &error);
    REQUIRE(w);
    w->Write("{\"a\":1}");
    w->Write("{\"b\":2}");
  }
  {
    auto w = LineWriter::OpenFile(path.string(), nullptr);
    REQUIRE(w);
    w->Write("{\"c\":3}");
  }
  std::ifstream in(path);
  std::string all((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  CHECK(all == "{\"a\":1}\n{\"b\":2}\n{\"c\":3}\n");
  std::filesystem::remove(path);
  std::string error;
  CHECK_FALSE(LineWriter::OpenFile("/nonexistent-dir-strata/x.log", &error));
  CHECK(error.find("/nonexistent-dir-strata/x.log") != std::string::npos);
}

TEST_CASE("an access-log line of plain fields is exactly what the JSON library would write") {
  // The common case is formatted by hand; it must stay byte-identical to nlohmann's compact
  // dump of the same ordered fields, whatever the duration.
  for (int64_t us : {int64_t{0}, int64_t{1}, int64_t{1500}, int64_t{2'000'000},
                     int64_t{100'000'000}, int64_t{123'456'789'012}}) {
    RequestRecord r;
    r.time = std::chrono::system_clock::time_point(std::chrono::milliseconds(1767225600123));
    r.request_id = "0123456789ABCDEF";
    r.remote = "::1";
    r.method = "PUT";
    r.target = "/bucket/some/key?partNumber=2&uploadId=abc";
    r.operation = "UploadPart";
    r.access_key = "AKIAEXAMPLE";
    r.user_agent = "MinIO (linux; amd64) minio-go/v7.0.70";
    r.status = 200;
    r.bytes_in = 5242880;
    r.bytes_out = 0;
    r.duration = std::chrono::microseconds(us);
    r.tls = us % 2 == 0;
    std::string line = FormatAccessLogLine(r);
    CAPTURE(line);
    CHECK(nlohmann::ordered_json::parse(line).dump() == line);
    CHECK(nlohmann::json::parse(line)["duration_ms"] == Approx(static_cast<double>(us) / 1000));
  }
}
