#include "api/sigv2.h"

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <catch2/catch.hpp>
#include <string>
#include <vector>

#include "api/http_date.h"
#include "storage/checksum.h"

namespace strata::api {
namespace {

namespace http = boost::beast::http;
using namespace std::chrono_literals;

constexpr std::string_view kAccessKey = "AKIAIOSFODNN7EXAMPLE";
constexpr std::string_view kSecret = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";
const std::vector<std::string> kDomains = {"us-west-1.s3.amazonaws.com", "s3.amazonaws.com"};

using Headers = std::vector<std::pair<std::string, std::string>>;

http::request_header<> MakeRequest(std::string_view method, std::string_view target,
                                   const Headers& headers) {
  http::request_header<> r;
  r.method_string(method);
  r.target(target);
  r.version(11);
  for (const auto& [name, value] : headers) r.insert(name, value);
  return r;
}

SecretLookup Secrets() {
  return [](std::string_view key) -> std::optional<std::string> {
    if (key == kAccessKey) return std::string(kSecret);
    return std::nullopt;
  };
}

SysTime HttpTime(std::string_view text) { return *ParseHttpDate(text); }

S3Errc Verify(const http::request_header<>& r, SysTime now, std::string* message = nullptr,
              const SecretLookup& secrets = Secrets()) {
  auto result = VerifySigV2(r, secrets, kDomains, now, message);
  if (result) return S3Errc::kOk;
  REQUIRE(result.error().category() == S3Category());
  return static_cast<S3Errc>(result.error().value());
}

std::string Auth(std::string_view signature) {
  return "AWS " + std::string(kAccessKey) + ":" + std::string(signature);
}

// The examples of the S3 developer guide, "Signing and authenticating REST requests", section
// "Authentication examples" (bucket awsexamplebucket1, virtual-hosted style).
constexpr std::string_view kExampleHost = "awsexamplebucket1.us-west-1.s3.amazonaws.com";

TEST_CASE("AWS example Object GET verifies, with the bucket taken from the virtual host") {
  auto r = MakeRequest("GET", "/photos/puppy.jpg",
                       {{"Host", std::string(kExampleHost)},
                        {"Date", "Tue, 27 Mar 2007 19:36:42 +0000"},
                        {"Authorization", Auth("qgk2+6Sv9/oM7G3qLEjTH1a1l1g=")}});
  auto result = VerifySigV2(r, Secrets(), kDomains, HttpTime("Tue, 27 Mar 2007 19:40:00 GMT"));
  REQUIRE(result.has_value());
  CHECK(result->access_key == kAccessKey);
  CHECK(result->payload == PayloadKind::kUnsigned);
  CHECK_FALSE(result->presigned);
}

TEST_CASE("AWS example Object PUT verifies with its Content-Type signed") {
  auto r = MakeRequest("PUT", "/photos/puppy.jpg",
                       {{"Host", std::string(kExampleHost)},
                        {"Content-Type", "image/jpeg"},
                        {"Content-Length", "94328"},
                        {"Date", "Tue, 27 Mar 2007 21:15:45 +0000"},
                        {"Authorization", Auth("iqRzw+ileNPu1fhspnRs8nOjjIA=")}});
  CHECK(Verify(r, HttpTime("Tue, 27 Mar 2007 21:15:45 GMT")) == S3Errc::kOk);
}

TEST_CASE("AWS example List verifies and its list parameters are not sub-resources") {
  auto r = MakeRequest("GET", "/?prefix=photos&max-keys=50&marker=puppy",
                       {{"Host", "awsexamplebucket1.s3.us-west-1.amazonaws.com"},
                        {"Date", "Tue, 27 Mar 2007 19:42:41 +0000"},
                        {"Authorization", Auth("m0WP8eCtspQl5Ahe6L1SozdX9YA=")}});
  const std::vector<std::string> domains = {"s3.us-west-1.amazonaws.com"};
  CHECK(VerifySigV2(r, Secrets(), domains, HttpTime("Tue, 27 Mar 2007 19:42:41 GMT")).has_value());
}

TEST_CASE("AWS example Fetch ACL verifies with the acl sub-resource") {
  auto r = MakeRequest("GET", "/?acl",
                       {{"Host", std::string(kExampleHost)},
                        {"Date", "Tue, 27 Mar 2007 19:44:46 +0000"},
                        {"Authorization", Auth("82ZHiFIjc+WbcwFKGUVEQspPn+0=")}});
  CHECK(Verify(r, HttpTime("Tue, 27 Mar 2007 19:44:46 GMT")) == S3Errc::kOk);
}

TEST_CASE("AWS example Delete verifies with x-amz-date overriding Date") {
  // Date is a second later than x-amz-date; the signature covers x-amz-date's value.
  auto r = MakeRequest("DELETE", "/photos/puppy.jpg",
                       {{"Host", "s3.us-west-1.amazonaws.com"},
                        {"Date", "Tue, 27 Mar 2007 21:20:27 +0000"},
                        {"x-amz-date", "Tue, 27 Mar 2007 21:20:26 +0000"},
                        {"Authorization", Auth("XbyTlbQdu9Xw5o8P4iMwPktxQd8=")}});
  // Path style here: the bucket is the first path segment.
  r.target("/awsexamplebucket1/photos/puppy.jpg");
  CHECK(Verify(r, HttpTime("Tue, 27 Mar 2007 21:20:26 GMT")) == S3Errc::kOk);
}

TEST_CASE("AWS example List All My Buckets verifies on the service") {
  auto r = MakeRequest("GET", "/",
                       {{"Host", "s3.us-west-1.amazonaws.com"},
                        {"Date", "Wed, 28 Mar 2007 01:29:59 +0000"},
                        {"Authorization", Auth("qGdzdERIC03wnaRNKh6OqZehG9s=")}});
  CHECK(Verify(r, HttpTime("Wed, 28 Mar 2007 01:29:59 GMT")) == S3Errc::kOk);
}

TEST_CASE("AWS example Unicode keys verify with the path signed as sent") {
  auto r = MakeRequest("GET", "/dictionary/fran%C3%A7ais/pr%c3%a9f%c3%a8re",
                       {{"Host", "s3.us-west-1.amazonaws.com"},
                        {"Date", "Wed, 28 Mar 2007 01:49:49 +0000"},
                        {"Authorization", Auth("DNEZGsoieTZ92F3bUfSPQcbGmlM=")}});
  CHECK(Verify(r, HttpTime("Wed, 28 Mar 2007 01:49:49 GMT")) == S3Errc::kOk);
}

// HMAC-SHA1 in base64, computed here so the tests do not trust the verifier's own helper.
std::string HmacSha1Base64(std::string_view key, std::string_view data) {
  unsigned char out[EVP_MAX_MD_SIZE];
  unsigned int out_len = 0;
  REQUIRE(HMAC(EVP_sha1(), key.data(), static_cast<int>(key.size()),
               reinterpret_cast<const unsigned char*>(data.data()), data.size(), out,
               &out_len) != nullptr);
  return storage::Base64Encode(std::string_view(reinterpret_cast<const char*>(out), out_len));
}

const SysTime kNow = HttpTime("Wed, 01 Jan 2025 12:00:00 GMT");
constexpr std::string_view kNowText = "Wed, 01 Jan 2025 12:00:00 GMT";

// A header-signed request to Host localhost:9000 (path style unless the host names a bucket),
// signed over `string_to_sign`.
http::request_header<> SignedWith(std::string_view method, std::string_view target,
                                  const std::string& string_to_sign, Headers headers,
                                  std::string_view secret = kSecret) {
  auto r = MakeRequest(method, target, headers);
  r.set("Authorization",
        "AWS " + std::string(kAccessKey) + ":" + HmacSha1Base64(secret, string_to_sign));
  return r;
}

TEST_CASE("A request signed with the right secret verifies and one with a wrong secret does not") {
  Headers h = {{"Host", "localhost:9000"}, {"Date", std::string(kNowText)}};
  std::string sts = "GET\n\n\n" + std::string(kNowText) + "\n/b/k";
  CHECK(Verify(SignedWith("GET", "/b/k", sts, h), kNow) == S3Errc::kOk);
  std::string message;
  CHECK(Verify(SignedWith("GET", "/b/k", sts, h, "wrong-secret"), kNow, &message) ==
        S3Errc::kSignatureDoesNotMatch);
  // Like AWS, the error shows the StringToSign the server computed.
  CHECK(message.find("StringToSign: '" + sts + "'") != std::string::npos);
}

TEST_CASE("An unknown access key is InvalidAccessKeyId") {
  auto r = MakeRequest("GET", "/b/k",
                       {{"Host", "localhost"},
                        {"Date", std::string(kNowText)},
                        {"Authorization", "AWS NOSUCHKEY:c2lnbmF0dXJlMDEyMzQ1Njc4OTA="}});
  CHECK(Verify(r, kNow) == S3Errc::kInvalidAccessKeyId);
}

TEST_CASE("The signature covers method, path, Content-MD5, Content-Type and x-amz headers") {
  Headers h = {{"Host", "localhost:9000"},
               {"Date", std::string(kNowText)},
               {"Content-MD5", "XrY7u+Ae7tCTyyK7j1rNww=="},
               {"Content-Type", "text/plain"},
               {"X-Amz-Meta-B", "2"},
               {"x-amz-meta-a", " 1 "},
               {"x-amz-meta-a", "3"}};
  std::string sts = "PUT\nXrY7u+Ae7tCTyyK7j1rNww==\ntext/plain\n" + std::string(kNowText) +
                    "\nx-amz-meta-a:1,3\nx-amz-meta-b:2\n/b/k";
  auto good = SignedWith("PUT", "/b/k", sts, h);
  CHECK(Verify(good, kNow) == S3Errc::kOk);

  auto other_path = good;
  other_path.target("/b/other");
  CHECK(Verify(other_path, kNow) == S3Errc::kSignatureDoesNotMatch);
  auto other_method = good;
  other_method.method_string("DELETE");
  CHECK(Verify(other_method, kNow) == S3Errc::kSignatureDoesNotMatch);
  auto other_type = good;
  other_type.set("Content-Type", "text/html");
  CHECK(Verify(other_type, kNow) == S3Errc::kSignatureDoesNotMatch);
  auto other_meta = good;
  other_meta.set("x-amz-meta-b", "9");
  CHECK(Verify(other_meta, kNow) == S3Errc::kSignatureDoesNotMatch);
}

TEST_CASE("Sub-resources are signed sorted with their values and other parameters are not") {
  Headers h = {{"Host", "localhost:9000"}, {"Date", std::string(kNowText)}};
  std::string sts = "GET\n\n\n" + std::string(kNowText) +
                    "\n/b/k?response-content-type=text/plain&uploadId=u 1&versionId=v1";
  auto r = SignedWith(
      "GET", "/b/k?versionId=v1&max-parts=5&uploadId=u%201&response-content-type=text%2Fplain", sts,
      h);
  CHECK(Verify(r, kNow) == S3Errc::kOk);
  // A sub-resource changed is another request; a non-sub-resource is not signed by V2.
  auto other_version = r;
  other_version.target(
      "/b/k?versionId=v2&max-parts=5&uploadId=u%201&response-content-type=text%2Fplain");
  CHECK(Verify(other_version, kNow) == S3Errc::kSignatureDoesNotMatch);
  auto other_param = r;
  other_param.target(
      "/b/k?versionId=v1&max-parts=9&uploadId=u%201&response-content-type=text%2Fplain");
  CHECK(Verify(other_param, kNow) == S3Errc::kOk);
}

TEST_CASE("Value-less sub-resources are signed by name alone") {
  Headers h = {{"Host", "localhost:9000"}, {"Date", std::string(kNowText)}};
  for (std::string_view sub : {"uploads", "tagging", "retention", "legal-hold", "object-lock",
                               "versioning", "delete", "lifecycle", "cors", "policy"}) {
    std::string target = "/b/k?" + std::string(sub);
    std::string sts = "POST\n\n\n" + std::string(kNowText) + "\n" + target;
    CHECK(Verify(SignedWith("POST", target, sts, h), kNow) == S3Errc::kOk);
    std::string unsigned_sts = "POST\n\n\n" + std::string(kNowText) + "\n/b/k";
    INFO(sub);
    CHECK(Verify(SignedWith("POST", target, unsigned_sts, h), kNow) ==
          S3Errc::kSignatureDoesNotMatch);
  }
}

TEST_CASE("A virtual-hosted bucket is prefixed to the canonical resource") {
  Headers h = {{"Host", "mybucket.localhost:9000"}, {"Date", std::string(kNowText)}};
  const std::vector<std::string> domains = {"localhost"};
  std::string sts = "GET\n\n\n" + std::string(kNowText) + "\n/mybucket/photos/a.jpg";
  auto r = SignedWith("GET", "/photos/a.jpg", sts, h);
  CHECK(VerifySigV2(r, Secrets(), domains, kNow).has_value());
  // Signed without the bucket: refused.
  auto bare = SignedWith("GET", "/photos/a.jpg",
                         "GET\n\n\n" + std::string(kNowText) + "\n/photos/a.jpg", h);
  CHECK_FALSE(VerifySigV2(bare, Secrets(), domains, kNow).has_value());
  // The bucket root is "/bucket/".
  auto root = SignedWith("GET", "/", "GET\n\n\n" + std::string(kNowText) + "\n/mybucket/", h);
  CHECK(VerifySigV2(root, Secrets(), domains, kNow).has_value());
}

TEST_CASE("A path-style bucket is accepted signed with or without its trailing slash") {
  Headers h = {{"Host", "localhost:9000"}, {"Date", std::string(kNowText)}};
  for (std::string_view resource : {"/b", "/b/"}) {
    std::string sts = "GET\n\n\n" + std::string(kNowText) + "\n" + std::string(resource);
    INFO(resource);
    CHECK(Verify(SignedWith("GET", "/b", sts, h), kNow) == S3Errc::kOk);
  }
  // Only the bucket level: an object key is signed as sent.
  std::string sts = "GET\n\n\n" + std::string(kNowText) + "\n/b/k/";
  CHECK(Verify(SignedWith("GET", "/b/k", sts, h), kNow) == S3Errc::kSignatureDoesNotMatch);
}

TEST_CASE("x-amz-date replaces Date: an empty Date line and the header among the amz headers") {
  Headers h = {{"Host", "localhost:9000"},
               {"Date", "Mon, 01 Jan 2001 00:00:00 GMT"},  // ignored: x-amz-date wins
               {"x-amz-date", std::string(kNowText)}};
  std::string sts = "GET\n\n\n\nx-amz-date:" + std::string(kNowText) + "\n/b/k";
  CHECK(Verify(SignedWith("GET", "/b/k", sts, h), kNow) == S3Errc::kOk);
}

TEST_CASE("A header-signed request more than 15 minutes off is RequestTimeTooSkewed") {
  Headers h = {{"Host", "localhost:9000"}, {"Date", std::string(kNowText)}};
  auto r = SignedWith("GET", "/b/k", "GET\n\n\n" + std::string(kNowText) + "\n/b/k", h);
  CHECK(Verify(r, kNow + 14min) == S3Errc::kOk);
  CHECK(Verify(r, kNow + 16min) == S3Errc::kRequestTimeTooSkewed);
  CHECK(Verify(r, kNow - 16min) == S3Errc::kRequestTimeTooSkewed);
}

TEST_CASE("A header-signed request without a usable date is AccessDenied") {
  auto r = MakeRequest("GET", "/b/k", {{"Host", "h"}, {"Authorization", Auth("c2ln")}});
  std::string message;
  CHECK(Verify(r, kNow, &message) == S3Errc::kAccessDenied);
  CHECK(message.find("Date") != std::string::npos);
  r.set("Date", "yesterday");
  CHECK(Verify(r, kNow) == S3Errc::kAccessDenied);
}

TEST_CASE("A malformed V2 Authorization header is InvalidArgument") {
  for (std::string_view bad : {"AWS ", "AWS nocolon", "AWS :sig", "AWS AK:"}) {
    auto r = MakeRequest(
        "GET", "/b/k",
        {{"Host", "h"}, {"Date", std::string(kNowText)}, {"Authorization", std::string(bad)}});
    INFO(bad);
    CHECK(Verify(r, kNow) == S3Errc::kInvalidArgument);
  }
}

// Query-string form: StringToSign has Expires on the Date line.
std::string Presign(std::string_view path, long expires, std::string_view secret = kSecret,
                    std::string_view extra_query = {}) {
  std::string sts = "GET\n\n\n" + std::to_string(expires) + "\n" + std::string(path);
  std::string sig = UriEncode(HmacSha1Base64(secret, sts), true);
  return std::string(path) + "?AWSAccessKeyId=" + std::string(kAccessKey) +
         "&Expires=" + std::to_string(expires) + "&Signature=" + sig + std::string(extra_query);
}

long Epoch(SysTime t) {
  return std::chrono::duration_cast<std::chrono::seconds>(t.time_since_epoch()).count();
}

TEST_CASE("A V2 presigned URL verifies until it expires") {
  const long expires = Epoch(kNow) + 3600;
  auto r = MakeRequest("GET", Presign("/b/k", expires), {{"Host", "localhost:9000"}});
  auto result = VerifySigV2(r, Secrets(), kDomains, kNow);
  REQUIRE(result.has_value());
  CHECK(result->presigned);
  CHECK(result->access_key == kAccessKey);
  CHECK(Verify(r, kNow + 3599s) == S3Errc::kOk);
  std::string message;
  CHECK(Verify(r, kNow + 3601s, &message) == S3Errc::kAccessDenied);
  CHECK(message == "Request has expired");
}

TEST_CASE("A V2 presigned URL with a wrong secret or tampered path is refused") {
  const long expires = Epoch(kNow) + 3600;
  auto wrong = MakeRequest("GET", Presign("/b/k", expires, "nope"), {{"Host", "h"}});
  CHECK(Verify(wrong, kNow) == S3Errc::kSignatureDoesNotMatch);
  std::string target = Presign("/b/k", expires);
  target.replace(0, 4, "/b/x");
  CHECK(Verify(MakeRequest("GET", target, {{"Host", "h"}}), kNow) ==
        S3Errc::kSignatureDoesNotMatch);
}

TEST_CASE("A V2 presigned URL with an unescaped plus in its signature still verifies") {
  // Find an expiry whose signature has a '+', and send it raw (decoded as a space).
  for (long expires = Epoch(kNow) + 60; expires < Epoch(kNow) + 600; ++expires) {
    std::string sig = HmacSha1Base64(kSecret, "GET\n\n\n" + std::to_string(expires) + "\n/b/k");
    if (sig.find('+') == std::string::npos) continue;
    std::string target = "/b/k?AWSAccessKeyId=" + std::string(kAccessKey) +
                         "&Expires=" + std::to_string(expires) + "&Signature=" + sig;
    // '=' padding stays as sent; only '+' matters here.
    CHECK(Verify(MakeRequest("GET", target, {{"Host", "h"}}), kNow) == S3Errc::kOk);
    return;
  }
  FAIL("no signature with a '+' in 540 tries");
}

TEST_CASE("A V2 presigned URL with a bad or missing Expires is AccessDenied") {
  for (std::string_view expires : {"", "soon", "-5", "99999999999999999999"}) {
    auto r = MakeRequest("GET",
                         "/b/k?AWSAccessKeyId=" + std::string(kAccessKey) +
                             "&Expires=" + std::string(expires) + "&Signature=c2ln",
                         {{"Host", "h"}});
    INFO(expires);
    CHECK(Verify(r, kNow) == S3Errc::kAccessDenied);
  }
  auto r = MakeRequest("GET", "/b/k?AWSAccessKeyId=AK&Signature=c2ln", {{"Host", "h"}});
  CHECK(Verify(r, kNow) == S3Errc::kAccessDenied);
}

TEST_CASE("V2 and another auth mechanism together are InvalidArgument") {
  auto r = MakeRequest("GET", "/b/k?AWSAccessKeyId=AK&Expires=1&Signature=c2ln",
                       {{"Host", "h"}, {"Authorization", Auth("c2ln")}});
  CHECK(Verify(r, kNow) == S3Errc::kInvalidArgument);
}

TEST_CASE("Only AWS-prefixed headers and V2 query parameters are classified as SigV2") {
  auto classify = [](std::string_view target, std::string_view authorization) {
    auto r = MakeRequest("GET", target, {{"Host", "h"}});
    if (!authorization.empty()) r.set("Authorization", authorization);
    return IsSigV2Request(r, *ParseTarget(target));
  };
  CHECK(classify("/b", "AWS AK:sig"));
  CHECK_FALSE(classify("/b", "AWS4-HMAC-SHA256 Credential=x"));
  CHECK(classify("/b?AWSAccessKeyId=AK&Expires=1&Signature=s", ""));
  CHECK_FALSE(classify("/b?X-Amz-Signature=s", ""));
  CHECK_FALSE(classify("/b", ""));
}

TEST_CASE("Hostile V2 requests are refused without crashing") {
  std::string long_key(16000, 'A');
  auto r = MakeRequest("GET", "/b/k?" + std::string(5000, '&') + "acl=%ZZ",
                       {{"Host", "h"},
                        {"Date", std::string(kNowText)},
                        {"Authorization", "AWS " + long_key + ":" + std::string(1000, '=')}});
  CHECK(Verify(r, kNow) != S3Errc::kOk);
}

}  // namespace
}  // namespace strata::api
