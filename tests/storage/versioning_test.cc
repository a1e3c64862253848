// Bucket versioning: states, versions, null versions, delete markers, permanent deletion,
// reclaiming, concurrency, multipart completion and the migration of pre-versioning records.
// Runs on the in-memory chunk store fake and the real erasure store.
#include <catch2/catch.hpp>
#include <set>
#include <thread>

#include "storage/metadata_keys.h"
#include "storage/object_record.h"
#include "storage/version_id.h"
#include "tests/storage/byte_source_fake.h"
#include "tests/storage/result_string_maker.h"
#include "tests/storage/versioning_helpers_fake.h"

namespace strata::storage {
namespace {

using testing::AllVersions;
using testing::kTestInlineThreshold;
using testing::PutVersion;
using testing::ReadVersion;
using testing::SetVersioning;
using testing::StoreFixture;
using testing::TestBody;
using testing::TestPayload;

std::string ChunkStoreUnderTest() { return GENERATE(as<std::string>{}, "fake", "erasure"); }

const std::string kBig = TestPayload(kTestInlineThreshold * 3, 7);  // stored as a blob

TEST_CASE("versioning goes unversioned to enabled to suspended and never back to unversioned") {
  StoreFixture f("fake");
  auto& s = f.store();
  f.MakeBucket("b");
  CHECK(s.GetBucketVersioning("b").value() == VersioningState::kUnversioned);
  CHECK_FALSE(s.SetBucketVersioning("b", VersioningState::kUnversioned));  // still allowed
  CHECK_FALSE(s.SetBucketVersioning("b", VersioningState::kEnabled));
  CHECK(s.GetBucketVersioning("b").value() == VersioningState::kEnabled);
  CHECK(s.SetBucketVersioning("b", VersioningState::kUnversioned) == Errc::kInvalidBucketState);
  CHECK_FALSE(s.SetBucketVersioning("b", VersioningState::kSuspended));
  CHECK(s.GetBucketVersioning("b").value() == VersioningState::kSuspended);
  CHECK(s.SetBucketVersioning("b", VersioningState::kUnversioned) == Errc::kInvalidBucketState);
  CHECK_FALSE(s.SetBucketVersioning("b", VersioningState::kEnabled));
  CHECK(s.GetBucket("b")->versioning == VersioningState::kEnabled);
  CHECK(s.SetBucketVersioning("missing", VersioningState::kEnabled) == Errc::kNoSuchBucket);
  CHECK(s.GetBucketVersioning("missing").error() == Errc::kNoSuchBucket);
}

TEST_CASE("every put in an enabled bucket creates a new version readable by its id") {
  auto kind = ChunkStoreUnderTest();
  INFO(kind);
  StoreFixture f(kind);
  f.MakeBucket("b");
  SetVersioning(f, "b", VersioningState::kEnabled);
  std::string v1 = PutVersion(f, "b", "k", "one");
  std::string v2 = PutVersion(f, "b", "k", kBig);
  std::string v3 = PutVersion(f, "b", "k", "three");
  for (const auto& v : {v1, v2, v3}) {
    CHECK(IsWellFormedVersionId(v));
  }
  // Newer ids sort first, so the index lists a key's versions newest first.
  CHECK(v3 < v2);
  CHECK(v2 < v1);
  CHECK(ReadVersion(f, "b", "k", v1).value() == "one");
  CHECK(ReadVersion(f, "b", "k", v2).value() == kBig);
  CHECK(ReadVersion(f, "b", "k", "").value() == "three");
  CHECK(f.ReadAll("b", "k").value() == "three");
  auto head = f.store().HeadVersion("b", "k", v2);
  REQUIRE(head);
  CHECK(head->version_id == v2);
  CHECK(head->size == kBig.size());
  CHECK_FALSE(head->is_latest);
  CHECK(f.store().HeadVersion("b", "k", v3)->is_latest);
  CHECK(f.BlobCount() == 1);  // the big version's blob is kept
  auto versions = AllVersions(f.store(), "b");
  REQUIRE(versions.size() == 3);
  CHECK(versions[0].version_id == v3);
}

TEST_CASE("puts in an unversioned bucket replace the null version and reclaim its blob") {
  auto kind = ChunkStoreUnderTest();
  INFO(kind);
  StoreFixture f(kind);
  f.MakeBucket("b");
  CHECK(PutVersion(f, "b", "k", kBig) == "null");
  CHECK(PutVersion(f, "b", "k", kBig + "x") == "null");
  CHECK(f.BlobCount() == 1);
  auto versions = AllVersions(f.store(), "b");
  REQUIRE(versions.size() == 1);
  CHECK(versions[0].version_id == "null");
  CHECK(versions[0].is_latest);
  CHECK(ReadVersion(f, "b", "k", "null").value() == kBig + "x");
  CHECK_FALSE(f.store().Delete("b", "k"));
  CHECK(f.BlobCount() == 0);
  CHECK(AllVersions(f.store(), "b").empty());
  CHECK_FALSE(f.store().DeleteBucket("b"));
}

TEST_CASE("a put in a bucket never versioned replaces the latest without scanning the key") {
  StoreFixture f("fake");
  f.MakeBucket("b");
  CHECK(PutVersion(f, "b", "k", "small") == "null");  // inline
  CHECK(PutVersion(f, "b", "k", kBig) == "null");     // replaces it with a blob
  f.metadata().Reset();
  CHECK(PutVersion(f, "b", "k", "again") == "null");
  CHECK(f.metadata().cursor_steps() == 0);
  CHECK(f.BlobCount() == 0);  // the blob it replaced is reclaimed
  auto versions = AllVersions(f.store(), "b");
  REQUIRE(versions.size() == 1);
  CHECK(ReadVersion(f, "b", "k", "null").value() == "again");

  // Once versioned, the null version may be older than the latest: the key's versions are
  // scanned for it.
  SetVersioning(f, "b", VersioningState::kEnabled);
  const std::string id = PutVersion(f, "b", "k", kBig);
  SetVersioning(f, "b", VersioningState::kSuspended);
  f.metadata().Reset();
  CHECK(PutVersion(f, "b", "k", "suspended") == "null");
  CHECK(f.metadata().cursor_steps() > 0);
  versions = AllVersions(f.store(), "b");
  REQUIRE(versions.size() == 2);
  CHECK(ReadVersion(f, "b", "k", id).value() == kBig);
  CHECK(ReadVersion(f, "b", "k", "null").value() == "suspended");
}

TEST_CASE("a suspended bucket replaces only the null version and keeps the others") {
  auto kind = ChunkStoreUnderTest();
  INFO(kind);
  StoreFixture f(kind);
  f.MakeBucket("b");
  PutVersion(f, "b", "k", "before");  // a null version from the unversioned days
  SetVersioning(f, "b", VersioningState::kEnabled);
  std::string v1 = PutVersion(f, "b", "k", kBig);
  SetVersioning(f, "b", VersioningState::kSuspended);
  CHECK(PutVersion(f, "b", "k", kBig + "n1") == "null");
  CHECK(PutVersion(f, "b", "k", "n2") == "null");
  auto versions = AllVersions(f.store(), "b");
  REQUIRE(versions.size() == 2);
  CHECK(versions[0].version_id == "null");
  CHECK(versions[0].is_latest);
  CHECK(versions[1].version_id == v1);
  CHECK(ReadVersion(f, "b", "k", "null").value() == "n2");
  CHECK(ReadVersion(f, "b", "k", v1).value() == kBig);
  CHECK(f.BlobCount() == 1);  // n1's blob was reclaimed, v1's kept
}

TEST_CASE("a delete without version id writes a delete marker that hides the key") {
  auto kind = ChunkStoreUnderTest();
  INFO(kind);
  StoreFixture f(kind);
  auto& s = f.store();
  f.MakeBucket("b");
  SetVersioning(f, "b", VersioningState::kEnabled);
  std::string v1 = PutVersion(f, "b", "k", kBig);
  auto deleted = s.DeleteObject("b", "k", DeleteOptions{});
  REQUIRE(deleted);
  CHECK(deleted->delete_marker);
  CHECK(IsWellFormedVersionId(deleted->version_id));
  CHECK(deleted->version_id < v1);
  // Latest is a marker: the old API says no such key, the versioned one says why.
  CHECK(s.Get("b", "k").error() == Errc::kNoSuchKey);
  CHECK(s.Head("b", "k").error() == Errc::kNoSuchKey);
  CHECK(s.GetVersion("b", "k", "").error() == Errc::kDeleteMarker);
  CHECK(s.HeadVersion("b", "k", "").error() == Errc::kDeleteMarker);
  auto stat = s.StatVersion("b", "k", "");
  REQUIRE(stat);
  CHECK(stat->delete_marker);
  CHECK(stat->is_latest);
  CHECK(stat->version_id == deleted->version_id);
  // The marker by id: 405; the old version still reads.
  CHECK(s.GetVersion("b", "k", deleted->version_id).error() == Errc::kMethodNotAllowed);
  CHECK(s.HeadVersion("b", "k", deleted->version_id).error() == Errc::kMethodNotAllowed);
  CHECK(ReadVersion(f, "b", "k", v1).value() == kBig);
  CHECK(f.BlobCount() == 1);
  auto listed = s.List("b", ListOptions{});
  REQUIRE(listed);
  CHECK(listed->objects.empty());
  // A second delete writes a second marker.
  auto again = s.DeleteObject("b", "k", DeleteOptions{});
  REQUIRE(again);
  CHECK(again->version_id != deleted->version_id);
  CHECK(AllVersions(s, "b").size() == 3);
}

TEST_CASE("deleting a version permanently promotes the next newest and reclaims its blob") {
  auto kind = ChunkStoreUnderTest();
  INFO(kind);
  StoreFixture f(kind);
  auto& s = f.store();
  f.MakeBucket("b");
  SetVersioning(f, "b", VersioningState::kEnabled);
  std::string v1 = PutVersion(f, "b", "k", "one");
  std::string v2 = PutVersion(f, "b", "k", kBig);
  CHECK(f.BlobCount() == 1);
  DeleteOptions by_id;
  by_id.version_id = v2;
  auto removed = s.DeleteObject("b", "k", by_id);
  REQUIRE(removed);
  CHECK_FALSE(removed->delete_marker);
  CHECK(removed->version_id == v2);
  CHECK(f.BlobCount() == 0);
  CHECK(s.GetVersion("b", "k", v2).error() == Errc::kNoSuchVersion);
  CHECK(f.ReadAll("b", "k").value() == "one");
  CHECK(s.Head("b", "k")->version_id == v1);
  // Removing an older (not latest) version leaves the latest alone.
  std::string v3 = PutVersion(f, "b", "k", "three");
  by_id.version_id = v1;
  REQUIRE(s.DeleteObject("b", "k", by_id));
  CHECK(f.ReadAll("b", "k").value() == "three");
  // Removing the last version removes the key.
  by_id.version_id = v3;
  REQUIRE(s.DeleteObject("b", "k", by_id));
  CHECK(s.Head("b", "k").error() == Errc::kNoSuchKey);
  CHECK(AllVersions(s, "b").empty());
  CHECK_FALSE(s.DeleteBucket("b"));
}

TEST_CASE("write conditions treat a key whose latest is a delete marker as absent") {
  StoreFixture f("fake");
  auto& s = f.store();
  f.MakeBucket("b");
  SetVersioning(f, "b", VersioningState::kEnabled);
  PutVersion(f, "b", "k", "one");
  REQUIRE(s.DeleteObject("b", "k", DeleteOptions{}));
  PutOptions if_match;
  if_match.condition.if_match = "*";
  TestBody b1("two");
  CHECK(s.Put("b", "k", b1, if_match).error() == Errc::kPreconditionFailed);
  PutOptions create_only;
  create_only.condition.if_none_match_any = true;
  TestBody b2("two");
  REQUIRE(s.Put("b", "k", b2, create_only));
  CHECK(f.ReadAll("b", "k").value() == "two");
  CHECK(AllVersions(s, "b").size() == 3);
}

TEST_CASE("deleting a named version with If-Match compares that version's ETag") {
  StoreFixture f("fake");
  auto& s = f.store();
  f.MakeBucket("b");
  SetVersioning(f, "b", VersioningState::kEnabled);
  std::string v1 = PutVersion(f, "b", "k", "one");
  std::string v2 = PutVersion(f, "b", "k", "two");
  const std::string etag1 = s.HeadVersion("b", "k", v1)->etag;
  const std::string etag2 = s.HeadVersion("b", "k", v2)->etag;
  DeleteOptions wrong;
  wrong.version_id = v1;
  wrong.condition.if_match = etag2;
  CHECK(s.DeleteObject("b", "k", wrong).error() == Errc::kPreconditionFailed);
  CHECK(AllVersions(s, "b").size() == 2);
  DeleteOptions right = wrong;
  right.condition.if_match = etag1;
  REQUIRE(s.DeleteObject("b", "k", right));
  CHECK(AllVersions(s, "b").size() == 1);
  // A marker has no ETag; an unknown version has nothing to match.
  auto marker = s.DeleteObject("b", "k", DeleteOptions{});
  REQUIRE(marker);
  DeleteOptions on_marker;
  on_marker.version_id = marker->version_id;
  on_marker.condition.if_match = "*";
  CHECK(s.DeleteObject("b", "k", on_marker).error() == Errc::kPreconditionFailed);
  DeleteOptions on_removed = right;  // v1 is gone now
  CHECK(s.DeleteObject("b", "k", on_removed).error() == Errc::kPreconditionFailed);
  CHECK(AllVersions(s, "b").size() == 2);
}

TEST_CASE("deleting the delete marker makes the previous version current again") {
  StoreFixture f("fake");
  auto& s = f.store();
  f.MakeBucket("b");
  SetVersioning(f, "b", VersioningState::kEnabled);
  std::string v1 = PutVersion(f, "b", "k", "one");
  auto marker = s.DeleteObject("b", "k", DeleteOptions{});
  REQUIRE(marker);
  DeleteOptions by_id;
  by_id.version_id = marker->version_id;
  auto removed = s.DeleteObject("b", "k", by_id);
  REQUIRE(removed);
  CHECK(removed->delete_marker);
  CHECK(f.ReadAll("b", "k").value() == "one");
  auto listed = s.List("b", ListOptions{});
  REQUIRE(listed);
  REQUIRE(listed->objects.size() == 1);
  CHECK(listed->objects[0].version_id == v1);
}

TEST_CASE("unknown version ids are NoSuchVersion and malformed ones are refused") {
  StoreFixture f("fake");
  auto& s = f.store();
  f.MakeBucket("b");
  SetVersioning(f, "b", VersioningState::kEnabled);
  PutVersion(f, "b", "k", "one");
  const std::string unknown(32, 'a');
  CHECK(s.GetVersion("b", "k", unknown).error() == Errc::kNoSuchVersion);
  CHECK(s.HeadVersion("b", "k", "not-an-id").error() == Errc::kNoSuchVersion);
  CHECK(s.GetVersion("b", "k", "null").error() == Errc::kNoSuchVersion);
  CHECK(s.GetVersion("b", "other", unknown).error() == Errc::kNoSuchVersion);
  CHECK(s.GetVersion("missing", "k", unknown).error() == Errc::kNoSuchBucket);
  DeleteOptions by_id;
  by_id.version_id = unknown;
  auto removed = s.DeleteObject("b", "k", by_id);  // idempotent, like S3
  REQUIRE(removed);
  CHECK_FALSE(removed->delete_marker);
  by_id.version_id = "../etc";
  CHECK(s.DeleteObject("b", "k", by_id).error() == Errc::kInvalidArgument);
  CHECK(f.ReadAll("b", "k").value() == "one");
}

TEST_CASE("a delete in a suspended bucket writes a null marker replacing the null version") {
  auto kind = ChunkStoreUnderTest();
  INFO(kind);
  StoreFixture f(kind);
  auto& s = f.store();
  f.MakeBucket("b");
  SetVersioning(f, "b", VersioningState::kEnabled);
  std::string v1 = PutVersion(f, "b", "k", "one");
  SetVersioning(f, "b", VersioningState::kSuspended);
  PutVersion(f, "b", "k", kBig);  // null
  CHECK(f.BlobCount() == 1);
  auto marker = s.DeleteObject("b", "k", DeleteOptions{});
  REQUIRE(marker);
  CHECK(marker->delete_marker);
  CHECK(marker->version_id == "null");
  CHECK(f.BlobCount() == 0);  // the null version it replaced is gone
  auto versions = AllVersions(s, "b");
  REQUIRE(versions.size() == 2);
  CHECK(versions[0].version_id == "null");
  CHECK(versions[0].delete_marker);
  CHECK(versions[1].version_id == v1);
  CHECK(s.Get("b", "k").error() == Errc::kNoSuchKey);
}

TEST_CASE("a bucket with versions or delete markers is not empty") {
  StoreFixture f("fake");
  auto& s = f.store();
  f.MakeBucket("b");
  SetVersioning(f, "b", VersioningState::kEnabled);
  std::string v1 = PutVersion(f, "b", "k", "one");
  auto marker = s.DeleteObject("b", "k", DeleteOptions{});
  REQUIRE(marker);
  CHECK(s.DeleteBucket("b") == Errc::kBucketNotEmpty);  // only a marker is current
  DeleteOptions by_id;
  by_id.version_id = marker->version_id;
  REQUIRE(s.DeleteObject("b", "k", by_id));
  CHECK(s.DeleteBucket("b") == Errc::kBucketNotEmpty);
  by_id.version_id = v1;
  REQUIRE(s.DeleteObject("b", "k", by_id));
  CHECK_FALSE(s.DeleteBucket("b"));
}

TEST_CASE("concurrent puts of one key keep every version and exactly one latest") {
  auto kind = ChunkStoreUnderTest();
  INFO(kind);
  StoreFixture f(kind);
  f.MakeBucket("b");
  SetVersioning(f, "b", VersioningState::kEnabled);
  constexpr int kThreads = 8, kEach = 5;
  std::vector<std::vector<std::string>> ids(kThreads);
  std::vector<std::thread> threads;
  std::atomic<int> failures{0};
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kEach; ++i) {
        // Every other write is big enough to be a blob.
        std::string data = (i % 2 ? kBig : std::string()) + std::to_string(t * 100 + i);
        TestBody body(data);
        auto info = f.store().Put("b", "k", body, PutOptions{});
        if (!info) {
          ++failures;
          continue;
        }
        ids[t].push_back(info->version_id);
      }
    });
  }
  for (auto& th : threads) th.join();
  REQUIRE(failures == 0);
  std::set<std::string> written;
  for (const auto& v : ids) written.insert(v.begin(), v.end());
  CHECK(written.size() == kThreads * kEach);
  auto versions = AllVersions(f.store(), "b");
  REQUIRE(versions.size() == kThreads * kEach);
  int latest = 0;
  std::set<std::string> listed;
  for (const auto& v : versions) {
    latest += v.is_latest ? 1 : 0;
    listed.insert(v.version_id);
  }
  CHECK(latest == 1);
  CHECK(versions[0].is_latest);
  CHECK(listed == written);
  CHECK(f.store().Head("b", "k")->version_id == versions[0].version_id);
  CHECK(f.BlobCount() == kThreads * (kEach / 2));
}

