#include "storage/object_record.h"

#include <catch2/catch.hpp>

#include "storage/coding.h"
#include "storage/metadata_keys.h"
#include "storage/upload_record.h"
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
  CHECK(encoded[0] == static_cast<char>(kObjectRecordFormatV2));
  encoded[0] = 3;  // unknown format
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
    CHECK((r ? r->payload_kind <= PayloadKind::kParts : r.error() == Errc::kCorrupt));
    auto b = DecodeBucketRecord(junk);
    CHECK((b || b.error() == Errc::kCorrupt));
  }
}

ObjectRecord SamplePartsRecord() {
  ObjectRecord r = SampleRecord();
  r.payload_kind = PayloadKind::kParts;
  r.parts.upload_id = "0193a1b2c3d4e5f60718293a4b5c6d7e";
  PartEntry blob_part;
  blob_part.part_number = 1;
  blob_part.size = 5 << 20;
  blob_part.md5 = Md5("one");
  blob_part.checksum = "\x01\x02\x03\x04";
  blob_part.kind = PayloadKind::kBlob;
  blob_part.data = "encoded-blob-ref";
  PartEntry inline_part;
  inline_part.part_number = 7;
  inline_part.size = 3;
  inline_part.md5 = Md5("abc");
  inline_part.kind = PayloadKind::kInline;
  inline_part.data = "abc";
  r.parts.parts = {blob_part, inline_part};
  r.size = blob_part.size + 3;
  r.etag = "0123456789abcdef0123456789abcdef-2";
  r.payload = EncodePartList(r.parts);
  return r;
}

TEST_CASE("a multipart object record round-trips its part list (payload kind 2)") {
  ObjectRecord r = SamplePartsRecord();
  std::string encoded = EncodeObjectRecord(r);
  CHECK(encoded[0] == static_cast<char>(kObjectRecordFormatV2));
  auto decoded = DecodeObjectRecord(encoded, true);
  REQUIRE(decoded);
  CHECK(decoded->payload_kind == PayloadKind::kParts);
  CHECK(decoded->parts.upload_id == r.parts.upload_id);
  REQUIRE(decoded->parts.parts.size() == 2);
  CHECK(decoded->parts.parts[0].data == "encoded-blob-ref");
  CHECK(decoded->parts.parts[0].checksum == "\x01\x02\x03\x04");
  CHECK(decoded->parts.parts[1].part_number == 7);
  CHECK(decoded->parts.parts[1].kind == PayloadKind::kInline);
  ObjectInfo info = ToObjectInfo("b", "k", std::move(*decoded));
  REQUIRE(info.parts.size() == 2);
  CHECK(info.parts[0].etag == HexEncode(Md5("one")));
  CHECK(info.parts[0].checksum.algorithm == ChecksumAlgorithm::kCrc32);
  CHECK(info.parts[1].size == 3);
  CHECK(info.parts[1].checksum.value.empty());
  auto listing = DecodeObjectRecord(encoded, false);  // listing skips the part list
  REQUIRE(listing);
  CHECK(listing->parts.parts.empty());
}

TEST_CASE("part lists that are truncated, unordered or inconsistent are corrupt") {
  ObjectRecord r = SamplePartsRecord();
  std::string encoded = EncodeObjectRecord(r);
  for (size_t n = 0; n < encoded.size(); ++n) {
    INFO(n);
    CHECK_FALSE(DecodeObjectRecord(encoded.substr(0, n), true));
  }
  std::string list = EncodePartList(r.parts);
  for (size_t n = 0; n < list.size(); ++n) CHECK_FALSE(DecodePartList(list.substr(0, n)));
  auto unordered = r;
  std::swap(unordered.parts.parts[0], unordered.parts.parts[1]);
  unordered.payload = EncodePartList(unordered.parts);
  CHECK(DecodeObjectRecord(EncodeObjectRecord(unordered), true).error() == Errc::kCorrupt);
  auto wrong_total = r;
  wrong_total.size += 1;
  CHECK(DecodeObjectRecord(EncodeObjectRecord(wrong_total), true).error() == Errc::kCorrupt);
  auto short_md5 = r;
  short_md5.parts.parts[1].md5 = "abc";
  short_md5.payload = EncodePartList(short_md5.parts);
  CHECK(DecodeObjectRecord(EncodeObjectRecord(short_md5), true).error() == Errc::kCorrupt);
  std::string huge;
  PutLengthPrefixed(huge, "id");
  PutVarint64(huge, uint64_t{1} << 40);  // claimed part count
  CHECK(DecodePartList(huge).error() == Errc::kCorrupt);
}

