// storage/orphan_check.h over the real erasure chunk store: which blobs on the drives the index
// still references, and a scrub with NewOrphanCheck reclaiming exactly the others. Blobs a
// crash would leave behind are made by a chunk store whose Delete can be switched off (the
// crash between an index commit and the retired blob's delete) and by committing blobs the
// index never hears of (the crash between blob commit and index write).
#include "storage/orphan_check.h"

#include <catch2/catch.hpp>
#include <chrono>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "erasure/chunk_store.h"
#include "storage/metadata_keys.h"
#include "storage/object_record.h"
#include "storage/object_store.h"
#include "tests/storage/byte_source_fake.h"
#include "tests/storage/object_store_fixture_fake.h"
#include "tests/storage/result_string_maker.h"
#include "tests/storage/temp_dir_fake.h"

namespace strata::storage {
namespace {

using testing::ReadAllFrom;
using testing::TempDir;
using testing::TestBody;
using testing::TestPayload;

// Forwards to the real store; while `drop_deletes` is set, Delete does nothing (as if the
// process died right after the index commit that retired the blob).
class LeakyChunkStore final : public erasure::ChunkStore {
 public:
  explicit LeakyChunkStore(erasure::ChunkStore& inner) : inner_(inner) {}
  erasure::Result<std::unique_ptr<erasure::BlobWriter>> Create(
      const erasure::Placement& placement) override {
    return inner_.Create(placement);
  }
  erasure::Result<std::unique_ptr<erasure::BlobReader>> Open(const erasure::BlobRef& ref) override {
    return inner_.Open(ref);
  }
  boost::system::error_code Delete(const erasure::BlobRef& ref) override {
    if (drop_deletes) return {};
    return inner_.Delete(ref);
  }
  bool HasTier(std::string_view tier) const override { return inner_.HasTier(tier); }
  bool drop_deletes = false;

 private:
  erasure::ChunkStore& inner_;
};

class Fixture {
 public:
  Fixture() {
    metadata_ = NewMemoryMetadataStore();
    std::vector<erasure::TierSpec> tiers(1);
    tiers[0].name = "nvme";
    tiers[0].block_size = 4096;
    for (int i = 0; i < 4; ++i) {
      auto drive = erasure::OpenLocalDrive(dir_.path() + "/d" + std::to_string(i));
      REQUIRE(drive);
      tiers[0].drives.push_back(std::move(*drive));
    }
    erasure::ChunkStoreOptions chunk_options;
    chunk_options.start_healer = false;
    auto chunks = erasure::NewErasureChunkStore(std::move(tiers), chunk_options);
    REQUIRE(chunks);
    chunks_ = std::move(*chunks);
    leaky_ = std::make_unique<LeakyChunkStore>(*chunks_);
    StoreOptions options;
    options.storage_class_tiers = {{"STANDARD", "nvme"}};
    options.inline_threshold = 1024;
    options.min_part_size = 1;
    store_ = NewObjectStore(*metadata_, *leaky_, options);
  }

  ObjectStore& store() { return *store_; }
  MetadataStore& metadata() { return *metadata_; }
  erasure::ChunkStore& chunks() { return *chunks_; }
  void DropDeletes(bool on) { leaky_->drop_deletes = on; }

  void Put(const std::string& bucket, const std::string& key, const std::string& data) {
    TestBody body(data);
    REQUIRE(store_->Put(bucket, key, body, {}));
  }
  std::string Read(const std::string& bucket, const std::string& key) {
    auto reader = store_->Get(bucket, key);
    REQUIRE(reader);
    auto all = ReadAllFrom(**reader);
    REQUIRE(all);
    return *all;
  }
  PartInfo Part(const UploadInfo& u, uint32_t n, const std::string& data) {
    TestBody body(data);
    auto part = store_->UploadPart(u.bucket, u.key, u.upload_id, n, body);
    REQUIRE(part);
    return *part;
  }
  // A blob the index never heard of, labelled as storage/ labels object blobs.
  erasure::BlobRef StrayBlob(const std::string& bucket, const std::string& key) {
    auto writer = chunks_->Create(
        erasure::Placement{"nvme", bucket + "/" + key, EncodeBlobLabel(bucket, key, "null")});
    REQUIRE(writer);
    const std::string data = TestPayload(5000, 77);
    REQUIRE_FALSE((*writer)->Append(std::as_bytes(std::span(data))));
    auto ref = (*writer)->Commit();
    REQUIRE(ref);
    return *ref;
  }

