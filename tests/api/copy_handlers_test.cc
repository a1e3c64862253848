#include "api/copy_handlers.h"

#include <catch2/catch.hpp>
#include <string>

namespace strata::api {
namespace {

struct SourceCase {
  std::string header;
  std::string bucket;
  std::string key;
};

TEST_CASE("x-amz-copy-source names a bucket and a percent-decoded key") {
  auto c = GENERATE(values<SourceCase>({
      {"src/key", "src", "key"},
      {"/src/key", "src", "key"},
      {"src/a/b/c.txt", "src", "a/b/c.txt"},
      {"src/a%20b%2Bc%3Fd", "src", "a b+c?d"},
      {"src/a+b", "src", "a+b"},
      {"src/%E2%82%AC", "src", "\xE2\x82\xAC"},
      {"src/key?versionId=null", "src", "key"},
      {"/src/dir/?versionId=null", "src", "dir/"},
      {"src/a%3FversionId%3D1", "src", "a?versionId=1"},
  }));
  CAPTURE(c.header);
  std::string message;
  auto source = ParseCopySource(c.header, &message);
  REQUIRE(source.has_value());
  CHECK(source->bucket == c.bucket);
  CHECK(source->key == c.key);
}

TEST_CASE("A copy source without bucket or key, or badly encoded, is InvalidArgument") {
  auto header =
      GENERATE(as<std::string>{}, "", "/", "src", "src/", "/src", "/src/", "//key", "src/a%zz",
               "src/a%00b", "src/key?partNumber=1", "src/" + std::string(1025, 'k'));
  CAPTURE(header);
  std::string message;
  auto source = ParseCopySource(header, &message);
  REQUIRE_FALSE(source.has_value());
  CHECK(ToS3Error(source.error()) == S3Errc::kInvalidArgument);
  CHECK_FALSE(message.empty());
}

TEST_CASE("A copy source may name a version after ?versionId=") {
  std::string message;
  auto version = ParseCopySource("src/key?versionId=3HL4kqtJlcpXroDTDmJ", &message);
  REQUIRE(version.has_value());
  CHECK(version->key == "key");
  CHECK(version->version_id == "3HL4kqtJlcpXroDTDmJ");
  auto latest = ParseCopySource("src/key", &message);
  REQUIRE(latest.has_value());
  CHECK(latest->version_id.empty());
  for (std::string bad :
       {std::string("src/key?versionId="), "src/key?versionId=" + std::string(1025, 'v')}) {
    CAPTURE(bad);
    auto parsed = ParseCopySource(bad, &message);
    REQUIRE_FALSE(parsed.has_value());
    CHECK(ToS3Error(parsed.error()) == S3Errc::kInvalidArgument);
  }
}

TEST_CASE("Copying from an access point is not implemented") {
  std::string message;
  auto arn = ParseCopySource("arn:aws:s3:us-east-1:123:accesspoint/ap/object/key", &message);
  REQUIRE_FALSE(arn.has_value());
  CHECK(ToS3Error(arn.error()) == S3Errc::kNotImplemented);
}

TEST_CASE("A copy range is bytes=first-last within the source") {
  std::string message;
  auto range = ParseCopySourceRange("bytes=0-9", 100, &message);
  REQUIRE(range.has_value());
  CHECK(range->first == 0);
  CHECK(range->length == 10);
  range = ParseCopySourceRange("bytes=99-99", 100, &message);
  REQUIRE(range.has_value());
  CHECK(range->first == 99);
  CHECK(range->length == 1);
}

TEST_CASE("A copy range of another form is InvalidArgument, one past the source InvalidRange") {
  auto bad = GENERATE(as<std::string>{}, "", "bytes=", "bytes=5", "bytes=5-", "bytes=-5",
                      "bytes=9-1", "bytes=a-b", "bytes=0-1,2-3", "items=0-1", "bytes= 0-1",
                      "bytes=99999999999999999999999-1");
  CAPTURE(bad);
  std::string message;
  auto range = ParseCopySourceRange(bad, 100, &message);
  REQUIRE_FALSE(range.has_value());
  CHECK(ToS3Error(range.error()) == S3Errc::kInvalidArgument);

  auto past = ParseCopySourceRange("bytes=0-100", 100, &message);
  REQUIRE_FALSE(past.has_value());
  CHECK(ToS3Error(past.error()) == S3Errc::kInvalidRange);
  auto empty_source = ParseCopySourceRange("bytes=0-0", 0, &message);
  REQUIRE_FALSE(empty_source.has_value());
  CHECK(ToS3Error(empty_source.error()) == S3Errc::kInvalidRange);
}

}  // namespace
}  // namespace strata::api
