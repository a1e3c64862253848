#include "api/object_attributes.h"

#include <catch2/catch.hpp>
#include <string>

namespace strata::api {
namespace {

Result<AttributeSelection> Parse(std::initializer_list<std::string> values, std::string* message) {
  http::request_header<> request;
  for (const std::string& v : values) request.insert("x-amz-object-attributes", v);
  return ParseObjectAttributes(request, message);
}

TEST_CASE("x-amz-object-attributes selects attributes from lists and repeated headers") {
  std::string message;
  auto selection = Parse({"ETag, ObjectSize", "StorageClass"}, &message);
  REQUIRE(selection.has_value());
  CHECK(selection->etag);
  CHECK(selection->object_size);
  CHECK(selection->storage_class);
  CHECK_FALSE(selection->checksum);
  CHECK_FALSE(selection->object_parts);
  selection = Parse({"Checksum,ObjectParts"}, &message);
  REQUIRE(selection.has_value());
  CHECK(selection->checksum);
  CHECK(selection->object_parts);
}

TEST_CASE("An unknown attribute is InvalidArgument, none at all InvalidRequest") {
  std::string message;
  auto unknown = Parse({"ETag,Owner"}, &message);
  REQUIRE_FALSE(unknown.has_value());
  CHECK(ToS3Error(unknown.error()) == S3Errc::kInvalidArgument);
  auto lower = Parse({"etag"}, &message);
  REQUIRE_FALSE(lower.has_value());
  auto none = Parse({}, &message);
  REQUIRE_FALSE(none.has_value());
  CHECK(ToS3Error(none.error()) == S3Errc::kInvalidRequest);
  auto empty = Parse({" , "}, &message);
  REQUIRE_FALSE(empty.has_value());
  CHECK(ToS3Error(empty.error()) == S3Errc::kInvalidRequest);
}

}  // namespace
}  // namespace strata::api
