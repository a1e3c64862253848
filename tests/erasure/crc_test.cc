#include <catch2/catch.hpp>
#include <string_view>

#include "erasure/crc32.h"
#include "erasure/crc32c.h"
#include "tests/erasure/test_util.h"

namespace strata::erasure {
namespace {

std::span<const std::byte> Bytes(std::string_view s) {
  return std::as_bytes(std::span(s.data(), s.size()));
}

TEST_CASE("CRC-32 and CRC32C of 123456789 are the catalogue check values") {
  CHECK(Crc32(Bytes("123456789")) == 0xCBF43926u);
  CHECK(Crc32c(Bytes("123456789")) == 0xE3069283u);
  CHECK(Crc32(Bytes("")) == 0u);
  CHECK(Crc32c(Bytes("")) == 0u);
}

TEST_CASE("CRC-32 and CRC32C chain over pieces of any size") {
  const auto data = testing::RandomBytes(3 << 20, 5);
  const std::span<const std::byte> all(data);
  for (size_t cut : {size_t{0}, size_t{1}, size_t{4095}, size_t{65536}, data.size()}) {
    INFO("cut at " << cut);
    CHECK(Crc32(all.subspan(cut), Crc32(all.first(cut))) == Crc32(all));
    CHECK(Crc32c(all.subspan(cut), Crc32c(all.first(cut))) == Crc32c(all));
  }
}

}  // namespace
}  // namespace strata::erasure
