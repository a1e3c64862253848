#include "api/router.h"

#include <catch2/catch.hpp>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

namespace strata::api {
namespace {

namespace http = boost::beast::http;

struct Case {
  http::verb method;
  std::string host;
  std::string target;
  Operation operation;
  std::string bucket;
  std::string key;
  S3Errc error;
};

Route RouteOf(http::verb method, const std::string& host, const std::string& target_text,
              const std::vector<std::string>& domains = {"localhost", "s3.example.com"}) {
  http::request_header<> request;
  request.method(method);
  request.target(target_text);
  if (!host.empty()) request.set(http::field::host, host);
  auto target = ParseTarget(target_text);
  REQUIRE(target.has_value());
  return RouteRequest(request, *target, domains);
}

TEST_CASE("Requests route to the operation, bucket and key they name") {
  using http::verb;
  using O = Operation;
  constexpr S3Errc ok = S3Errc::kOk;
  constexpr S3Errc ni = S3Errc::kNotImplemented;
  auto c = GENERATE(values<Case>({
      // Path style.
      {verb::get, "127.0.0.1:9000", "/", O::kListBuckets, "", "", ok},
      {verb::put, "127.0.0.1:9000", "/photos", O::kCreateBucket, "photos", "", ok},
      {verb::put, "127.0.0.1:9000", "/photos/", O::kCreateBucket, "photos", "", ok},
      {verb::head, "127.0.0.1", "/photos", O::kHeadBucket, "photos", "", ok},
      {verb::delete_, "127.0.0.1", "/photos", O::kDeleteBucket, "photos", "", ok},
      {verb::get, "127.0.0.1", "/photos?location", O::kGetBucketLocation, "photos", "", ok},
      {verb::get, "127.0.0.1", "/photos", O::kListObjects, "photos", "", ok},
      {verb::get, "127.0.0.1", "/photos?prefix=a%2F&delimiter=%2F", O::kListObjects, "photos", "",
       ok},
      {verb::get, "127.0.0.1", "/photos?list-type=2&max-keys=2", O::kListObjectsV2, "photos", "",
       ok},
      {verb::put, "127.0.0.1", "/photos/2024/a.jpg", O::kPutObject, "photos", "2024/a.jpg", ok},
      {verb::get, "127.0.0.1", "/photos/2024/a.jpg", O::kGetObject, "photos", "2024/a.jpg", ok},
      {verb::head, "127.0.0.1", "/photos/a", O::kHeadObject, "photos", "a", ok},
      {verb::delete_, "127.0.0.1", "/photos/a", O::kDeleteObject, "photos", "a", ok},
      // Keys keep every slash and decoded byte.
      {verb::get, "127.0.0.1", "/photos/a//b/", O::kGetObject, "photos", "a//b/", ok},
      {verb::get, "127.0.0.1", "/photos/a%20b%3Fc", O::kGetObject, "photos", "a b?c", ok},
      // Virtual-hosted style, with and without port, any case.
      {verb::get, "photos.localhost:9000", "/", O::kListObjects, "photos", "", ok},
      {verb::get, "photos.LOCALHOST", "/a/b", O::kGetObject, "photos", "a/b", ok},
      {verb::put, "my.bucket.s3.example.com", "/k", O::kPutObject, "my.bucket", "k", ok},
      {verb::get, "s3.example.com", "/b/k", O::kGetObject, "b", "k", ok},
      {verb::get, "localhost:9000", "/", O::kListBuckets, "", "", ok},
      {verb::get, "[::1]:9000", "/b", O::kListObjects, "b", "", ok},
      // Not subresources: auth, SDK and response-override parameters.
      {verb::get, "localhost", "/b/k?response-content-type=text%2Fplain&x-id=GetObject",
       O::kGetObject, "b", "k", ok},
      {verb::get, "localhost", "/b/k?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Signature=ab",
       O::kGetObject, "b", "k", ok},
      {verb::get, "localhost", "/b/k?versionId=null", O::kGetObject, "b", "k", ok},
      // Multipart uploads, batch delete, attributes, parts of objects.
      {verb::post, "localhost", "/b/k?uploads", O::kCreateMultipartUpload, "b", "k", ok},
      {verb::post, "localhost", "/b/k?uploads=", O::kCreateMultipartUpload, "b", "k", ok},
      {verb::put, "localhost", "/b/k?partNumber=1&uploadId=x", O::kUploadPart, "b", "k", ok},
      {verb::put, "localhost", "/b/k?uploadId=x&partNumber=10000", O::kUploadPart, "b", "k", ok},
      {verb::post, "localhost", "/b/k?uploadId=x", O::kCompleteMultipartUpload, "b", "k", ok},
      {verb::delete_, "localhost", "/b/k?uploadId=x", O::kAbortMultipartUpload, "b", "k", ok},
      {verb::get, "localhost", "/b/k?uploadId=x&max-parts=2", O::kListParts, "b", "k", ok},
      {verb::get, "localhost", "/b?uploads&prefix=a", O::kListMultipartUploads, "b", "", ok},
      {verb::get, "b.localhost", "/?uploads", O::kListMultipartUploads, "b", "", ok},
      {verb::post, "localhost", "/b?delete", O::kDeleteObjects, "b", "", ok},
      {verb::post, "b.localhost", "/?delete", O::kDeleteObjects, "b", "", ok},
      {verb::get, "localhost", "/b/k?attributes", O::kGetObjectAttributes, "b", "k", ok},
      {verb::get, "localhost", "/b/k?partNumber=1", O::kGetObject, "b", "k", ok},
      {verb::head, "localhost", "/b/k?partNumber=2", O::kHeadObject, "b", "k", ok},
      // Governance (issue 4): versioning, tagging, object lock.
      {verb::put, "localhost", "/b?versioning", O::kPutBucketVersioning, "b", "", ok},
      {verb::get, "localhost", "/b?versioning", O::kGetBucketVersioning, "b", "", ok},
      {verb::get, "localhost", "/b?versions&prefix=a", O::kListObjectVersions, "b", "", ok},
      {verb::get, "b.localhost", "/?versions", O::kListObjectVersions, "b", "", ok},
      {verb::get, "localhost", "/b/k?versionId=3HL4kqtJlcpXroDTDmJ", O::kGetObject, "b", "k", ok},
      {verb::head, "localhost", "/b/k?versionId=v1", O::kHeadObject, "b", "k", ok},
      {verb::delete_, "localhost", "/b/k?versionId=v1", O::kDeleteObject, "b", "k", ok},
      {verb::get, "localhost", "/b/k?attributes&versionId=v1", O::kGetObjectAttributes, "b", "k",
       ok},
      {verb::put, "localhost", "/b/k?tagging", O::kPutObjectTagging, "b", "k", ok},
      {verb::get, "localhost", "/b/k?tagging&versionId=v1", O::kGetObjectTagging, "b", "k", ok},
      {verb::delete_, "localhost", "/b/k?tagging", O::kDeleteObjectTagging, "b", "k", ok},
      {verb::put, "localhost", "/b?tagging", O::kPutBucketTagging, "b", "", ok},
      {verb::get, "localhost", "/b?tagging", O::kGetBucketTagging, "b", "", ok},
      {verb::delete_, "localhost", "/b?tagging", O::kDeleteBucketTagging, "b", "", ok},
      {verb::put, "localhost", "/b?object-lock", O::kPutObjectLockConfiguration, "b", "", ok},
      {verb::get, "localhost", "/b?object-lock", O::kGetObjectLockConfiguration, "b", "", ok},
      {verb::put, "localhost", "/b?lifecycle", O::kPutBucketLifecycleConfiguration, "b", "", ok},
      {verb::get, "localhost", "/b?lifecycle", O::kGetBucketLifecycleConfiguration, "b", "", ok},
      {verb::delete_, "localhost", "/b?lifecycle", O::kDeleteBucketLifecycle, "b", "", ok},
      {verb::put, "localhost", "/b?cors", O::kPutBucketCors, "b", "", ok},
      {verb::get, "localhost", "/b?cors", O::kGetBucketCors, "b", "", ok},
      {verb::delete_, "localhost", "/b?cors", O::kDeleteBucketCors, "b", "", ok},
      {verb::options, "localhost", "/b/k", O::kPreflightCors, "b", "k", ok},
      {verb::options, "localhost", "/b?acl", O::kPreflightCors, "b", "", ok},
      {verb::put, "localhost", "/b/k?retention", O::kPutObjectRetention, "b", "k", ok},
      {verb::get, "localhost", "/b/k?retention&versionId=v", O::kGetObjectRetention, "b", "k", ok},
      {verb::put, "localhost", "/b/k?legal-hold", O::kPutObjectLegalHold, "b", "k", ok},
      {verb::get, "localhost", "/b/k?legal-hold", O::kGetObjectLegalHold, "b", "k", ok},
      // Governance subresources where they mean nothing.
      {verb::head, "localhost", "/b/k?tagging", O::kUnsupported, "b", "k", ni},
      {verb::post, "localhost", "/b/k?retention", O::kUnsupported, "b", "k", ni},
      {verb::delete_, "localhost", "/b?versioning", O::kUnsupported, "b", "", ni},
      {verb::put, "localhost", "/b/k?versions", O::kUnsupported, "b", "k", ni},
      {verb::delete_, "localhost", "/b/k?legal-hold", O::kUnsupported, "b", "k", ni},
      {verb::get, "localhost", "/b?retention", O::kUnsupported, "b", "", ni},
      {verb::get, "localhost", "/b?versionId=v1", O::kUnsupported, "b", "", ni},
      {verb::put, "localhost", "/b/k?versionId=v1", O::kUnsupported, "b", "k", ni},
      {verb::put, "localhost", "/b/k?partNumber=1&uploadId=x&versionId=v", O::kUnsupported, "b",
       "k", ni},
      {verb::get, "localhost", "/?versionId=v1", O::kUnsupported, "", "", ni},
      // Served subresources where they name no operation.
      {verb::put, "localhost", "/b/k?partNumber=1", O::kUnsupported, "b", "k", ni},
      {verb::put, "localhost", "/b/k?uploadId=x", O::kUnsupported, "b", "k", ni},
      {verb::put, "localhost", "/b?uploads", O::kUnsupported, "b", "", ni},
      {verb::get, "localhost", "/b?delete", O::kUnsupported, "b", "", ni},
      {verb::delete_, "localhost", "/b?uploads", O::kUnsupported, "b", "", ni},
      {verb::head, "localhost", "/b/k?uploadId=x", O::kUnsupported, "b", "k", ni},
      {verb::get, "localhost", "/b/k?uploads", O::kUnsupported, "b", "k", ni},
      {verb::post, "localhost", "/b/k?delete", O::kUnsupported, "b", "k", ni},
      {verb::post, "localhost", "/b/k?uploads&uploadId=x", O::kUnsupported, "b", "k", ni},
      {verb::get, "localhost", "/b/k?attributes&partNumber=1", O::kUnsupported, "b", "k", ni},
      {verb::post, "localhost", "/b", O::kUnsupported, "b", "", ni},
      {verb::post, "localhost", "/", O::kUnsupported, "", "", ni},
      // Subresources and features we do not implement.
      {verb::post, "localhost", "/b?policy", O::kUnsupported, "b", "", ni},
      {verb::put, "localhost", "/b/k?policy", O::kUnsupported, "b", "k", ni},
      {verb::put, "localhost", "/b/k?lifecycle", O::kUnsupported, "b", "k", ni},
      {verb::put, "localhost", "/b/k?cors", O::kUnsupported, "b", "k", ni},
      {verb::post, "localhost", "/b/k?select&select-type=2", O::kUnsupported, "b", "k", ni},
      {verb::post, "localhost", "/b/k?restore", O::kUnsupported, "b", "k", ni},
      {verb::post, "localhost", "/b/k", O::kUnsupported, "b", "k", ni},
      {verb::options, "localhost", "/", O::kUnsupported, "", "", ni},
      {verb::patch, "localhost", "/b/k", O::kUnsupported, "b", "k", ni},
      // Methods the service resource never accepts.
      {verb::put, "localhost", "/", O::kUnsupported, "", "", S3Errc::kMethodNotAllowed},
      {verb::delete_, "localhost", "/", O::kUnsupported, "", "", S3Errc::kMethodNotAllowed},
  }));
  CAPTURE(http::to_string(c.method), c.host, c.target);
  Route route = RouteOf(c.method, c.host, c.target);
  CHECK(OperationName(route.operation) == OperationName(c.operation));
  CHECK(route.bucket == c.bucket);
  CHECK(route.key == c.key);
  CHECK(route.error == c.error);
}

Route RouteWithHeaders(http::verb method, const std::string& target_text,
                       const std::vector<std::pair<std::string, std::string>>& headers) {
  http::request_header<> request;
  request.method(method);
  request.target(target_text);
  request.set(http::field::host, "localhost");
  for (const auto& [name, value] : headers) request.set(name, value);
  auto target = ParseTarget(target_text);
  REQUIRE(target.has_value());
  std::vector<std::string> domains = {"localhost"};
  return RouteRequest(request, *target, domains);
}

TEST_CASE("A PUT with x-amz-copy-source is a copy, of an object or into a part") {
  const std::vector<std::pair<std::string, std::string>> copy = {{"x-amz-copy-source", "/src/key"}};
  CHECK(RouteWithHeaders(http::verb::put, "/b/k", copy).operation == Operation::kCopyObject);
  CHECK(RouteWithHeaders(http::verb::put, "/b/k?partNumber=2&uploadId=u", copy).operation ==
        Operation::kUploadPartCopy);
  // A bucket-level PUT is CreateBucket whatever it carries.
  CHECK(RouteWithHeaders(http::verb::put, "/b", copy).operation == Operation::kCreateBucket);
}

TEST_CASE("Conditional writes route to PutObject; unsupported write features do not") {
  using H = std::vector<std::pair<std::string, std::string>>;
  CHECK(RouteWithHeaders(http::verb::put, "/b/k", H{{"If-None-Match", "*"}}).operation ==
        Operation::kPutObject);
  CHECK(RouteWithHeaders(http::verb::put, "/b/k", H{{"If-Match", "\"abc\""}}).operation ==
        Operation::kPutObject);
  CHECK(RouteWithHeaders(http::verb::put, "/b/k",
                         H{{"x-amz-copy-source", "s/k"}, {"x-amz-tagging-directive", "COPY"}})
            .operation == Operation::kCopyObject);
  // Tagging and object lock headers are served (issue 4).
  CHECK(RouteWithHeaders(http::verb::put, "/b/k",
                         H{{"x-amz-copy-source", "s/k"}, {"x-amz-tagging-directive", "REPLACE"}})
            .operation == Operation::kCopyObject);
  CHECK(RouteWithHeaders(http::verb::post, "/b/k?uploads",
                         H{{"x-amz-tagging", "a=b"}, {"x-amz-object-lock-legal-hold", "ON"}})
            .operation == Operation::kCreateMultipartUpload);
  CHECK(RouteWithHeaders(http::verb::put, "/b", H{{"x-amz-bucket-object-lock-enabled", "true"}})
            .operation == Operation::kCreateBucket);
  CHECK(RouteWithHeaders(http::verb::put, "/b/k?tagging", H{{"x-amz-copy-source", "s/k"}})
            .operation == Operation::kPutObjectTagging);
  // CreateMultipartUpload carries the object's headers: encryption is one of them now.
  CHECK(RouteWithHeaders(http::verb::post, "/b/k?uploads",
                         H{{"x-amz-server-side-encryption", "AES256"}})
            .operation == Operation::kCreateMultipartUpload);
  CHECK(RouteWithHeaders(http::verb::post, "/b/k?uploads",
                         H{{"x-amz-website-redirect-location", "/x"}})
            .error == S3Errc::kNotImplemented);
  CHECK(RouteWithHeaders(http::verb::post, "/b/k?uploads", H{{"x-amz-meta-a", "b"}}).operation ==
        Operation::kCreateMultipartUpload);
}

TEST_CASE("ACL headers route as the plain write, on multipart uploads too") {
  http::request_header<> request;
  request.method(http::verb::put);
  request.target("/b/k");
  request.set(http::field::host, "localhost");
  auto target = ParseTarget("/b/k");
  REQUIRE(target.has_value());
  std::vector<std::string> domains = {"localhost"};
  request.set("x-amz-acl", "private");
  CHECK(RouteRequest(request, *target, domains).operation == Operation::kPutObject);
  request.set("x-amz-acl", "public-read");
  CHECK(RouteRequest(request, *target, domains).operation == Operation::kPutObject);
  request.set("x-amz-grant-read", "uri=\"http://acs.amazonaws.com/groups/global/AllUsers\"");
  CHECK(RouteRequest(request, *target, domains).operation == Operation::kPutObject);
  request.method(http::verb::post);
  auto uploads = ParseTarget("/b/k?uploads");
  REQUIRE(uploads.has_value());
  CHECK(RouteRequest(request, *uploads, domains).operation == Operation::kCreateMultipartUpload);
}

TEST_CASE("Ownership controls route to their operations on buckets only") {
  CHECK(RouteOf(http::verb::put, "localhost", "/b?ownershipControls").operation ==
        Operation::kPutBucketOwnershipControls);
  CHECK(RouteOf(http::verb::get, "localhost", "/b?ownershipControls").operation ==
        Operation::kGetBucketOwnershipControls);
  CHECK(RouteOf(http::verb::delete_, "localhost", "/b?ownershipControls").operation ==
        Operation::kDeleteBucketOwnershipControls);
  CHECK(RouteOf(http::verb::get, "localhost", "/b/k?ownershipControls").error ==
        S3Errc::kNotImplemented);
}

TEST_CASE("Access control subresources route to their operations") {
  CHECK(RouteOf(http::verb::put, "localhost", "/b?policy").operation ==
        Operation::kPutBucketPolicy);
  CHECK(RouteOf(http::verb::get, "localhost", "/b?policy").operation ==
        Operation::kGetBucketPolicy);
  CHECK(RouteOf(http::verb::delete_, "localhost", "/b?policy").operation ==
        Operation::kDeleteBucketPolicy);
  CHECK(RouteOf(http::verb::get, "localhost", "/b?policyStatus").operation ==
        Operation::kGetBucketPolicyStatus);
  CHECK(RouteOf(http::verb::get, "localhost", "/b?acl").operation == Operation::kGetBucketAcl);
  CHECK(RouteOf(http::verb::put, "localhost", "/b?acl").operation == Operation::kPutBucketAcl);
  CHECK(RouteOf(http::verb::get, "localhost", "/b/k?acl").operation == Operation::kGetObjectAcl);
  CHECK(RouteOf(http::verb::put, "localhost", "/b/k?acl&versionId=1").operation ==
        Operation::kPutObjectAcl);
  CHECK(RouteOf(http::verb::put, "localhost", "/b?publicAccessBlock").operation ==
        Operation::kPutPublicAccessBlock);
  CHECK(RouteOf(http::verb::get, "localhost", "/b?publicAccessBlock").operation ==
        Operation::kGetPublicAccessBlock);
  CHECK(RouteOf(http::verb::delete_, "localhost", "/b?publicAccessBlock").operation ==
        Operation::kDeletePublicAccessBlock);
}

TEST_CASE("Virtual-host bucket extraction ignores other hosts and IPv6 literals") {
  std::vector<std::string> domains = {"localhost", "s3.example.com"};
  CHECK(VirtualHostBucket("b.localhost", domains) == "b");
  CHECK(VirtualHostBucket("b.localhost:80", domains) == "b");
  CHECK(VirtualHostBucket("b.localhost.", domains) == "b");
  CHECK(VirtualHostBucket("localhost", domains).empty());
  CHECK(VirtualHostBucket(".localhost", domains).empty());
  CHECK(VirtualHostBucket("blocalhost", domains).empty());
  CHECK(VirtualHostBucket("b.other.com", domains).empty());
  CHECK(VirtualHostBucket("[::1]:9000", domains).empty());
  CHECK(VirtualHostBucket("", domains).empty());
}

}  // namespace
}  // namespace strata::api
