// Object tags (per version, limits, at Put and multipart create) and bucket tags.
#include <catch2/catch.hpp>

#include "tests/storage/byte_source_fake.h"
#include "tests/storage/result_string_maker.h"
#include "tests/storage/versioning_helpers_fake.h"

namespace strata::storage {
namespace {

using testing::PutVersion;
using testing::SetVersioning;
using testing::StoreFixture;
using testing::TestBody;

std::string ChunkStoreUnderTest() { return GENERATE(as<std::string>{}, "fake", "erasure"); }

TEST_CASE("object tags are kept per version and default to the latest") {
  auto kind = ChunkStoreUnderTest();
  INFO(kind);
  StoreFixture f(kind);
  auto& s = f.store();
  f.MakeBucket("b");
  SetVersioning(f, "b", VersioningState::kEnabled);
  PutOptions tagged;
  tagged.version.tags = {{"team", "ingest"}, {"tier", "raw"}};
  std::string v1 = PutVersion(f, "b", "k", "one", tagged);
  std::string v2 = PutVersion(f, "b", "k", "two");
  CHECK(s.Head("b", "k")->tag_count == 0);
  CHECK(s.HeadVersion("b", "k", v1)->tag_count == 2);
  auto got = s.GetObjectTagging("b", "k", v1);
  REQUIRE(got);
  CHECK(got->version_id == v1);
  CHECK(got->tags == tagged.version.tags);
  // Put on the latest (no id), then delete on v1: each touches only its version.
  CHECK(s.PutObjectTagging("b", "k", "", {{"state", "curated"}}).value() == v2);
  CHECK(s.GetObjectTagging("b", "k", "")->tags == TagSet{{"state", "curated"}});
  CHECK(s.DeleteObjectTagging("b", "k", v1).value() == v1);
  CHECK(s.GetObjectTagging("b", "k", v1)->tags.empty());
  CHECK(s.Head("b", "k")->tag_count == 1);
  auto listed = s.List("b", ListOptions{});
  REQUIRE(listed);
  CHECK(listed->objects[0].tag_count == 1);
  CHECK(f.ReadAll("b", "k").value() == "two");  // data untouched
  CHECK(s.GetObjectTagging("b", "nope", "").error() == Errc::kNoSuchKey);
  CHECK(s.GetObjectTagging("b", "k", std::string(32, 'a')).error() == Errc::kNoSuchVersion);
  auto marker = s.DeleteObject("b", "k", DeleteOptions{});
  REQUIRE(marker);
  CHECK(s.PutObjectTagging("b", "k", "", {}).error() == Errc::kDeleteMarker);
  CHECK(s.GetObjectTagging("b", "k", marker->version_id).error() == Errc::kMethodNotAllowed);
}

TEST_CASE("tags beyond the S3 limits are InvalidTag") {
  StoreFixture f("fake");
  auto& s = f.store();
  f.MakeBucket("b");
  f.PutOrDie("b", "k", "x");
  TagSet eleven;
  for (int i = 0; i < 11; ++i) eleven.emplace_back("k" + std::to_string(i), "v");
  TagSet ten(eleven.begin(), eleven.end() - 1);
  CHECK(s.PutObjectTagging("b", "k", "", eleven).error() == Errc::kInvalidTag);
  CHECK(s.PutObjectTagging("b", "k", "", ten));
  CHECK(s.PutObjectTagging("b", "k", "", {{std::string(129, 'k'), "v"}}).error() ==
        Errc::kInvalidTag);
  CHECK(s.PutObjectTagging("b", "k", "", {{"k", std::string(257, 'v')}}).error() ==
        Errc::kInvalidTag);
  CHECK(s.PutObjectTagging("b", "k", "", {{"", "v"}}).error() == Errc::kInvalidTag);
  CHECK(s.PutObjectTagging("b", "k", "", {{"a", "1"}, {"a", "2"}}).error() == Errc::kInvalidTag);
  CHECK(s.PutObjectTagging("b", "k", "", {{"\xff", "v"}}).error() == Errc::kInvalidTag);
  // Limits count characters, not bytes: 128 two-byte characters are fine.
  std::string e_acute;
  for (int i = 0; i < 128; ++i) e_acute += "\xc3\xa9";
  CHECK(s.PutObjectTagging("b", "k", "", {{e_acute, ""}}));
  CHECK(s.PutObjectTagging("b", "k", "", {{e_acute + "e", ""}}).error() == Errc::kInvalidTag);
  CHECK(s.GetObjectTagging("b", "k", "")->tags == TagSet{{e_acute, ""}});
  // At Put: refused before anything is stored.
  PutOptions bad;
  bad.version.tags = eleven;
  TestBody body("data");
  CHECK(s.Put("b", "k2", body, bad).error() == Errc::kInvalidTag);
  CHECK(s.Head("b", "k2").error() == Errc::kNoSuchKey);
}

TEST_CASE("tags given at multipart create land on the completed version") {
  auto kind = ChunkStoreUnderTest();
  INFO(kind);
  auto options = StoreFixture::DefaultOptions();
  options.min_part_size = 1;
  StoreFixture f(kind, options);
  auto& s = f.store();
  f.MakeBucket("b");
  MultipartOptions create;
  create.version.tags = {{"source", "camera-7"}};
  auto upload = s.CreateMultipartUpload("b", "k", create);
  REQUIRE(upload);
  TestBody body("part");
  auto part = s.UploadPart("b", "k", upload->upload_id, 1, body);
  REQUIRE(part);
  REQUIRE(s.CompleteMultipartUpload("b", "k", upload->upload_id,
                                    {CompletedPart{1, part->etag, std::nullopt}}, {}));
  CHECK(s.GetObjectTagging("b", "k", "")->tags == create.version.tags);
  // Re-tagging rewrites the record: the part list must survive it (and reads stay exact).
  REQUIRE(s.PutObjectTagging("b", "k", "", {{"stage", "curated"}}));
  CHECK(f.ReadAll("b", "k").value() == "part");
  CHECK(s.Head("b", "k")->parts.size() == 1);
  MultipartOptions bad;
  bad.version.tags = {{"a", "1"}, {"a", "1"}};
  CHECK(s.CreateMultipartUpload("b", "k", bad).error() == Errc::kInvalidTag);
}

TEST_CASE("bucket tags are set, read and deleted, NoSuchTagSet when none") {
  StoreFixture f("fake");
  auto& s = f.store();
  f.MakeBucket("b");
  CHECK(s.GetBucketTagging("b").error() == Errc::kNoSuchTagSet);
  TagSet tags{{"cost-center", "42"}, {"owner", "curation"}};
  REQUIRE_FALSE(s.PutBucketTagging("b", tags));
  CHECK(s.GetBucketTagging("b").value() == tags);
  TagSet fifty_one;
  for (int i = 0; i < 51; ++i) fifty_one.emplace_back("k" + std::to_string(i), "v");
  CHECK(s.PutBucketTagging("b", fifty_one) == Errc::kInvalidTag);
  fifty_one.pop_back();
  CHECK_FALSE(s.PutBucketTagging("b", fifty_one));
  CHECK(s.GetBucketTagging("b")->size() == 50);
  CHECK_FALSE(s.DeleteBucketTagging("b"));
  CHECK(s.GetBucketTagging("b").error() == Errc::kNoSuchTagSet);
  CHECK(s.GetBucketTagging("missing").error() == Errc::kNoSuchBucket);
  CHECK(s.PutBucketTagging("missing", tags) == Errc::kNoSuchBucket);
  // Bucket tags do not disturb the bucket's other state.
  REQUIRE_FALSE(s.SetBucketVersioning("b", VersioningState::kEnabled));
  REQUIRE_FALSE(s.PutBucketTagging("b", tags));
  CHECK(s.GetBucketVersioning("b").value() == VersioningState::kEnabled);
}

}  // namespace
}  // namespace strata::storage
