#include "erasure/shard_format.h"

#include <catch2/catch.hpp>
#include <fstream>
#include <iterator>
#include <random>

#include "tests/erasure/store_fixture.h"

namespace strata::erasure {
namespace {

using testing::RandomBytes;
using testing::StoreFixture;

std::vector<std::byte> ReadFile(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  std::vector<char> chars((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
  std::vector<std::byte> out(chars.size());
  std::memcpy(out.data(), chars.data(), chars.size());
  return out;
}

std::span<const std::byte> AsBytes(const std::string& s) {
  return std::as_bytes(std::span(s.data(), s.size()));
}

TEST_CASE("Shard files describe themselves: header and footer name the blob", "[format]") {
  StoreFixture fx(3, 2, 40);
  const auto data = RandomBytes(3 * 40 * 2 + 17, 20);
  auto ref = fx.TryPut(data, 37, "bucket/key", "bucket=b key=k version=v1");
  REQUIRE(ref);
  for (uint32_t d = 0; d < 5; ++d) {
    auto files = fx.ShardFiles(d);
    REQUIRE(files.size() == 1);
    CHECK(files[0].ends_with("/chunks/" + ref->blob_id.substr(0, 2) + "/" + ref->blob_id + "." +
                             std::to_string(d)));
    const auto bytes = ReadFile(files[0]);
    auto len = ShardHeaderLength(bytes);
    REQUIRE(len);
    auto header = DecodeShardHeader(std::span(bytes).first(*len));
    REQUIRE(header);
    CHECK(header->blob_id == ref->blob_id);
    CHECK(header->tier == "hot");
    CHECK(header->data_shards == 3);
    CHECK(header->parity_shards == 2);
    CHECK(header->shard_index == d);
    CHECK(header->block_size == 40);
    CHECK(header->label == "bucket=b key=k version=v1");
    auto size = DecodeShardFooter(std::span(bytes).last(kShardFooterSize));
    REQUIRE(size);
    CHECK(*size == data.size());
    CHECK(bytes.size() == BlobLayout(3, 40, data.size()).ShardFileSize(*len));
  }
}

TEST_CASE("A shard header with any flipped byte is rejected", "[format]") {
  ShardHeader h{"abcdef0123", "nvme", 4, 2, 5, 1 << 20, "label"};
  const std::string enc = EncodeShardHeader(h);
  auto ok = DecodeShardHeader(AsBytes(enc));
  REQUIRE(ok);
  CHECK(ok->label == "label");
  for (size_t i = 0; i < enc.size(); ++i) {
    std::string bad = enc;
    bad[i] = static_cast<char>(bad[i] ^ 1);
    CAPTURE(i);
    CHECK_FALSE(DecodeShardHeader(AsBytes(bad)));
  }
}

TEST_CASE("Truncated or garbage shard headers are rejected without crashing", "[format]") {
  const std::string enc = EncodeShardHeader({"abcdef0123", "nvme", 4, 2, 5, 4096, "x"});
  for (size_t n = 0; n < enc.size(); ++n) {
    CHECK_FALSE(DecodeShardHeader(AsBytes(enc.substr(0, n))));
  }
  std::mt19937 rng(5);
  for (int i = 0; i < 2000; ++i) {
    std::string s = enc;
    s[rng() % s.size()] = static_cast<char>(rng());
    (void)ShardHeaderLength(AsBytes(s));
    auto r = DecodeShardHeader(AsBytes(s));
    if (r) CHECK(s == enc);
  }
  CHECK_FALSE(DecodeShardFooter(std::span<const std::byte>()));
  auto footer = EncodeShardFooter(77);
  CHECK(*DecodeShardFooter(footer) == 77);
  footer[3] ^= std::byte{1};
  CHECK_FALSE(DecodeShardFooter(footer));
}

TEST_CASE("Blob layout gives short blocks only to the final stripe", "[format]") {
  const BlobLayout layout(4, 100, 4 * 100 * 2 + 10);
  CHECK(layout.num_stripes() == 3);
  CHECK(layout.BlockLength(0) == 100);
  CHECK(layout.BlockLength(1) == 100);
  CHECK(layout.StripeDataLength(2) == 10);
  CHECK(layout.BlockLength(2) == 3);  // ceil(10 / 4)
  CHECK(layout.ShardFileSize(50) == 50 + 2 * 104 + 3 + 4 + kShardFooterSize);
  CHECK(BlobLayout(4, 100, 0).num_stripes() == 0);
  CHECK(BlobLayout(4, 100, 0).ShardFileSize(50) == 50 + kShardFooterSize);
}

}  // namespace
}  // namespace strata::erasure
