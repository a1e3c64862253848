#include "storage/object_record.h"

#include <catch2/catch.hpp>

#include "storage/coding.h"
#include "storage/metadata_keys.h"
#include "tests/storage/byte_source_fake.h"
#include "tests/storage/result_string_maker.h"

namespace strata::storage {
namespace {

ObjectRecord SampleRecord() {
  ObjectRecord r;
  r.size = 3;
  r.etag = "900150983cd24fb0d6963f7d28e17f72";
  r.last_modified_ms = 1732530000123;
  r.storage_class = "STANDARD";
  r.headers = {{"content-type", "text/plain"}, {"x-amz-meta-\xc3\xa9", std::string("v\0", 2)}};
  r.checksum = {ChecksumAlgorithm::kCrc32, std::string("\x35\x24\x41\xc2", 4)};
  r.payload_kind = PayloadKind::kInline;
  r.payload = "abc";
  return r;
}

TEST_CASE("an object record round-trips through its encoding") {
  ObjectRecord r = SampleRecord();
  auto decoded = DecodeObjectRecord(EncodeObjectRecord(r), true);
  REQUIRE(decoded);
  CHECK(decoded->version_id == "null");
  CHECK(decoded->size == r.size);
  CHECK(decoded->etag == r.etag);
  CHECK(decoded->last_modified_ms == r.last_modified_ms);
  CHECK(decoded->storage_class == r.storage_class);
  CHECK(decoded->headers == r.headers);
  CHECK(decoded->checksum.algorithm == r.checksum.algorithm);
  CHECK(decoded->checksum.value == r.checksum.value);
  CHECK(decoded->payload_kind == PayloadKind::kInline);
  CHECK(decoded->payload == "abc");
  auto without = DecodeObjectRecord(EncodeObjectRecord(r), false);
  REQUIRE(without);
  CHECK(without->payload.empty());
  CHECK(without->headers == r.headers);
}

TEST_CASE("an object record starts with its format version") {
  std::string encoded = EncodeObjectRecord(SampleRecord());
  CHECK(encoded[0] == static_cast<char>(kObjectRecordFormatV1));
  encoded[0] = 2;
  CHECK(DecodeObjectRecord(encoded, true).error() == Errc::kCorrupt);
}

TEST_CASE("every truncation of an object record is rejected as corrupt") {
  std::string encoded = EncodeObjectRecord(SampleRecord());
  for (size_t n = 0; n < encoded.size(); ++n) {
    INFO(n);
    CHECK(DecodeObjectRecord(encoded.substr(0, n), true).error() == Errc::kCorrupt);
  }
  CHECK(DecodeObjectRecord(encoded + "x", true).error() == Errc::kCorrupt);
}

TEST_CASE("random bytes never crash the record decoders") {
  for (uint32_t seed = 1; seed < 3000; ++seed) {
    std::string junk = testing::TestPayload(seed % 64, seed);
    if (!junk.empty()) junk[0] = static_cast<char>(kObjectRecordFormatV1);
    auto r = DecodeObjectRecord(junk, true);
    // Either a well-formed record or a clean kCorrupt: nothing else, and no crash.
    CHECK((r ? r->payload_kind <= PayloadKind::kBlob : r.error() == Errc::kCorrupt));
    auto b = DecodeBucketRecord(junk);
    CHECK((b || b.error() == Errc::kCorrupt));
  }
}

TEST_CASE("a record claiming a huge header count is rejected without allocating") {
  std::string bad;
  bad.push_back(static_cast<char>(kObjectRecordFormatV1));
  PutVarint64(bad, 0);                  // size
  PutVarint64(bad, 0);                  // modified
  PutLengthPrefixed(bad, "");           // etag
  PutLengthPrefixed(bad, "null");       // version
  PutLengthPrefixed(bad, "STANDARD");   // class
  bad.push_back(0);                     // no checksum
  PutLengthPrefixed(bad, "");           // checksum value
  PutVarint64(bad, uint64_t{1} << 60);  // header count
  CHECK(DecodeObjectRecord(bad, true).error() == Errc::kCorrupt);
}

TEST_CASE("a bucket record round-trips and rejects junk") {
  BucketRecord r{-5, "eu-central-1"};
  auto decoded = DecodeBucketRecord(EncodeBucketRecord(r));
  REQUIRE(decoded);
  CHECK(decoded->created_ms == -5);
  CHECK(decoded->region == "eu-central-1");
  CHECK(DecodeBucketRecord("").error() == Errc::kCorrupt);
  CHECK(DecodeBucketRecord("\x01").error() == Errc::kCorrupt);
}

TEST_CASE("varints reject overlong and overflowing encodings") {
  std::string eleven_bytes = std::string(10, '\xff') + "\x01";
  Decoder eleven(eleven_bytes);
  uint64_t v = 0;
  CHECK_FALSE(eleven.GetVarint64(v));
  std::string overflow_bytes = std::string(9, '\xff') + "\x02";
  Decoder overflow(overflow_bytes);
  CHECK_FALSE(overflow.GetVarint64(v));
  std::string max;
  PutVarint64(max, UINT64_MAX);
  Decoder ok(max);
  REQUIRE(ok.GetVarint64(v));
  CHECK(v == UINT64_MAX);
}

TEST_CASE("prefix successor is the smallest string above every extension of the prefix") {
  CHECK(PrefixSuccessor("a/") == std::string("a0"));
  CHECK(PrefixSuccessor("ab") == std::string("ac"));
  CHECK(PrefixSuccessor(std::string("a\xff\xff", 3)) == std::string("b"));
  CHECK_FALSE(PrefixSuccessor(std::string("\xff\xff", 2)));
  CHECK_FALSE(PrefixSuccessor(""));
}

TEST_CASE("object record keys of one bucket never share a prefix with another bucket's") {
  CHECK_FALSE(ObjectRecordKey("ab", "c").starts_with(ObjectRecordPrefix("a")));
  CHECK(ObjectRecordKey("a", "bc").starts_with(ObjectRecordPrefix("a")));
  CHECK(BucketRecordKey("a").starts_with(BucketRecordPrefix()));
}

}  // namespace
}  // namespace strata::storage
