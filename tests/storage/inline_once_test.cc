// Small objects' bytes are stored once: in the version record ("v/"), while the latest copy
// ("o/") says where they are (PayloadKind::kInlineInVersion). Checks the encoding, that every
// way of reading or changing an object still sees its bytes, and that a missing version record
// is reported as damage rather than as an empty object.
#include <catch2/catch.hpp>

#include "storage/metadata_keys.h"
#include "storage/object_record.h"
#include "tests/storage/result_string_maker.h"
#include "tests/storage/versioning_helpers_fake.h"

namespace strata::storage {
namespace {

using testing::PutVersion;
using testing::ReadVersion;
using testing::SetVersioning;
using testing::StoreFixture;

ObjectRecord InlineRecord() {
  ObjectRecord r;
  r.size = 5;
  r.etag = "5d41402abc4b2a76b9719d911017c592";
  r.sort_id = "0123456789abcdef";
  r.version_id = "null";
  r.storage_class = "STANDARD";
  r.payload_kind = PayloadKind::kInline;
  r.payload = "hello";
  return r;
}

// The decoded "o/" record of bucket/key, straight from the index.
ObjectRecord LatestCopy(StoreFixture& f, const std::string& bucket, const std::string& key) {
  auto value = f.metadata().Get(ObjectRecordKey(bucket, key));
  REQUIRE(value);
  REQUIRE(value->has_value());
  auto record = DecodeObjectRecord(**value, /*with_payload=*/true);
  REQUIRE(record);
  return std::move(*record);
}

TEST_CASE("the latest copy of an inline record leaves its bytes to the version record") {
  const ObjectRecord r = InlineRecord();
  const std::string current = EncodeCurrentObjectRecord(r);
  CHECK(current.size() + r.payload.size() == EncodeObjectRecord(r).size());
  auto decoded = DecodeObjectRecord(current, /*with_payload=*/true);
  REQUIRE(decoded);
  CHECK(decoded->payload_kind == PayloadKind::kInlineInVersion);
  CHECK(decoded->payload.empty());
  CHECK(decoded->size == 5);
  CHECK(decoded->etag == r.etag);
  CHECK(decoded->sort_id == r.sort_id);
}

TEST_CASE("records whose bytes cannot move keep them in the latest copy") {
  ObjectRecord blob = InlineRecord();
  blob.payload_kind = PayloadKind::kBlob;
  blob.payload = "an encoded blob reference";
  CHECK(EncodeCurrentObjectRecord(blob) == EncodeObjectRecord(blob));
  ObjectRecord legacy = InlineRecord();  // format 1: no sort id, so no version record
  legacy.sort_id.clear();
  CHECK(EncodeCurrentObjectRecord(legacy) == EncodeObjectRecord(legacy));
}

TEST_CASE("a bytes-elsewhere record with bytes or without a sort id is corrupt") {
  ObjectRecord r = InlineRecord();
  std::string encoded = EncodeCurrentObjectRecord(r);
  // Last two bytes: kind 3, empty payload. Give it a one-byte payload instead.
  REQUIRE(encoded.substr(encoded.size() - 2) == std::string("\x03\x00", 2));
  std::string with_bytes = encoded.substr(0, encoded.size() - 1) + std::string("\x01x", 2);
  CHECK(DecodeObjectRecord(with_bytes, true).error() == Errc::kCorrupt);
  // The same record without a sort id: a hand-built encoding (the encoder never writes one).
  ObjectRecord no_sort = r;
  no_sort.sort_id.clear();
  std::string plain = EncodeObjectRecord(no_sort);
  plain = plain.substr(0, plain.size() - 2 - r.payload.size()) + std::string("\x03\x00", 2);
  CHECK(DecodeObjectRecord(plain, true).error() == Errc::kCorrupt);
}

TEST_CASE("a small object's bytes are written once, and every read still sees them") {
  StoreFixture f("fake");
  f.MakeBucket("b");
  f.PutOrDie("b", "k", "small bytes");
  ObjectRecord latest = LatestCopy(f, "b", "k");
  CHECK(latest.payload_kind == PayloadKind::kInlineInVersion);
  auto version = f.metadata().Get(VersionRecordKey("b", "k", latest.sort_id));
  REQUIRE(version);
  REQUIRE(version->has_value());
  CHECK(DecodeObjectRecord(**version, true)->payload == "small bytes");

  CHECK(f.ReadAll("b", "k").value() == "small bytes");
  auto head = f.store().Head("b", "k");
  REQUIRE(head);
  CHECK(head->size == 11);
  CHECK(ReadVersion(f, "b", "k", "null").value() == "small bytes");
}

TEST_CASE("changing a small object's tags keeps its bytes in both records") {
  StoreFixture f("fake");
  f.MakeBucket("b");
  f.PutOrDie("b", "k", "tagged bytes");
  REQUIRE(f.store().PutObjectTagging("b", "k", "", TagSet{{"team", "ml"}}));
  CHECK(f.ReadAll("b", "k").value() == "tagged bytes");
  ObjectRecord latest = LatestCopy(f, "b", "k");
  CHECK(latest.tags == TagSet{{"team", "ml"}});
  CHECK(latest.payload_kind == PayloadKind::kInlineInVersion);
  CHECK(ReadVersion(f, "b", "k", "null").value() == "tagged bytes");
}

TEST_CASE("older versions and a promoted latest keep their bytes") {
  StoreFixture f("fake");
  f.MakeBucket("b");
  f.PutOrDie("b", "k", "unversioned one");  // the null version
  SetVersioning(f, "b", VersioningState::kEnabled);
  const std::string v2 = PutVersion(f, "b", "k", "two");
  const std::string v3 = PutVersion(f, "b", "k", "three");
  CHECK(ReadVersion(f, "b", "k", "null").value() == "unversioned one");
  CHECK(ReadVersion(f, "b", "k", v2).value() == "two");
  CHECK(ReadVersion(f, "b", "k", "").value() == "three");
  // Removing the latest version makes v2 the latest again.
  DeleteOptions remove;
  remove.version_id = v3;
  REQUIRE(f.store().DeleteObject("b", "k", remove));
  CHECK(f.ReadAll("b", "k").value() == "two");
  // A delete marker hides the object; removing it brings v2 back.
  auto marker = f.store().DeleteObject("b", "k", DeleteOptions{});
  REQUIRE(marker);
  CHECK(f.ReadAll("b", "k").error() == Errc::kNoSuchKey);
  remove.version_id = marker->version_id;
  REQUIRE(f.store().DeleteObject("b", "k", remove));
  CHECK(f.ReadAll("b", "k").value() == "two");
}

TEST_CASE("a latest copy whose version record is gone reads as corrupt, not as empty") {
  StoreFixture f("fake");
  f.MakeBucket("b");
  f.PutOrDie("b", "k", "doomed bytes");
  const ObjectRecord latest = LatestCopy(f, "b", "k");
  WriteBatch damage;
  damage.Delete(VersionRecordKey("b", "k", latest.sort_id));
  REQUIRE_FALSE(f.metadata().Write(damage));
  CHECK(f.ReadAll("b", "k").error() == Errc::kCorrupt);
}

}  // namespace
}  // namespace strata::storage