TEST_CASE("completing a multipart upload in an enabled bucket creates a new version") {
  auto kind = ChunkStoreUnderTest();
  INFO(kind);
  auto options = StoreFixture::DefaultOptions();
  options.min_part_size = 1;
  StoreFixture f(kind, options);
  auto& s = f.store();
  f.MakeBucket("b");
  SetVersioning(f, "b", VersioningState::kEnabled);
  std::string v1 = PutVersion(f, "b", "k", "one");
  auto upload = s.CreateMultipartUpload("b", "k", MultipartOptions{});
  REQUIRE(upload);
  TestBody body(kBig);
  auto part = s.UploadPart("b", "k", upload->upload_id, 1, body);
  REQUIRE(part);
  auto done = s.CompleteMultipartUpload("b", "k", upload->upload_id,
                                        {CompletedPart{1, part->etag, std::nullopt}}, {});
  REQUIRE(done);
  CHECK(IsWellFormedVersionId(done->version_id));
  CHECK(done->version_id != v1);
  CHECK(f.ReadAll("b", "k").value() == kBig);
  CHECK(ReadVersion(f, "b", "k", v1).value() == "one");
  CHECK(ReadVersion(f, "b", "k", done->version_id).value() == kBig);
  // Removing the multipart version reclaims its part blob.
  DeleteOptions by_id;
  by_id.version_id = done->version_id;
  REQUIRE(s.DeleteObject("b", "k", by_id));
  CHECK(f.BlobCount() == 0);
  CHECK(f.ReadAll("b", "k").value() == "one");
}

