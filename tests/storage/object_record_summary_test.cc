// DecodeObjectRecordSummary (the listing's decoder) against DecodeObjectRecord: the same fields
// and the same verdict on every input.
#include <catch2/catch.hpp>
#include <vector>

#include "storage/coding.h"
#include "storage/object_record.h"
#include "storage/sse.h"
#include "tests/storage/byte_source_fake.h"
#include "tests/storage/result_string_maker.h"

namespace strata::storage {
namespace {

// Every field set: versioned, tags, retention, legal hold, headers, checksum, inline payload.
ObjectRecord FullRecord() {
  ObjectRecord r;
  r.version_id = "0193a1b2c3d4e5f60718293a4b5c6d7e";
  r.sort_id = r.version_id;
  r.tags = {{"team", "ml"}, {"stage", "raw"}};
  r.retention_mode = RetentionMode::kCompliance;
  r.retain_until_ms = 1893456000000;
  r.legal_hold = true;
  r.legal_hold_set = true;
  r.size = 3;
  r.etag = "900150983cd24fb0d6963f7d28e17f72";
  r.last_modified_ms = 1732530000123;
  r.storage_class = "STANDARD_IA";
  r.headers = {{"content-type", "text/plain"}, {"x-amz-meta-a", std::string("v\0", 2)}};
  r.checksum = {ChecksumAlgorithm::kCrc32, std::string("\x35\x24\x41\xc2", 4)};
  r.payload_kind = PayloadKind::kInline;
  r.payload = "abc";
  return r;
}

// Format 3: an SSE-C envelope; the inline payload is the ciphertext's size.
ObjectRecord EncryptedRecord() {
  ObjectRecord r = FullRecord();
  SseEnvelope envelope;
  envelope.mode = SseMode::kCustomer;
  envelope.key_check = std::string(48, 'k');
  r.sse_envelope = EncodeSseEnvelope(envelope);
  r.payload = std::string(SseCiphertextSize(r.size), 'c');
  return r;
}

ObjectRecord DeleteMarkerRecord() {
  ObjectRecord r;
  r.version_id = "0193a1b2c3d4e5f60718293a4b5c6d7f";
  r.sort_id = r.version_id;
  r.delete_marker = true;
  r.last_modified_ms = -7;  // before the epoch: zigzag must carry the sign
  r.payload_kind = PayloadKind::kInline;
  return r;
}

ObjectRecord PartsRecord() {
  ObjectRecord r = FullRecord();
  r.payload_kind = PayloadKind::kParts;
  r.parts.upload_id = "upload-1";
  PartEntry part;
  part.part_number = 1;
  part.size = 3;
  part.md5 = std::string(16, 'm');
  part.kind = PayloadKind::kBlob;
  part.data = "blob-ref";
  r.parts.parts = {part};
  r.payload = EncodePartList(r.parts);
  return r;
}

// Format 1 (before versioning): no sort id, flags, tags or retention.
std::string FormatOneRecord() {
  std::string out;
  out.push_back(static_cast<char>(kObjectRecordFormatV1));
  PutVarint64(out, 2);                  // size
  PutVarint64(out, ZigZag(123456789));  // last modified
  PutLengthPrefixed(out, "e1");
  PutLengthPrefixed(out, "null");
  PutLengthPrefixed(out, "");  // storage class: none stored
  out.push_back(0);            // no checksum
  PutLengthPrefixed(out, "");
  PutVarint64(out, 1);  // one header
  PutLengthPrefixed(out, "content-type");
  PutLengthPrefixed(out, "a/b");
  out.push_back(static_cast<char>(PayloadKind::kInline));
  PutLengthPrefixed(out, "xy");
  return out;
}

std::vector<std::string> Encodings() {
  return {EncodeObjectRecord(FullRecord()),      EncodeCurrentObjectRecord(FullRecord()),
          EncodeObjectRecord(EncryptedRecord()), EncodeObjectRecord(DeleteMarkerRecord()),
          EncodeObjectRecord(PartsRecord()),     FormatOneRecord()};
}

// The summary decoder's verdict must be the full decoder's (without payload).
void CheckSameVerdict(std::string_view bytes) {
  auto full = DecodeObjectRecord(bytes, /*with_payload=*/false);
  auto summary = DecodeObjectRecordSummary(bytes);
  CHECK(static_cast<bool>(full) == static_cast<bool>(summary));
  if (!summary) CHECK(summary.error() == Errc::kCorrupt);
}

TEST_CASE("the listing summary of a record carries the fields the full decoder gives") {
  for (const std::string& encoded : Encodings()) {
    INFO(HexEncode(encoded));
    auto full = DecodeObjectRecord(encoded, /*with_payload=*/false);
    auto summary = DecodeObjectRecordSummary(encoded);
    REQUIRE(full);
    REQUIRE(summary);
    CHECK(summary->version_id == full->version_id);
    CHECK(summary->etag == full->etag);
    CHECK(summary->storage_class == full->storage_class);
    CHECK(summary->sse_envelope == full->sse_envelope);
    CHECK(summary->size == full->size);
    CHECK(summary->last_modified_ms == full->last_modified_ms);
    CHECK(summary->delete_marker == full->delete_marker);
    CHECK(summary->legal_hold == full->legal_hold);
    CHECK(summary->legal_hold_set == full->legal_hold_set);
    CHECK(summary->tag_count == full->tags.size());
    CHECK(summary->retention_mode == full->retention_mode);
    CHECK(summary->retain_until_ms == full->retain_until_ms);
  }
  // The summary views the encoded bytes: they must outlive it.
  const std::string full_bytes = EncodeObjectRecord(FullRecord());
  auto full = DecodeObjectRecordSummary(full_bytes);
  REQUIRE(full);
  CHECK(full->tag_count == 2);
  CHECK(full->retention_mode == RetentionMode::kCompliance);
  CHECK(full->legal_hold);
  CHECK(full->storage_class == "STANDARD_IA");
  const std::string marker_bytes = EncodeObjectRecord(DeleteMarkerRecord());
  auto marker = DecodeObjectRecordSummary(marker_bytes);
  REQUIRE(marker);
  CHECK(marker->delete_marker);
  CHECK(marker->last_modified_ms == -7);
}

TEST_CASE("a listed object info matches the full one in every field a listing fills") {
  for (const std::string& encoded : Encodings()) {
    INFO(HexEncode(encoded));
    auto record = DecodeObjectRecord(encoded, /*with_payload=*/false);
    auto summary = DecodeObjectRecordSummary(encoded);
    REQUIRE(record);
    REQUIRE(summary);
    ObjectInfo want = ToObjectInfo("bucket", "dir/key", std::move(*record));
    ObjectInfo got;
    FillListedObjectInfo(got, "bucket", "dir/key", *summary);
    CHECK(got.bucket == want.bucket);
    CHECK(got.key == want.key);
    CHECK(got.version_id == want.version_id);
    CHECK(got.delete_marker == want.delete_marker);
    CHECK(got.tag_count == want.tag_count);
    CHECK(got.retention.mode == want.retention.mode);
    CHECK(got.retention.retain_until == want.retention.retain_until);
    CHECK(got.legal_hold == want.legal_hold);
    CHECK(got.legal_hold_set == want.legal_hold_set);
    CHECK(got.size == want.size);
    CHECK(got.etag == want.etag);
    CHECK(got.last_modified == want.last_modified);
    CHECK(got.storage_class == want.storage_class);
    CHECK(got.sse == want.sse);
    // Not a listing's business: left empty.
    CHECK(got.headers.empty());
    CHECK(got.sse_envelope.empty());
    CHECK(got.parts.empty());
  }
}

TEST_CASE("every truncation of a record, and trailing bytes, are corrupt to the summary") {
  for (const std::string& encoded : Encodings()) {
    INFO(HexEncode(encoded));
    for (size_t n = 0; n < encoded.size(); ++n) {
      INFO(n);
      CHECK(DecodeObjectRecordSummary(encoded.substr(0, n)).error() == Errc::kCorrupt);
    }
    CHECK(DecodeObjectRecordSummary(encoded + "x").error() == Errc::kCorrupt);
  }
}

TEST_CASE("the summary and the full decoder agree on every one-byte change of a record") {
  for (const std::string& encoded : Encodings()) {
    for (size_t i = 0; i < encoded.size(); ++i) {
      for (int value : {0x00, 0x01, 0x02, 0x03, 0x04, 0x07, 0x08, 0x7f, 0x80, 0xff}) {
        std::string changed = encoded;
        changed[i] = static_cast<char>(value);
        INFO(HexEncode(changed));
        CheckSameVerdict(changed);
      }
    }
  }
}

TEST_CASE("random bytes never crash the summary decoder, which agrees with the full one") {
  for (uint32_t seed = 1; seed < 3000; ++seed) {
    std::string junk = testing::TestPayload(seed % 64, seed);
    if (!junk.empty()) junk[0] = static_cast<char>(1 + seed % 3);  // formats 1..3
    INFO(seed);
    CheckSameVerdict(junk);
  }
}

TEST_CASE("huge claimed header or tag counts are corrupt to the summary without a long walk") {
  std::string headers;
  headers.push_back(static_cast<char>(kObjectRecordFormatV1));
  PutVarint64(headers, 0);
  PutVarint64(headers, 0);
  PutLengthPrefixed(headers, "");
  PutLengthPrefixed(headers, "null");
  PutLengthPrefixed(headers, "STANDARD");
  headers.push_back(0);
  PutLengthPrefixed(headers, "");
  PutVarint64(headers, uint64_t{1} << 60);  // header count
  CHECK(DecodeObjectRecordSummary(headers).error() == Errc::kCorrupt);

  std::string tags;
  tags.push_back(static_cast<char>(kObjectRecordFormatV2));
  PutVarint64(tags, 0);
  PutVarint64(tags, 0);
  PutLengthPrefixed(tags, "");
  PutLengthPrefixed(tags, "null");
  PutLengthPrefixed(tags, "sort");
  tags.push_back(0);  // flags
  PutLengthPrefixed(tags, "STANDARD");
  tags.push_back(0);
  PutLengthPrefixed(tags, "");
  PutVarint64(tags, 0);                  // no headers
  PutVarint64(tags, uint64_t{1} << 60);  // tag count
  CHECK(DecodeObjectRecordSummary(tags).error() == Errc::kCorrupt);
}

TEST_CASE("a record with a time no clock value holds is corrupt to both decoders") {
  // Found by object_record_fuzz: converting such a time to a TimePoint overflowed.
  for (int64_t ms : {INT64_MAX, INT64_MIN, int64_t{221763840127227} * 1000}) {
    ObjectRecord modified = FullRecord();
    modified.last_modified_ms = ms;
    ObjectRecord retained = FullRecord();
    retained.retain_until_ms = ms;
    for (const ObjectRecord& r : {modified, retained}) {
      std::string encoded = EncodeObjectRecord(r);
      CHECK(DecodeObjectRecord(encoded, true).error() == Errc::kCorrupt);
      CHECK(DecodeObjectRecordSummary(encoded).error() == Errc::kCorrupt);
    }
    CHECK_FALSE(RepresentableMillis(ms));
    CHECK(FromUnixMillis(ms) == (ms < 0 ? TimePoint::min() : TimePoint::max()));
  }
  const int64_t latest = ToUnixMillis(TimePoint::max());
  CHECK(RepresentableMillis(latest));
  CHECK(RepresentableMillis(ToUnixMillis(TimePoint::min())));
  ObjectRecord edge = FullRecord();
  edge.retain_until_ms = latest;
  const std::string edge_bytes = EncodeObjectRecord(edge);
  auto decoded = DecodeObjectRecordSummary(edge_bytes);
  REQUIRE(decoded);
  ObjectInfo listed;
  FillListedObjectInfo(listed, "b", "k", *decoded);
  CHECK(listed.retention.retain_until == FromUnixMillis(latest));
}

}  // namespace
}  // namespace strata::storage
