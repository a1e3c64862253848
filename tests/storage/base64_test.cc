#include <catch2/catch.hpp>

#include "storage/checksum.h"
#include "tests/storage/byte_source_fake.h"
#include "tests/storage/result_string_maker.h"

namespace strata::storage {
namespace {

TEST_CASE("base64 encodes the RFC 4648 vectors") {
  CHECK(Base64Encode("") == "");
  CHECK(Base64Encode("f") == "Zg==");
  CHECK(Base64Encode("fo") == "Zm8=");
  CHECK(Base64Encode("foo") == "Zm9v");
  CHECK(Base64Encode("foob") == "Zm9vYg==");
  CHECK(Base64Encode("fooba") == "Zm9vYmE=");
  CHECK(Base64Encode("foobar") == "Zm9vYmFy");
}

TEST_CASE("base64 decodes the RFC 4648 vectors") {
  CHECK(Base64Decode("") == std::string(""));
  CHECK(Base64Decode("Zg==") == std::string("f"));
  CHECK(Base64Decode("Zm8=") == std::string("fo"));
  CHECK(Base64Decode("Zm9v") == std::string("foo"));
  CHECK(Base64Decode("Zm9vYmFy") == std::string("foobar"));
  CHECK(Base64Decode("+/+/") == std::string("\xfb\xff\xbf", 3));
}

TEST_CASE("base64 round-trips arbitrary binary data of every small length") {
  for (size_t n = 0; n < 70; ++n) {
    std::string raw = testing::TestPayload(n, static_cast<uint32_t>(n + 1));
    CHECK(Base64Decode(Base64Encode(raw)) == raw);
  }
}

TEST_CASE("base64 decoding rejects bad characters, padding and length") {
  for (std::string_view bad : std::initializer_list<std::string_view>{
           "Zg=", "Zg", "Z", "Zm9vY", "Zg===", "====", "Z===", "Zg=a", "Z=g=", "Zm9v\n", " Zm9v",
           "Zm-v", "Zm_v", "Zm9v====", "=Zm9", "Zh==", "Zm9=", std::string_view("Zm\0v", 4)}) {
    INFO(bad);
    CHECK_FALSE(Base64Decode(bad));
  }
}

}  // namespace
}  // namespace strata::storage
