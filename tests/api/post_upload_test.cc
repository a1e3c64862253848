#include "api/post_upload.h"

#include <catch2/catch.hpp>
#include <chrono>
#include <string>

#include "api/hmac.h"
#include "api/router.h"
#include "api/sigv4_canonical.h"
#include "api/uri.h"
#include "storage/checksum.h"
#include "tests/api/piece_source_fake.h"

namespace strata::api {
namespace {

using std::chrono::system_clock;
using testing::PieceSource;

const std::string kBoundary = "----WebKitFormBoundary7MA4YWxkTrZu0gW";

std::string Part(const std::string& name, const std::string& value) {
  return "--" + kBoundary + "\r\nContent-Disposition: form-data; name=\"" + name + "\"\r\n\r\n" +
         value + "\r\n";
}

std::string FilePart(const std::string& filename, const std::string& data) {
  return "--" + kBoundary + "\r\nContent-Disposition: form-data; name=\"file\"; filename=\"" +
         filename + "\"\r\nContent-Type: text/plain\r\n\r\n" + data + "\r\n--" + kBoundary +
         "--\r\n";
}

std::string ReadAll(storage::ByteSource& source, boost::system::error_code* error = nullptr) {
  std::string out;
  std::array<std::byte, 7> chunk;  // odd size: reads straddle the delimiter
  for (;;) {
    auto n = source.Read(chunk);
    if (!n) {
      if (error) *error = n.error();
      return out;
    }
    if (*n == 0) return out;
    out.append(reinterpret_cast<const char*>(chunk.data()), *n);
  }
}

std::string Base64(const std::string& s) { return storage::Base64Encode(s); }

PostForm FormWith(std::initializer_list<std::pair<std::string, std::string>> fields) {
  PostForm form;
  for (const auto& [name, value] : fields) {
    form.fields[name] = value;
    form.order.push_back(name);
  }
  return form;
}

const system_clock::time_point kNow = system_clock::from_time_t(1'800'000'000);  // 2027

PostPolicy Policy(const std::string& conditions,
                  const std::string& expiration = "2030-01-01T00:00:00.000Z") {
  std::string json = R"({"expiration": ")" + expiration + R"(", "conditions": )" + conditions + "}";
  std::string message;
  auto policy = ParsePostPolicy(Base64(json), &message);
  INFO(message);
  REQUIRE(policy.has_value());
  return *policy;
}

Route RoutePost(const std::string& target_text, const std::string& content_type) {
  boost::beast::http::request_header<> request;
  request.method(boost::beast::http::verb::post);
  request.target(target_text);
  request.set(boost::beast::http::field::host, "localhost");
  if (!content_type.empty()) request.set(boost::beast::http::field::content_type, content_type);
  auto target = ParseTarget(target_text);
  REQUIRE(target.has_value());
  return RouteRequest(request, *target, {});
}

TEST_CASE("POST on a bucket with a form body routes to PostObject, other POSTs do not") {
  Route form = RoutePost("/b", "multipart/form-data; boundary=x");
  CHECK(form.operation == Operation::kPostObject);
  CHECK(form.bucket == "b");
  CHECK(OperationName(form.operation) == "PostObject");
  CHECK(RoutePost("/b", "").operation == Operation::kUnsupported);
  CHECK(RoutePost("/b", "application/xml").operation == Operation::kUnsupported);
  CHECK(RoutePost("/b?delete", "multipart/form-data; boundary=x").operation ==
        Operation::kDeleteObjects);
  CHECK(RoutePost("/b/k", "multipart/form-data; boundary=x").operation == Operation::kUnsupported);
}

TEST_CASE("The boundary is read from a multipart/form-data Content-Type") {
  CHECK(FormDataBoundary("multipart/form-data; boundary=abc") == "abc");
  CHECK(FormDataBoundary("Multipart/Form-Data; charset=utf-8; boundary=\"a b;c\"") == "a b;c");
  CHECK_FALSE(FormDataBoundary("multipart/form-data"));
  CHECK_FALSE(FormDataBoundary("application/x-www-form-urlencoded; boundary=abc"));
  CHECK_FALSE(FormDataBoundary("multipart/form-data; boundary=" + std::string(71, 'x')));
}

TEST_CASE("Fields and the file are read whatever the read sizes") {
  std::string data = "hello\r\n--" + kBoundary.substr(0, 10) + " not a delimiter\r\n";
  std::string body = "preamble\r\n" + Part("key", "a/${filename}") + Part("Policy", "cG9s") +
                     FilePart("x.txt", data) + "epilogue";
  for (size_t piece : {1, 2, 3, 5, 13, 64, 4096}) {
    INFO("piece " << piece);
    PieceSource source(body, piece);
    FormDataReader reader(source, kBoundary);
    std::string message;
    auto form = reader.ReadFields(&message);
    INFO(message);
    REQUIRE(form.has_value());
    CHECK(form->fields.at("key") == "a/${filename}");
    CHECK(form->fields.at("policy") == "cG9s");  // names are case-insensitive
    CHECK(form->filename == "x.txt");
    CHECK(form->file_content_type == "text/plain");
    CHECK(PostObjectKey(*form) == "a/x.txt");
    boost::system::error_code error;
    CHECK(ReadAll(reader.file(), &error) == data);
    CHECK_FALSE(error);
  }
}

TEST_CASE("A body that starts directly with the delimiter and has an empty file is read") {
  std::string body = Part("key", "k") + FilePart("", "");
  PieceSource source(body, 3);
  FormDataReader reader(source, kBoundary);
  auto form = reader.ReadFields(nullptr);
  REQUIRE(form.has_value());
  CHECK(ReadAll(reader.file()).empty());
}

TEST_CASE("A form without a file part is refused") {
  std::string body = Part("key", "k") + "--" + kBoundary + "--\r\n";
  PieceSource source(body);
  FormDataReader reader(source, kBoundary);
  std::string message;
  auto form = reader.ReadFields(&message);
  REQUIRE_FALSE(form.has_value());
  CHECK(form.error() == make_error_code(S3Errc::kInvalidArgument));
  CHECK(message == "POST requires exactly one file upload per request.");
}

TEST_CASE("A body cut short is a malformed POST request") {
  SECTION("in the fields") {
    std::string body = Part("key", "k").substr(0, 50);
    PieceSource source(body);
    FormDataReader reader(source, kBoundary);
    auto form = reader.ReadFields(nullptr);
    REQUIRE_FALSE(form.has_value());
    CHECK(form.error() == make_error_code(S3Errc::kMalformedPOSTRequest));
  }
  SECTION("in the file") {
    std::string body = Part("key", "k") + FilePart("f", "data-data");
    body.resize(body.find("data-data") + 5);
    PieceSource source(body);
    FormDataReader reader(source, kBoundary);
    REQUIRE(reader.ReadFields(nullptr).has_value());
    boost::system::error_code error;
    ReadAll(reader.file(), &error);
    CHECK(error == make_error_code(S3Errc::kMalformedPOSTRequest));
  }
  SECTION("with no delimiter at all") {
    PieceSource source(std::string(100000, 'x'));
    FormDataReader reader(source, kBoundary);
    auto form = reader.ReadFields(nullptr);
    REQUIRE_FALSE(form.has_value());
    CHECK(form.error() == make_error_code(S3Errc::kMalformedPOSTRequest));
  }
}

TEST_CASE("A part without a field name is a malformed POST request") {
  std::string body =
      "--" + kBoundary + "\r\nContent-Disposition: form-data\r\n\r\nv\r\n" + FilePart("f", "d");
  PieceSource source(body);
  FormDataReader reader(source, kBoundary);
  auto form = reader.ReadFields(nullptr);
  REQUIRE_FALSE(form.has_value());
  CHECK(form.error() == make_error_code(S3Errc::kMalformedPOSTRequest));
}

TEST_CASE("Oversized fields are refused before the file is read") {
  SECTION("a policy over 20 KiB") {
    std::string body =
        Part("policy", std::string(kMaxPostPolicySize + 1, 'a')) + FilePart("f", "d");
    PieceSource source(body);
    FormDataReader reader(source, kBoundary);
    auto form = reader.ReadFields(nullptr);
    REQUIRE_FALSE(form.has_value());
    CHECK(form.error() == make_error_code(S3Errc::kMaxPostPreDataLengthExceededError));
  }
  SECTION("fields over 64 KiB together") {
    std::string body;
    for (int i = 0; i < 5; ++i)
      body += Part("x-ignore-" + std::to_string(i), std::string(15000, 'a'));
    body += FilePart("f", "d");
    PieceSource source(body);
    FormDataReader reader(source, kBoundary);
    auto form = reader.ReadFields(nullptr);
    REQUIRE_FALSE(form.has_value());
    CHECK(form.error() == make_error_code(S3Errc::kMaxPostPreDataLengthExceededError));
  }
  SECTION("part headers that never end") {
    std::string body = "--" + kBoundary + "\r\nX: " + std::string(100000, 'a');
    PieceSource source(body);
    FormDataReader reader(source, kBoundary);
    auto form = reader.ReadFields(nullptr);
    REQUIRE_FALSE(form.has_value());
    CHECK(form.error() == make_error_code(S3Errc::kMalformedPOSTRequest));
    CHECK(source.served() < 30000);  // bounded: it stopped reading
  }
}

TEST_CASE("A policy that is not base64 JSON with expiration and conditions is invalid") {
  std::string message;
  CHECK(ParsePostPolicy("!!!", &message).error() ==
        make_error_code(S3Errc::kInvalidPolicyDocument));
  CHECK(ParsePostPolicy(Base64("{not json"), &message).error() ==
        make_error_code(S3Errc::kInvalidPolicyDocument));
  CHECK(ParsePostPolicy(Base64(R"({"conditions": []})"), &message).error() ==
        make_error_code(S3Errc::kInvalidPolicyDocument));
  CHECK(ParsePostPolicy(Base64(R"({"expiration": "2030-01-01T00:00:00Z"})"), &message).error() ==
        make_error_code(S3Errc::kInvalidPolicyDocument));
  CHECK(ParsePostPolicy(Base64(R"({"expiration": "2030-01-01T00:00:00Z",
      "conditions": [["matches", "$key", "x"]]})"),
                        &message)
            .error() == make_error_code(S3Errc::kInvalidPolicyDocument));
}

TEST_CASE("An expired policy denies access") {
  PostPolicy policy = Policy(R"([{"key": "k"}])", "2020-01-01T00:00:00Z");
  std::string message;
  auto ec = CheckPostPolicy(policy, FormWith({{"key", "k"}}), "b", kNow, &message);
  CHECK(ec == make_error_code(S3Errc::kAccessDenied));
  CHECK(message == "Invalid according to Policy: Policy expired.");
}

TEST_CASE("eq and starts-with conditions pass matching fields and deny others") {
  PostPolicy policy = Policy(
      R"([{"bucket": "b"}, ["starts-with", "$key", "uploads/"], ["eq", "$Content-Type", "text/plain"],
          {"success_action_status": "201"}])");
  std::string message;
  PostForm good = FormWith(
      {{"key", "uploads/a"}, {"content-type", "text/plain"}, {"success_action_status", "201"}});
  CHECK_FALSE(CheckPostPolicy(policy, good, "b", kNow, &message));
  CHECK(CheckPostPolicy(policy, good, "other", kNow, &message) ==
        make_error_code(S3Errc::kAccessDenied));
  PostForm bad_key = good;
  bad_key.fields["key"] = "elsewhere/a";
  CHECK(CheckPostPolicy(policy, bad_key, "b", kNow, &message) ==
        make_error_code(S3Errc::kAccessDenied));
  CHECK(message.starts_with("Invalid according to Policy: Policy Condition failed:"));
  PostForm bad_type = good;
  bad_type.fields["content-type"] = "text/html";
  CHECK(CheckPostPolicy(policy, bad_type, "b", kNow, &message) ==
        make_error_code(S3Errc::kAccessDenied));
}

TEST_CASE("A field no condition covers denies access, except the exempt ones") {
  PostPolicy policy = Policy(R"([["starts-with", "$key", ""]])");
  std::string message;
  CHECK_FALSE(CheckPostPolicy(
      policy,
      FormWith({{"key", "k"}, {"policy", "p"}, {"x-amz-signature", "s"}, {"x-ignore-me", "1"}}),
      "b", kNow, &message));
  CHECK(CheckPostPolicy(policy, FormWith({{"key", "k"}, {"x-amz-meta-a", "1"}}), "b", kNow,
                        &message) == make_error_code(S3Errc::kAccessDenied));
  CHECK(message == "Invalid according to Policy: Extra input fields: x-amz-meta-a");
}

TEST_CASE("content-length-range is parsed from numbers or strings") {
  PostPolicy policy = Policy(R"([["content-length-range", 10, "20"]])");
  CHECK(policy.min_length == 10u);
  CHECK(policy.max_length == 20u);
  std::string message;
  auto negative = ParsePostPolicy(Base64(R"({"expiration": "2030-01-01T00:00:00Z",
                 "conditions": [["content-length-range", -1, 5]]})"),
                                  &message);
  CHECK(negative.error() == make_error_code(S3Errc::kInvalidPolicyDocument));
}