TEST_CASE("random bytes never crash the part list and upload record decoders") {
  for (uint32_t seed = 1; seed < 3000; ++seed) {
    std::string junk = testing::TestPayload(seed % 96, seed);
    auto parts = DecodePartList(junk);
    CHECK((parts || parts.error() == Errc::kCorrupt));
    if (!junk.empty()) junk[0] = 1;
    auto upload = DecodeUploadRecord(junk);
    CHECK((upload || upload.error() == Errc::kCorrupt));
    auto part = DecodePartRecord(junk);
    CHECK((part || part.error() == Errc::kCorrupt));
  }
}

TEST_CASE("upload and part records round-trip") {
  UploadRecord u;
  u.initiated_ms = 1732530000123;
  u.storage_class = "STANDARD_IA";
  u.checksum_algorithm = ChecksumAlgorithm::kSha256;
  u.headers = {{"content-type", "x/y"}};
  auto du = DecodeUploadRecord(EncodeUploadRecord(u));
  REQUIRE(du);
  CHECK(du->initiated_ms == u.initiated_ms);
  CHECK(du->storage_class == u.storage_class);
  CHECK(du->checksum_algorithm == u.checksum_algorithm);
  CHECK(du->headers == u.headers);
  PartRecord p;
  p.size = 3;
  p.last_modified_ms = -1;
  p.md5 = Md5("abc");
  p.checksum = {ChecksumAlgorithm::kCrc32c, "\x01\x02\x03\x04"};
  p.kind = PayloadKind::kInline;
  p.data = "abc";
  std::string encoded = EncodePartRecord(p);
  auto dp = DecodePartRecord(encoded);
  REQUIRE(dp);
  CHECK(dp->size == 3);
  CHECK(dp->last_modified_ms == -1);
  CHECK(dp->checksum.value == p.checksum.value);
  CHECK(dp->data == "abc");
  for (size_t n = 0; n < encoded.size(); ++n) CHECK_FALSE(DecodePartRecord(encoded.substr(0, n)));
  CHECK_FALSE(DecodePartRecord(encoded + "x"));
}

TEST_CASE("upload and part keys sort as listing needs") {
  CHECK(UploadRecordKey("b", "k", "id").starts_with(UploadRecordPrefix("b")));
  CHECK_FALSE(UploadRecordKey("bb", "k", "id").starts_with(UploadRecordPrefix("b")));
  // All uploads of "a" sort before any upload of "a/" or "ab".
  CHECK(UploadRecordKey("b", "a", "ffff") < UploadRecordKey("b", "a/", "0000"));
  CHECK(PartRecordKey("u", 2) < PartRecordKey("u", 10));
  CHECK(PartRecordKey("u", 255) < PartRecordKey("u", 256));
  CHECK(PartNumberOfKey(PartRecordKey("u", 10000), "u") == 10000);
  CHECK(PartNumberOfKey(PartRecordPrefix("u"), "u") == 0);
  std::string_view key, id;
  const std::string suffix("dir/k\0abc", 9);
  REQUIRE(SplitUploadSuffix(suffix, key, id));
  CHECK(key == "dir/k");
  CHECK(id == "abc");
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
  BucketRecord r;
  r.created_ms = -5;
  r.region = "eu-central-1";
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
