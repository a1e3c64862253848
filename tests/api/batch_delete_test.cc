#include "api/batch_delete.h"

#include <catch2/catch.hpp>
#include <string>

namespace strata::api {
namespace {

std::string Objects(size_t count) {
  std::string xml = "<Delete>";
  for (size_t i = 0; i < count; ++i) {
    xml += "<Object><Key>k" + std::to_string(i) + "</Key></Object>";
  }
  return xml + "</Delete>";
}

S3Errc ErrorOf(std::string_view xml) {
  auto parsed = ParseDeleteRequest(xml);
  return parsed ? S3Errc::kOk : ToS3Error(parsed.error());
}

TEST_CASE("A Delete document gives its keys verbatim, versions and quiet mode") {
  auto parsed = ParseDeleteRequest(
      R"(<?xml version="1.0" encoding="UTF-8"?>
<Delete xmlns="http://s3.amazonaws.com/doc/2006-03-01/">
  <Quiet>true</Quiet>
  <Object><Key> spaced key </Key></Object>
  <Object><Key>a&amp;b&lt;c&#x1;</Key><VersionId>null</VersionId></Object>
</Delete>)");
  REQUIRE(parsed.has_value());
  CHECK(parsed->quiet);
  REQUIRE(parsed->objects.size() == 2);
  CHECK(parsed->objects[0].key == " spaced key ");
  CHECK(parsed->objects[0].version_id.empty());
  CHECK(parsed->objects[1].key == "a&b<c\x01");
  CHECK(parsed->objects[1].version_id == "null");
}

TEST_CASE("Quiet defaults to false and accepts only booleans") {
  auto parsed = ParseDeleteRequest("<Delete><Object><Key>k</Key></Object></Delete>");
  REQUIRE(parsed.has_value());
  CHECK_FALSE(parsed->quiet);
  CHECK(ErrorOf("<Delete><Quiet>False</Quiet><Object><Key>k</Key></Object></Delete>") ==
        S3Errc::kOk);
  CHECK(ErrorOf("<Delete><Quiet>yes</Quiet><Object><Key>k</Key></Object></Delete>") ==
        S3Errc::kMalformedXML);
}

TEST_CASE("A Delete document holds 1 to 1000 objects") {
  CHECK(ErrorOf(Objects(1)) == S3Errc::kOk);
  CHECK(ErrorOf(Objects(1000)) == S3Errc::kOk);
  CHECK(ErrorOf(Objects(1001)) == S3Errc::kMalformedXML);
  CHECK(ErrorOf(Objects(0)) == S3Errc::kMalformedXML);
}

TEST_CASE("Malformed Delete documents are MalformedXML") {
  auto xml =
      GENERATE(as<std::string>{}, "", "<Delete>", "<Delete><Object></Object></Delete>",
               "<Delete><Object><VersionId>1</VersionId></Object></Delete>",
               "<NotDelete><Object><Key>k</Key></Object></NotDelete>",
               "<Delete><Object><Key>k</Key></Object></Delete><Delete/>", std::string(50000, '<'));
  CAPTURE(xml.substr(0, 80));
  CHECK(ErrorOf(xml) == S3Errc::kMalformedXML);
}

TEST_CASE("An empty key in a Delete document is kept for a per-key error") {
  auto parsed = ParseDeleteRequest("<Delete><Object><Key></Key></Object></Delete>");
  REQUIRE(parsed.has_value());
  REQUIRE(parsed->objects.size() == 1);
  CHECK(parsed->objects[0].key.empty());
}

}  // namespace
}  // namespace strata::api