  // Every blob on the drives (a dry-run scrub sees them all), with the verdict on each.
  std::map<std::string, BlobReference> Verdicts() {
    std::map<std::string, BlobReference> out;
    erasure::ScrubOptions options;
    options.grace = std::chrono::seconds(0);
    options.dry_run = true;
    auto report =
        chunks_->ScrubAll(options, [&](const erasure::ScrubBlob& b, const erasure::ScrubReport&) {
          out[b.blob_id] = CheckBlobReference(*metadata_, b.label, b.blob_id);
          return true;
        });
    REQUIRE(report);
    return out;
  }
  static size_t Count(const std::map<std::string, BlobReference>& v, BlobReference want) {
    size_t n = 0;
    for (const auto& [id, r] : v) n += r == want ? 1 : 0;
    return n;
  }
  // A scrub pass with the orphan check, as the server runs it (grace 0).
  erasure::ScrubReport Reclaim() {
    erasure::ScrubOptions options;
    options.grace = std::chrono::seconds(0);
    options.is_referenced = NewOrphanCheck(*metadata_);
    auto report = chunks_->ScrubAll(options, nullptr);
    REQUIRE(report);
    return *report;
  }

 private:
  TempDir dir_;
  std::unique_ptr<MetadataStore> metadata_;
  std::unique_ptr<erasure::ChunkStore> chunks_;
  std::unique_ptr<LeakyChunkStore> leaky_;
  std::unique_ptr<ObjectStore> store_;
};

const std::string kBig = TestPayload(20000, 1);
const std::string kBig2 = TestPayload(30000, 2);

TEST_CASE("Blobs of live objects, versions, uploads and completed parts are referenced",
          "[orphan]") {
  Fixture f;
  REQUIRE_FALSE(f.store().CreateBucket("b", ""));
  REQUIRE_FALSE(f.store().CreateBucket("v", ""));
  REQUIRE_FALSE(f.store().SetBucketVersioning("v", VersioningState::kEnabled));
  f.Put("b", "plain", kBig);
  f.Put("v", "k", kBig);
  f.Put("v", "k", kBig2);  // two versions, both live
  auto done = f.store().CreateMultipartUpload("b", "mp", {});
  REQUIRE(done);
  std::vector<CompletedPart> named;
  for (uint32_t n = 1; n <= 3; ++n) named.push_back({n, f.Part(*done, n, kBig).etag, {}});
  REQUIRE(f.store().CompleteMultipartUpload("b", "mp", done->upload_id, named, {}));
  auto open = f.store().CreateMultipartUpload("b", "mp", {});  // same key, still in progress
  REQUIRE(open);
  f.Part(*open, 1, kBig2);
  f.Part(*open, 7, kBig2);

  const auto verdicts = f.Verdicts();
  CHECK(verdicts.size() == 1 + 2 + 3 + 2);
  CHECK(Fixture::Count(verdicts, BlobReference::kReferenced) == verdicts.size());
  const auto report = f.Reclaim();
  CHECK(report.orphans_found == 0);
  CHECK(report.blobs_healthy == verdicts.size());
}

TEST_CASE("Blobs left by crashes are unreferenced and one scrub reclaims exactly those",
          "[orphan]") {
  Fixture f;
  REQUIRE_FALSE(f.store().CreateBucket("b", ""));
  REQUIRE_FALSE(f.store().CreateBucket("v", ""));
  REQUIRE_FALSE(f.store().SetBucketVersioning("v", VersioningState::kEnabled));
  f.Put("b", "over", kBig);
  f.Put("v", "k", kBig);
  f.Put("v", "k", kBig2);
  auto listed = f.store().ListObjectVersions("v", {});
  REQUIRE(listed);
  REQUIRE(listed->versions.size() == 2);
  const std::string older = listed->versions[1].version_id;
  auto aborted = f.store().CreateMultipartUpload("b", "gone", {});
  REQUIRE(aborted);
  f.Part(*aborted, 1, kBig);
  f.Part(*aborted, 2, kBig);
  auto mp = f.store().CreateMultipartUpload("b", "mp", {});
  REQUIRE(mp);
  const PartInfo p1 = f.Part(*mp, 1, kBig);
  f.Part(*mp, 2, kBig2);
  f.Part(*mp, 3, kBig);
  f.Put("b", "deleted", kBig);

  f.DropDeletes(true);        // from here on, every retired blob stays on the drives
  f.Put("b", "over", kBig2);  // replaced: 1
  REQUIRE(f.store().DeleteObject("v", "k", DeleteOptions{older, false, {}}));      // version: 1
  REQUIRE_FALSE(f.store().AbortMultipartUpload("b", "gone", aborted->upload_id));  // parts: 2
  const PartInfo p3 = f.Part(*mp, 3, kBig2);  // the first part 3: 1
  // Part 2 is not named: 1.
  REQUIRE(f.store().CompleteMultipartUpload("b", "mp", mp->upload_id,
                                            {{1, p1.etag, {}}, {3, p3.etag, {}}}, {}));
  REQUIRE_FALSE(f.store().Delete("b", "deleted"));  // unversioned delete: 1
  f.DropDeletes(false);
  f.StrayBlob("b", "never-indexed");  // the crash between blob commit and index write: 1
  f.StrayBlob("b", "over");           // same, under a live key: 1

  const auto verdicts = f.Verdicts();
  // Live: over, v/k (newer), mp's parts 1 and 3. Leaked: the counts above.
  CHECK(Fixture::Count(verdicts, BlobReference::kUnknown) == 0);
  const size_t live = Fixture::Count(verdicts, BlobReference::kReferenced);
  const size_t orphans = Fixture::Count(verdicts, BlobReference::kUnreferenced);
  CHECK(live == 4);
  CHECK(orphans == 1 + 1 + 2 + 1 + 1 + 1 + 2);

  const auto report = f.Reclaim();
  CHECK(report.orphans_reclaimed == orphans);
  CHECK(report.blobs_healthy == live);
  CHECK(f.chunks().Counters().orphans_reclaimed == orphans);
  // Everything the index references still reads back exact.
  CHECK(f.Read("b", "over") == kBig2);
  CHECK(f.Read("v", "k") == kBig2);
  CHECK(f.Read("b", "mp") == kBig + kBig2);
  const auto after = f.Verdicts();
  CHECK(after.size() == live);
  CHECK(Fixture::Count(after, BlobReference::kReferenced) == live);
}

TEST_CASE("Any doubt about a blob's owner means it is referenced", "[orphan]") {
  Fixture f;
  REQUIRE_FALSE(f.store().CreateBucket("b", ""));
  f.Put("b", "k", kBig);
  auto& md = f.metadata();
  const std::string id = "0123456789abcdef0123456789abcdef";
  const std::string label = EncodeBlobLabel("b", "k", "null");

  SECTION("a well-formed label whose records do not name the blob: unreferenced") {
    CHECK(CheckBlobReference(md, label, id) == BlobReference::kUnreferenced);
    CHECK(CheckBlobReference(md,
                             EncodePartBlobLabel("b", "k", "00000000000000000000000000000000", 1),
                             id) == BlobReference::kUnreferenced);
    CHECK(CheckBlobReference(md, EncodeBlobLabel("nobucket", "k", "null"), id) ==
          BlobReference::kUnreferenced);
  }
  SECTION("labels that are not storage's") {
    CHECK(CheckBlobReference(md, "", id) == BlobReference::kUnknown);
    CHECK(CheckBlobReference(md, "label0", id) == BlobReference::kUnknown);
    CHECK(CheckBlobReference(md, label + "x", id) == BlobReference::kUnknown);
    CHECK(CheckBlobReference(md, label.substr(0, label.size() - 1), id) == BlobReference::kUnknown);
    std::string future = label;
    future[0] = 9;
    CHECK(CheckBlobReference(md, future, id) == BlobReference::kUnknown);
    CHECK(CheckBlobReference(md, label, "") == BlobReference::kUnknown);
  }
  SECTION("a corrupt record under the key") {
    WriteBatch batch;
    batch.Put(VersionRecordKey("b", "k", "zzzz"), "\x02garbage");
    REQUIRE_FALSE(md.Write(batch));
    CHECK(CheckBlobReference(md, label, id) == BlobReference::kUnknown);
    // The hook keeps such a blob.
    erasure::ScrubBlob blob;
    blob.blob_id = id;
    blob.label = label;
    CHECK(NewOrphanCheck(md)(blob));
  }
  SECTION("a corrupt part record") {
    WriteBatch batch;
    batch.Put(PartRecordKey("u1", 1), "junk");
    REQUIRE_FALSE(md.Write(batch));
    CHECK(CheckBlobReference(md, EncodePartBlobLabel("b", "k", "u1", 1), id) ==
          BlobReference::kUnknown);
  }
}

}  // namespace
}  // namespace strata::storage
