#include "api/bucket_name.h"

#include <catch2/catch.hpp>
#include <string>

namespace strata::api {
namespace {

TEST_CASE("Bucket names follow the S3 naming rules") {
  auto [name, valid] = GENERATE(table<std::string, bool>({
      {"abc", true},
      {"my-bucket", true},
      {"my.bucket.name", true},
      {"a1b", true},
      {"123", true},
      {std::string(63, 'a'), true},
      {"192.168.5.4x", true},
      {"1.2.3", true},
      {"ab", false},
      {std::string(64, 'a'), false},
      {"", false},
      {"MyBucket", false},
      {"my_bucket", false},
      {"my bucket", false},
      {"-bucket", false},
      {"bucket-", false},
      {".bucket", false},
      {"bucket.", false},
      {"my..bucket", false},
      {"192.168.5.4", false},
      {"999.999.999.999", false},
      {"xn--bucket", false},
      {"sthree-bucket", false},
      {"bucket-s3alias", false},
      {"bucket--ol-s3", false},
      {"bucket.mrap", false},
      {"bucket--x-s3", false},
      {std::string("ab\0c", 4), false},
      {"b\xc3\xa4r", false},
  }));
  CAPTURE(name);
  CHECK(IsValidBucketName(name) == valid);
}

}  // namespace
}  // namespace strata::api
