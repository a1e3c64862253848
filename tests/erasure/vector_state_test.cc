#include "erasure/vector_state.h"

#include <catch2/catch.hpp>
#include <vector>

#include "erasure/codec.h"
#include "erasure/crc32.h"
#include "erasure/crc32c.h"
#include "tests/erasure/test_util.h"

namespace strata::erasure {
namespace {

using testing::RandomBytes;

#if defined(__x86_64__)
// Leaves the upper half of ymm0 in use, as ISA-L's AVX-512 routines leave zmm0-15. Only the
// asm is AVX: the compiler adds VZEROUPPER at the end of AVX code it knows of.
__attribute__((noinline)) void DirtyUpperVectorState() {
  asm volatile("vpcmpeqb %%ymm0, %%ymm0, %%ymm0" ::: "xmm0");
}
#endif

// nullopt (no XINUSE on this CPU, or not x86-64) skips the check.
bool Clean() {
  const std::optional<bool> in_use = UpperVectorStateInUse();
  return !in_use.value_or(false);
}

TEST_CASE("ClearUpperVectorState clears what AVX code left in use") {
#if defined(__x86_64__)
  if (!UpperVectorStateInUse() || !__builtin_cpu_supports("avx")) return;
  DirtyUpperVectorState();
  CHECK(*UpperVectorStateInUse());
  ClearUpperVectorState();
  CHECK_FALSE(*UpperVectorStateInUse());
#endif
}

// Sizes large enough for ISA-L's widest code paths (the small ones stay in scalar code).
TEST_CASE("ISA-L calls leave no upper vector state behind") {
  const size_t len = 1 << 20;
  SECTION("CRC32C") {
    const auto data = RandomBytes(len, 11);
    ClearUpperVectorState();
    (void)Crc32c(data);
    CHECK(Clean());
  }
  SECTION("CRC-32") {
    const auto data = RandomBytes(len, 12);
    ClearUpperVectorState();
    (void)Crc32(data);
    CHECK(Clean());
  }
  auto codec = Codec::Create(4, 2);
  REQUIRE(codec);
  std::vector<std::vector<std::byte>> shards;
  for (int i = 0; i < 6; ++i)
    shards.push_back(i < 4 ? RandomBytes(len, 20 + i) : std::vector<std::byte>(len));
  std::vector<const std::byte*> data;
  std::vector<std::byte*> parity;
  for (int i = 0; i < 4; ++i) data.push_back(shards[i].data());
  for (int i = 4; i < 6; ++i) parity.push_back(shards[i].data());
  SECTION("encode") {
    ClearUpperVectorState();
    (*codec)->Encode(len, data, parity);
    CHECK(Clean());
  }
  SECTION("reconstruct") {
    (*codec)->Encode(len, data, parity);
    const auto lost = shards[1];
    std::vector<std::byte*> ptrs;
    for (auto& s : shards) ptrs.push_back(s.data());
    std::vector<uint8_t> present{1, 0, 1, 1, 1, 1};
    std::fill(shards[1].begin(), shards[1].end(), std::byte{0});
    ClearUpperVectorState();
    REQUIRE_FALSE((*codec)->Reconstruct(len, ptrs, present));
    CHECK(Clean());
    CHECK(shards[1] == lost);
  }
}

}  // namespace
}  // namespace strata::erasure