TEST_CASE("The length range is enforced while the file streams") {
  SECTION("too large fails as soon as the maximum is passed") {
    PieceSource in(std::string(100, 'a'), 10);
    LengthRangeSource limited(in, 0, 25);
    boost::system::error_code error;
    std::string read = ReadAll(limited, &error);
    CHECK(error == make_error_code(S3Errc::kEntityTooLarge));
    CHECK(in.served() <= 35);
  }
  SECTION("too small fails at the end") {
    PieceSource in(std::string(5, 'a'));
    LengthRangeSource limited(in, 10, 25);
    boost::system::error_code error;
    ReadAll(limited, &error);
    CHECK(error == make_error_code(S3Errc::kEntityTooSmall));
  }
  SECTION("within the range passes everything") {
    PieceSource in(std::string(25, 'a'), 4);
    LengthRangeSource limited(in, 25, 25);
    boost::system::error_code error;
    CHECK(ReadAll(limited, &error).size() == 25);
    CHECK_FALSE(error);
  }
}

TEST_CASE("A V4 form signature is the hex HMAC of the policy under the signing key") {
  PostForm form = FormWith({{"policy", "cG9saWN5"},
                            {"x-amz-algorithm", "AWS4-HMAC-SHA256"},
                            {"x-amz-credential", "AKID/20260101/us-east-1/s3/aws4_request"},
                            {"x-amz-date", "20260101T000000Z"},
                            {"x-amz-signature", "00"}});
  std::string key = sigv4::DeriveSigningKey("secret", "20260101", "us-east-1", "s3");
  form.fields["x-amz-signature"] = HexLower(HmacSha256(key, "cG9saWN5"));
  std::string message;
  auto creds = ReadPostCredentials(form, "us-east-1", &message);
  REQUIRE(creds.has_value());
  CHECK(creds->kind == PostCredentials::Kind::kV4);
  CHECK(creds->access_key == "AKID");
  CHECK(PostSignatureMatches(*creds, "secret", "cG9saWN5"));
  CHECK_FALSE(PostSignatureMatches(*creds, "other", "cG9saWN5"));
  CHECK_FALSE(PostSignatureMatches(*creds, "secret", "cG9saWN6"));
  CHECK(ReadPostCredentials(form, "eu-west-1", &message).error() ==
        make_error_code(S3Errc::kAuthorizationQueryParametersError));
}

