#include "api/encryption_xml.h"

#include <catch2/catch.hpp>
#include <pugixml.hpp>
#include <string>

#include "api/authorize.h"
#include "api/router.h"

namespace strata::api {
namespace {

namespace http = boost::beast::http;

std::string Doc(std::string_view rule_body) {
  return "<ServerSideEncryptionConfiguration xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\">"
         "<Rule>" +
         std::string(rule_body) + "</Rule></ServerSideEncryptionConfiguration>";
}

constexpr std::string_view kAes256 =
    "<ApplyServerSideEncryptionByDefault><SSEAlgorithm>AES256</SSEAlgorithm>"
    "</ApplyServerSideEncryptionByDefault>";

S3Errc Code(std::string_view xml, std::string* message = nullptr) {
  std::string m;
  auto parsed = ParseEncryptionConfiguration(xml, message ? message : &m);
  return parsed ? S3Errc::kOk : ToS3Error(parsed.error());
}

TEST_CASE("An AES256 default encryption document parses") {
  auto parsed = ParseEncryptionConfiguration(Doc(kAes256), nullptr);
  REQUIRE(parsed.has_value());
  CHECK_FALSE(parsed->bucket_key_enabled);
  // White space, a namespace prefix and no namespace at all are fine.
  CHECK(Code("<s3:ServerSideEncryptionConfiguration xmlns:s3=\"x\">\n <s3:Rule>\n"
             "  <s3:ApplyServerSideEncryptionByDefault><s3:SSEAlgorithm> AES256 "
             "</s3:SSEAlgorithm></s3:ApplyServerSideEncryptionByDefault>\n </s3:Rule>\n"
             "</s3:ServerSideEncryptionConfiguration>") == S3Errc::kOk);
}

TEST_CASE("BucketKeyEnabled is read, kept in the record and rendered back") {
  auto parsed = ParseEncryptionConfiguration(
      Doc(std::string(kAes256) + "<BucketKeyEnabled>true</BucketKeyEnabled>"), nullptr);
  REQUIRE(parsed.has_value());
  CHECK(parsed->bucket_key_enabled);
  BucketEncryption decoded = DecodeBucketEncryption(EncodeBucketEncryption(*parsed));
  CHECK(decoded.bucket_key_enabled);
  CHECK_FALSE(
      DecodeBucketEncryption(EncodeBucketEncryption(BucketEncryption{})).bucket_key_enabled);

  pugi::xml_document doc;
  REQUIRE(doc.load_string(RenderEncryptionConfiguration(decoded).c_str()));
  pugi::xml_node rule = doc.child("ServerSideEncryptionConfiguration").child("Rule");
  CHECK(std::string(rule.child("ApplyServerSideEncryptionByDefault").child_value("SSEAlgorithm")) ==
        "AES256");
  CHECK(std::string(rule.child_value("BucketKeyEnabled")) == "true");
  // The rendered document parses as a request again.
  CHECK(Code(RenderEncryptionConfiguration(decoded)) == S3Errc::kOk);
}

TEST_CASE("An unreadable stored record still means SSE-S3 by default") {
  BucketEncryption config = DecodeBucketEncryption("some future format");
  CHECK_FALSE(config.bucket_key_enabled);
}

TEST_CASE("KMS default encryption is not implemented") {
  std::string message;
  CHECK(Code(Doc("<ApplyServerSideEncryptionByDefault><SSEAlgorithm>aws:kms</SSEAlgorithm>"
                 "<KMSMasterKeyID>arn:aws:kms:us-east-1:1:key/x</KMSMasterKeyID>"
                 "</ApplyServerSideEncryptionByDefault>"),
             &message) == S3Errc::kNotImplemented);
  CHECK_FALSE(message.empty());
  CHECK(Code(Doc("<ApplyServerSideEncryptionByDefault><SSEAlgorithm>aws:kms:dsse</SSEAlgorithm>"
                 "</ApplyServerSideEncryptionByDefault>")) == S3Errc::kNotImplemented);
}

TEST_CASE("A KMS key id with AES256 is InvalidArgument") {
  CHECK(Code(Doc("<ApplyServerSideEncryptionByDefault><SSEAlgorithm>AES256</SSEAlgorithm>"
                 "<KMSMasterKeyID>k</KMSMasterKeyID></ApplyServerSideEncryptionByDefault>")) ==
        S3Errc::kInvalidArgument);
}

TEST_CASE("BlockedEncryptionTypes is refused as not implemented, not ignored") {
  CHECK(Code(Doc(std::string(kAes256) +
                 "<BlockedEncryptionTypes><EncryptionType>SSE-C</EncryptionType>"
                 "</BlockedEncryptionTypes>")) == S3Errc::kNotImplemented);
}

TEST_CASE("Malformed encryption documents are MalformedXML") {
  const std::string two_rules = "<ServerSideEncryptionConfiguration><Rule>" + std::string(kAes256) +
                                "</Rule><Rule>" + std::string(kAes256) +
                                "</Rule></ServerSideEncryptionConfiguration>";
  const char* cases[] = {
      "",
      "not xml",
      "<ServerSideEncryptionConfiguration>",
      "<ServerSideEncryptionConfiguration/>",
      "<Other><Rule/></Other>",
      "<ServerSideEncryptionConfiguration><Rule/></ServerSideEncryptionConfiguration>",
      "<ServerSideEncryptionConfiguration><Rule><ApplyServerSideEncryptionByDefault/></Rule>"
      "</ServerSideEncryptionConfiguration>",
      "<ServerSideEncryptionConfiguration>text<Rule/></ServerSideEncryptionConfiguration>",
      "<ServerSideEncryptionConfiguration><Extra/></ServerSideEncryptionConfiguration>",
  };
  for (const char* xml : cases) {
    INFO(xml);
    CHECK(Code(xml) == S3Errc::kMalformedXML);
  }
  CHECK(Code(two_rules) == S3Errc::kMalformedXML);
  CHECK(Code(Doc("<ApplyServerSideEncryptionByDefault><SSEAlgorithm>AES128</SSEAlgorithm>"
                 "</ApplyServerSideEncryptionByDefault>")) == S3Errc::kMalformedXML);
  CHECK(Code(Doc(std::string(kAes256) + kAes256.data())) == S3Errc::kMalformedXML);
  CHECK(Code(Doc(std::string(kAes256) + "<BucketKeyEnabled>yes</BucketKeyEnabled>")) ==
        S3Errc::kMalformedXML);
  CHECK(Code(Doc(std::string(kAes256) + "<Unknown/>")) == S3Errc::kMalformedXML);
  CHECK(Code(Doc("<ApplyServerSideEncryptionByDefault><SSEAlgorithm><x/></SSEAlgorithm>"
                 "</ApplyServerSideEncryptionByDefault>")) == S3Errc::kMalformedXML);
  // Two roots are not a document.
  CHECK(Code(Doc(kAes256) + Doc(kAes256)) == S3Errc::kMalformedXML);
}

TEST_CASE("Deeply nested and entity-laden documents are refused without harm") {
  std::string nested;
  for (int i = 0; i < 10000; ++i) nested += "<a>";
  for (int i = 0; i < 10000; ++i) nested += "</a>";
  CHECK(Code(Doc(std::string(kAes256) + nested)) == S3Errc::kMalformedXML);
  CHECK(Code(Doc(std::string(kAes256) + std::string(10000, '<'))) == S3Errc::kMalformedXML);
  std::string entities =
      "<!DOCTYPE x [<!ENTITY a \"aaaaaaaaaa\"><!ENTITY b \"&a;&a;&a;&a;&a;&a;&a;&a;\">]>" +
      Doc("<ApplyServerSideEncryptionByDefault><SSEAlgorithm>&b;</SSEAlgorithm>"
          "</ApplyServerSideEncryptionByDefault>");
  CHECK(Code(entities) == S3Errc::kMalformedXML);
}

TEST_CASE("The missing configuration error is AWS's 404") {
  const S3ErrorInfo& info = GetS3ErrorInfo(S3Errc::kServerSideEncryptionConfigurationNotFoundError);
  CHECK(info.code == "ServerSideEncryptionConfigurationNotFoundError");
  CHECK(info.http_status == 404);
}

Route RouteOf(http::verb method, std::string_view target_text, const ParsedTarget** out = nullptr) {
  static std::optional<ParsedTarget> target;
  target = ParseTarget(target_text);
  REQUIRE(target.has_value());
  if (out) *out = &*target;
  http::request_header<> request;
  request.method(method);
  request.target(target_text);
  request.set(http::field::host, "localhost:9000");
  std::vector<std::string> domains = {"localhost"};
  return RouteRequest(request, *target, domains);
}

TEST_CASE("Bucket ?encryption routes to the three encryption operations and their actions") {
  const ParsedTarget* target = nullptr;
  Route put = RouteOf(http::verb::put, "/b?encryption", &target);
  CHECK(put.operation == Operation::kPutBucketEncryption);
  CHECK(ActionFor(put, *target) == "s3:PutEncryptionConfiguration");
  Route get = RouteOf(http::verb::get, "/b?encryption", &target);
  CHECK(get.operation == Operation::kGetBucketEncryption);
  CHECK(ActionFor(get, *target) == "s3:GetEncryptionConfiguration");
  Route del = RouteOf(http::verb::delete_, "/b?encryption=", &target);
  CHECK(del.operation == Operation::kDeleteBucketEncryption);
  CHECK(ActionFor(del, *target) == "s3:PutEncryptionConfiguration");
  CHECK(OperationName(Operation::kGetBucketEncryption) == "GetBucketEncryption");
}

TEST_CASE("?encryption on an object, or with POST, is NotImplemented") {
  CHECK(RouteOf(http::verb::put, "/b/k?encryption").error == S3Errc::kNotImplemented);
  CHECK(RouteOf(http::verb::get, "/b/k?encryption").error == S3Errc::kNotImplemented);
  CHECK(RouteOf(http::verb::post, "/b?encryption").error == S3Errc::kNotImplemented);
}

TEST_CASE("Object writes with encryption headers route as the plain operation") {
  auto route_with = [](http::verb method, std::string_view text, std::string_view header) {
    auto target = ParseTarget(text);
    REQUIRE(target.has_value());
    http::request_header<> request;
    request.method(method);
    request.target(text);
    request.set(http::field::host, "localhost");
    request.set(header, "AES256");
    std::vector<std::string> domains = {"localhost"};
    return RouteRequest(request, *target, domains);
  };
  CHECK(route_with(http::verb::put, "/b/k", "x-amz-server-side-encryption").operation ==
        Operation::kPutObject);
  CHECK(route_with(http::verb::post, "/b/k?uploads", "x-amz-server-side-encryption").operation ==
        Operation::kCreateMultipartUpload);
  CHECK(route_with(http::verb::put, "/b/k?partNumber=1&uploadId=u",
                   "x-amz-server-side-encryption-customer-algorithm")
            .operation == Operation::kUploadPart);
}

}  // namespace
}  // namespace strata::api