TEST_CASE("records written before versioning are read as null versions after a restart") {
  auto memory = NewMemoryMetadataStore();
  testing::MemoryChunkStore chunks;
  // A format-1 bucket and object record, as the store wrote them before issue 4.
  WriteBatch batch;
  batch.Put(BucketRecordKey("b"), std::string("\x01\x00\x00", 3));
  std::string legacy;
  legacy.push_back(1);                       // format 1
  legacy.push_back(3);                       // size
  legacy.push_back(4);                       // zigzag(last_modified_ms = 2)
  legacy += std::string("\x00\x04null", 6);  // etag "", version "null"
  legacy += std::string("\x08STANDARD", 9);
  legacy += std::string("\x00\x00\x00", 3);  // no checksum, no headers
  legacy += std::string("\x00\x03old", 5);   // inline payload
  batch.Put(ObjectRecordKey("b", "k"), legacy);
  REQUIRE_FALSE(memory->Write(batch));
  {
    auto store = NewObjectStore(*memory, chunks, StoreFixture::DefaultOptions());
    auto versions = store->ListObjectVersions("b", ListVersionsOptions{});
    REQUIRE(versions);
    REQUIRE(versions->versions.size() == 1);
    CHECK(versions->versions[0].version_id == "null");
    CHECK(versions->versions[0].is_latest);
    CHECK(store->GetBucketVersioning("b").value() == VersioningState::kUnversioned);
    REQUIRE_FALSE(store->SetBucketVersioning("b", VersioningState::kEnabled));
    TestBody body("new");
    REQUIRE(store->Put("b", "k", body, PutOptions{}));
  }
  auto store = NewObjectStore(*memory, chunks, StoreFixture::DefaultOptions());
  auto versions = store->ListObjectVersions("b", ListVersionsOptions{});
  REQUIRE(versions);
  REQUIRE(versions->versions.size() == 2);
  CHECK(versions->versions[1].version_id == "null");
  auto reader = store->GetVersion("b", "k", "null");
  REQUIRE(reader);
  CHECK(testing::ReadAllFrom(**reader).value() == "old");
}

}  // namespace
}  // namespace strata::storage
