#include "erasure/codec.h"

#include <catch2/catch.hpp>
#include <cstring>
#include <tuple>
#include <vector>

#include "tests/erasure/test_util.h"

namespace strata::erasure {
namespace {

using testing::RandomBytes;

struct Encoded {
  int k, m;
  size_t len;
  std::vector<std::vector<std::byte>> shards;  // k data then m parity
};

Encoded EncodeRandom(const Codec& codec, size_t len, uint32_t seed) {
  Encoded e{codec.data_shards(), codec.parity_shards(), len, {}};
  for (int i = 0; i < e.k + e.m; ++i) {
    e.shards.push_back(i < e.k ? RandomBytes(len, seed + i) : std::vector<std::byte>(len));
  }
  std::vector<const std::byte*> data;
  std::vector<std::byte*> parity;
  for (int i = 0; i < e.k; ++i) data.push_back(e.shards[i].data());
  for (int j = 0; j < e.m; ++j) parity.push_back(e.shards[e.k + j].data());
  codec.Encode(len, data, parity);
  return e;
}

// Erases the shards in mask, reconstructs, and returns the error; on success checks equality.
boost::system::error_code EraseAndRebuild(const Codec& codec, const Encoded& e, uint32_t mask) {
  const int n = e.k + e.m;
  auto work = e.shards;
  std::vector<std::byte*> ptrs(n);
  std::vector<uint8_t> present(n);
  for (int i = 0; i < n; ++i) {
    ptrs[i] = work[i].data();
    present[i] = (mask >> i) & 1 ? 0 : 1;
    if (!present[i]) std::memset(work[i].data(), 0xAB, e.len);
  }
  auto ec = codec.Reconstruct(e.len, ptrs, present);
  if (!ec) {
    for (int i = 0; i < n; ++i) REQUIRE(work[i] == e.shards[i]);
  }
  return ec;
}

TEST_CASE("Codec rebuilds every pattern of up to m missing shards exactly", "[codec]") {
  auto [k, m] = GENERATE(table<int, int>({{2, 2}, {4, 2}, {8, 4}, {1, 1}, {3, 1}}));
  CAPTURE(k, m);
  auto codec = Codec::Create(k, m);
  REQUIRE(codec);
  const Encoded e = EncodeRandom(**codec, 97, 7);
  const int n = k + m;
  int patterns = 0;
  for (uint32_t mask = 1; mask < (1u << n); ++mask) {
    if (__builtin_popcount(mask) > m) continue;
    CAPTURE(mask);
    REQUIRE_FALSE(EraseAndRebuild(**codec, e, mask));
    ++patterns;
  }
  CHECK(patterns > 0);
}

TEST_CASE("Codec refuses to rebuild when more than m shards are missing", "[codec]") {
  auto [k, m] = GENERATE(table<int, int>({{2, 2}, {4, 2}, {8, 4}, {1, 1}, {3, 1}}));
  CAPTURE(k, m);
  auto codec = Codec::Create(k, m);
  REQUIRE(codec);
  const Encoded e = EncodeRandom(**codec, 33, 11);
  const int n = k + m;
  for (uint32_t mask = 1; mask < (1u << n); ++mask) {
    if (__builtin_popcount(mask) != m + 1) continue;
    CAPTURE(mask);
    REQUIRE(EraseAndRebuild(**codec, e, mask) == make_error_code(Errc::kReadQuorumLost));
  }
}

TEST_CASE("Codec parity of the Cauchy code is not all zero for non-zero data", "[codec]") {
  auto codec = Codec::Create(4, 2);
  REQUIRE(codec);
  const Encoded e = EncodeRandom(**codec, 64, 3);
  CHECK(e.shards[4] != std::vector<std::byte>(64));
  CHECK(e.shards[5] != std::vector<std::byte>(64));
  CHECK(e.shards[4] != e.shards[5]);
}

TEST_CASE("Codec rebuilds only the missing shards that have a buffer", "[codec]") {
  auto codec = Codec::Create(4, 2);
  REQUIRE(codec);
  const Encoded e = EncodeRandom(**codec, 50, 5);
  auto work = e.shards;
  std::memset(work[1].data(), 0, 50);
  // Shards 1 and 5 are missing; only shard 1 is wanted.
  std::vector<std::byte*> ptrs = {work[0].data(), work[1].data(), work[2].data(),
                                  work[3].data(), work[4].data(), nullptr};
  std::vector<uint8_t> present = {1, 0, 1, 1, 1, 0};
  REQUIRE_FALSE((*codec)->Reconstruct(50, ptrs, present));
  CHECK(work[1] == e.shards[1]);
}

TEST_CASE("Codec rejects invalid shard counts", "[codec]") {
  auto [k, m, ok] = GENERATE(table<int, int, bool>({{0, 2, false},
                                                    {-1, 1, false},
                                                    {2, -1, false},
                                                    {200, 56, false},
                                                    {1, 0, true},
                                                    {128, 127, true},
                                                    {16, 4, true}}));
  CAPTURE(k, m);
  auto codec = Codec::Create(k, m);
  CHECK(codec.has_value() == ok);
  if (!ok) CHECK(codec.error() == make_error_code(Errc::kInvalidArgument));
}

TEST_CASE("Codec with a wide set rebuilds from the last k shards", "[codec]") {
  // 20+10: the Cauchy matrix stays invertible where a Vandermonde one may not.
  auto codec = Codec::Create(20, 10);
  REQUIRE(codec);
  const Encoded e = EncodeRandom(**codec, 16, 9);
  REQUIRE_FALSE(EraseAndRebuild(**codec, e, (1u << 10) - 1));         // first 10 data shards
  REQUIRE_FALSE(EraseAndRebuild(**codec, e, ((1u << 10) - 1) << 5));  // data 5..14
}

}  // namespace
}  // namespace strata::erasure