TEST_CASE("A V4 form's x-amz-date must be a date on its credential's day") {
  for (const char* date : {"20260102T000000Z", "20251231T235959Z", "2026-01-01", "junk", ""}) {
    INFO(date);
    PostForm form = FormWith({{"policy", "cG9saWN5"},
                              {"x-amz-algorithm", "AWS4-HMAC-SHA256"},
                              {"x-amz-credential", "AKID/20260101/us-east-1/s3/aws4_request"},
                              {"x-amz-date", date},
                              {"x-amz-signature", "00"}});
    std::string message;
    CHECK(ReadPostCredentials(form, "us-east-1", &message).error() ==
          make_error_code(S3Errc::kInvalidArgument));
    CHECK_FALSE(message.empty());
  }
}

TEST_CASE("A V2 form signature is the base64 HMAC-SHA1 of the policy") {
  // RFC 2202 test case 2 for HMAC-SHA1.
  PostForm form = FormWith({{"policy", "what do ya want for nothing?"},
                            {"awsaccesskeyid", "AKID"},
                            {"signature", storage::Base64Encode(std::string(
                                              "\xef\xfc\xdf\x6a\xe5\xeb\x2f\xa2\xd2\x74\x16\xd5"
                                              "\xf1\x84\xdf\x9c\x25\x9a\x7c\x79",
                                              20))}});
  auto creds = ReadPostCredentials(form, "us-east-1", nullptr);
  REQUIRE(creds.has_value());
  CHECK(creds->kind == PostCredentials::Kind::kV2);
  CHECK(PostSignatureMatches(*creds, "Jefe", "what do ya want for nothing?"));
  CHECK_FALSE(PostSignatureMatches(*creds, "Jeff", "what do ya want for nothing?"));
}

TEST_CASE("A form without signature fields is anonymous; half a signature is refused") {
  auto none = ReadPostCredentials(FormWith({{"key", "k"}}), "us-east-1", nullptr);
  REQUIRE(none.has_value());
  CHECK(none->kind == PostCredentials::Kind::kNone);
  auto half = ReadPostCredentials(FormWith({{"policy", "p"}, {"x-amz-signature", "ab"}}),
                                  "us-east-1", nullptr);
  CHECK(half.error() == make_error_code(S3Errc::kInvalidArgument));
  auto no_policy = ReadPostCredentials(FormWith({{"awsaccesskeyid", "A"}, {"signature", "s"}}),
                                       "us-east-1", nullptr);
  CHECK(no_policy.error() == make_error_code(S3Errc::kInvalidArgument));
}

}  // namespace
}  // namespace strata::api
