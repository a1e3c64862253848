#include "api/s3_errors.h"

#include <catch2/catch.hpp>
#include <pugixml.hpp>

#include "storage/errors.h"

namespace strata::api {
namespace {

TEST_CASE("Error XML stays well-formed for keys with markup and control bytes") {
  const std::string resource = std::string("/b/a<b>&\"c\x01\x7f");
  const std::string xml = RenderErrorXml(S3Errc::kNoSuchKey, resource, "REQ1");
  pugi::xml_document doc;
  REQUIRE(doc.load_string(xml.c_str()));
  pugi::xml_node error = doc.child("Error");
  CHECK(std::string(error.child_value("Code")) == "NoSuchKey");
  CHECK(std::string(error.child_value("RequestId")) == "REQ1");
  CHECK(xml.find("&#x1;") != std::string::npos);
  CHECK(xml.find('\x01') == std::string::npos);
}

TEST_CASE("Storage errors map to their S3 codes and statuses") {
  CHECK(ToS3Error(storage::Errc::kNoSuchKey) == S3Errc::kNoSuchKey);
  CHECK(ToS3Error(storage::Errc::kDeleteMarker) == S3Errc::kNoSuchKey);
  CHECK(ToS3Error(storage::Errc::kInvalidBucketState) == S3Errc::kInvalidBucketState);
  CHECK(GetS3ErrorInfo(S3Errc::kInvalidBucketState).http_status == 409);
  CHECK(ToS3Error(storage::Errc::kUnavailable) == S3Errc::kServiceUnavailable);
  CHECK(GetS3ErrorInfo(S3Errc::kServiceUnavailable).http_status == 503);
}

}  // namespace
}  // namespace strata::api
