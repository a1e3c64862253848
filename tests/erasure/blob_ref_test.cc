#include <catch2/catch.hpp>
#include <random>

#include "erasure/chunk_store.h"
#include "tests/erasure/test_util.h"

namespace strata::erasure {
namespace {

BlobRef Sample() {
  BlobRef ref;
  ref.blob_id = "0123456789abcdef0123456789abcdef";
  ref.tier = "nvme";
  ref.set_index = 3;
  ref.data_shards = 8;
  ref.parity_shards = 4;
  ref.block_size = 1 << 20;
  ref.size = 123456789012345ULL;
  return ref;
}

TEST_CASE("BlobRef encodes and decodes to the same value", "[blobref]") {
  const BlobRef ref = Sample();
  const std::string bytes = ref.Encode();
  CHECK(bytes.size() < 64);
  auto back = BlobRef::Decode(bytes);
  REQUIRE(back);
  CHECK(back->blob_id == ref.blob_id);
  CHECK(back->tier == ref.tier);
  CHECK(back->set_index == ref.set_index);
  CHECK(back->data_shards == ref.data_shards);
  CHECK(back->parity_shards == ref.parity_shards);
  CHECK(back->block_size == ref.block_size);
  CHECK(back->size == ref.size);
}

TEST_CASE("BlobRef decode rejects every truncation and trailing bytes", "[blobref]") {
  const std::string bytes = Sample().Encode();
  for (size_t n = 0; n < bytes.size(); ++n) {
    CAPTURE(n);
    CHECK_FALSE(BlobRef::Decode(std::string_view(bytes).substr(0, n)));
  }
  CHECK_FALSE(BlobRef::Decode(bytes + "x"));
  std::string bad_version = bytes;
  bad_version[0] = 9;
  CHECK_FALSE(BlobRef::Decode(bad_version));
}

TEST_CASE("BlobRef decode rejects invalid fields", "[blobref]") {
  BlobRef ref = Sample();
  ref.blob_id = "../etc";
  CHECK_FALSE(BlobRef::Decode(ref.Encode()));
  ref = Sample();
  ref.data_shards = 0;
  CHECK_FALSE(BlobRef::Decode(ref.Encode()));
  ref = Sample();
  ref.parity_shards = 250;
  CHECK_FALSE(BlobRef::Decode(ref.Encode()));
  ref = Sample();
  ref.block_size = 0;
  CHECK_FALSE(BlobRef::Decode(ref.Encode()));
  // A huge claimed length must not allocate or read past the end.
  CHECK_FALSE(BlobRef::Decode(std::string("\x01\xff\xff\xff\xff\xff\xff\xff\xff\x7f", 10)));
  CHECK_FALSE(BlobRef::Decode(std::string("\x01\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff", 12)));
}

TEST_CASE("BlobRef decode survives random garbage", "[blobref]") {
  std::mt19937 rng(99);
  const std::string good = Sample().Encode();
  for (int i = 0; i < 5000; ++i) {
    std::string s;
    if (i % 2 == 0) {
      s.resize(rng() % 80);
      for (auto& c : s) c = static_cast<char>(rng());
    } else {
      s = good;  // mutate one byte of a valid encoding
      s[rng() % s.size()] = static_cast<char>(rng());
    }
    auto r = BlobRef::Decode(s);
    if (r) CHECK(r->Encode() == s);  // anything accepted is canonical
  }
}

}  // namespace
}  // namespace strata::erasure
