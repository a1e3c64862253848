// Object lock: lock buckets, default retention, per-version retention and legal hold, and their
// enforcement in storage/ on every path that destroys a version. Time is a test clock.
#include <catch2/catch.hpp>

#include "tests/storage/byte_source_fake.h"
#include "tests/storage/result_string_maker.h"
#include "tests/storage/versioning_helpers_fake.h"

namespace strata::storage {
namespace {

using namespace std::chrono_literals;
using testing::OptionsWithClock;
using testing::PutVersion;
using testing::StoreFixture;
using testing::TestBody;
using testing::TestClock;
using testing::TestPayload;

std::string ChunkStoreUnderTest() { return GENERATE(as<std::string>{}, "fake", "erasure"); }

void MakeLockBucket(StoreFixture& f, const std::string& name) {
  REQUIRE_FALSE(f.store().CreateBucketWithOptions(name, "", CreateBucketOptions{true}));
}

PutOptions WithRetention(RetentionMode mode, TimePoint until) {
  PutOptions options;
  options.version.retention = Retention{mode, until};
  return options;
}

DeleteOptions Version(const std::string& id, bool bypass = false) {
  DeleteOptions options;
  options.version_id = id;
  options.bypass_governance = bypass;
  return options;
}

TEST_CASE("a lock bucket is versioned, can't be suspended, and has a lock configuration") {
  StoreFixture f("fake");
  auto& s = f.store();
  MakeLockBucket(f, "locked");
  f.MakeBucket("plain");
  CHECK(s.GetBucketVersioning("locked").value() == VersioningState::kEnabled);
  CHECK(s.GetBucket("locked")->object_lock_enabled);
  CHECK(s.SetBucketVersioning("locked", VersioningState::kSuspended) == Errc::kInvalidBucketState);
  auto config = s.GetObjectLockConfiguration("locked");
  REQUIRE(config);
  CHECK(config->enabled);
  CHECK_FALSE(config->rule);
  CHECK(s.GetObjectLockConfiguration("plain").error() == Errc::kObjectLockConfigurationNotFound);
  CHECK(s.GetObjectLockConfiguration("missing").error() == Errc::kNoSuchBucket);
  // A default rule: exactly one of days / years.
  ObjectLockConfiguration rule{true, DefaultRetention{RetentionMode::kCompliance, 3, 0}};
  REQUIRE_FALSE(s.PutObjectLockConfiguration("locked", rule));
  CHECK(s.GetObjectLockConfiguration("locked")->rule->days == 3);
  CHECK(s.PutObjectLockConfiguration("locked",
                                     {true, DefaultRetention{RetentionMode::kGovernance, 1, 1}}) ==
        Errc::kInvalidArgument);
  CHECK(s.PutObjectLockConfiguration("locked",
                                     {true, DefaultRetention{RetentionMode::kGovernance, 0, 0}}) ==
        Errc::kInvalidArgument);
  CHECK(s.PutObjectLockConfiguration("locked", {false, std::nullopt}) == Errc::kInvalidArgument);
  // Enabling lock later needs versioning enabled first.
  CHECK(s.PutObjectLockConfiguration("plain", {true, std::nullopt}) == Errc::kInvalidBucketState);
  REQUIRE_FALSE(s.SetBucketVersioning("plain", VersioningState::kEnabled));
  CHECK_FALSE(s.PutObjectLockConfiguration("plain", {true, std::nullopt}));
  CHECK(s.SetBucketVersioning("plain", VersioningState::kSuspended) == Errc::kInvalidBucketState);
}

TEST_CASE("retention on put needs a lock bucket and a retain-until date after now") {
  TestClock clock;
  StoreFixture f("fake", OptionsWithClock(clock));
  auto& s = f.store();
  MakeLockBucket(f, "locked");
  f.MakeBucket("plain");
  TestBody b1("x");
  CHECK(s.Put("plain", "k", b1, WithRetention(RetentionMode::kGovernance, clock.Now() + 1h))
            .error() == Errc::kInvalidRequest);
  PutOptions hold;
  hold.version.legal_hold = true;
  TestBody b2("x");
  CHECK(s.Put("plain", "k", b2, hold).error() == Errc::kInvalidRequest);
  TestBody b3("x");
  CHECK(s.Put("locked", "k", b3, WithRetention(RetentionMode::kCompliance, clock.Now())).error() ==
        Errc::kInvalidArgument);  // exactly now is already past
  TestBody b4("x");
  CHECK(s.Put("locked", "k", b4, WithRetention(RetentionMode::kCompliance, clock.Now() - 1ms))
            .error() == Errc::kInvalidArgument);
  CHECK(s.Head("locked", "k").error() == Errc::kNoSuchKey);
  auto v = PutVersion(f, "locked", "k", "x",
                      WithRetention(RetentionMode::kCompliance, clock.Now() + 1ms));
  auto info = s.HeadVersion("locked", "k", v);
  REQUIRE(info);
  CHECK(info->retention.mode == RetentionMode::kCompliance);
  CHECK(info->retention.retain_until == clock.Now() + 1ms);
  CHECK_FALSE(info->legal_hold);
}

TEST_CASE("a COMPLIANCE version can't be deleted until its retain-until date, by anyone") {
  auto kind = ChunkStoreUnderTest();
  INFO(kind);
  TestClock clock;
  StoreFixture f(kind, OptionsWithClock(clock));
  auto& s = f.store();
  MakeLockBucket(f, "b");
  const std::string big = TestPayload(5000, 3);
  auto until = clock.Now() + 10s;
  auto v = PutVersion(f, "b", "k", big, WithRetention(RetentionMode::kCompliance, until));
  CHECK(s.DeleteObject("b", "k", Version(v)).error() == Errc::kObjectLocked);
  CHECK(s.DeleteObject("b", "k", Version(v, /*bypass=*/true)).error() == Errc::kObjectLocked);
  // A plain delete still writes a marker: nothing is destroyed.
  auto marker = s.DeleteObject("b", "k", DeleteOptions{});
  REQUIRE(marker);
  CHECK(marker->delete_marker);
  CHECK(s.DeleteBucket("b") == Errc::kBucketNotEmpty);
  clock.Advance(10s - 1ms);  // one ms before: still locked
  CHECK(s.DeleteObject("b", "k", Version(v)).error() == Errc::kObjectLocked);
  CHECK(f.BlobCount() == 1);
  clock.Advance(1ms);  // exactly retain-until: expired
  REQUIRE(s.DeleteObject("b", "k", Version(v)));
  CHECK(f.BlobCount() == 0);
  REQUIRE(s.DeleteObject("b", "k", Version(marker->version_id)));
  CHECK_FALSE(s.DeleteBucket("b"));
}

TEST_CASE("a GOVERNANCE version yields only to bypass") {
  TestClock clock;
  StoreFixture f("fake", OptionsWithClock(clock));
  auto& s = f.store();
  MakeLockBucket(f, "b");
  auto v =
      PutVersion(f, "b", "k", "x", WithRetention(RetentionMode::kGovernance, clock.Now() + 1h));
  CHECK(s.DeleteObject("b", "k", Version(v)).error() == Errc::kObjectLocked);
  REQUIRE(s.DeleteObject("b", "k", Version(v, /*bypass=*/true)));
  CHECK(s.GetVersion("b", "k", v).error() == Errc::kNoSuchVersion);
}

TEST_CASE("a legal hold blocks deletion until removed, whatever the retention or bypass") {
  TestClock clock;
  StoreFixture f("fake", OptionsWithClock(clock));
  auto& s = f.store();
  MakeLockBucket(f, "b");
  PutOptions hold;
  hold.version.legal_hold = true;
  auto v = PutVersion(f, "b", "k", "x", hold);
  CHECK(s.HeadVersion("b", "k", v)->legal_hold);
  CHECK(s.DeleteObject("b", "k", Version(v, /*bypass=*/true)).error() == Errc::kObjectLocked);
  CHECK(s.PutObjectLegalHold("b", "k", v, false).value() == v);
  CHECK_FALSE(s.HeadVersion("b", "k", v)->legal_hold);
  // Set later, on the latest, then released.
  CHECK(s.PutObjectLegalHold("b", "k", "", true).value() == v);
  CHECK(s.DeleteObject("b", "k", Version(v)).error() == Errc::kObjectLocked);
  REQUIRE(s.PutObjectLegalHold("b", "k", v, false));
  REQUIRE(s.DeleteObject("b", "k", Version(v)));
  f.MakeBucket("plain");
  f.PutOrDie("plain", "k", "x");
  CHECK(s.PutObjectLegalHold("plain", "k", "", true).error() == Errc::kInvalidRequest);
}

TEST_CASE("COMPLIANCE is extended but never shortened or converted; GOVERNANCE needs bypass") {
  TestClock clock;
  StoreFixture f("fake", OptionsWithClock(clock));
  auto& s = f.store();
  MakeLockBucket(f, "b");
  const auto t = clock.Now();
  auto c = PutVersion(f, "b", "c", "x", WithRetention(RetentionMode::kCompliance, t + 1h));
  CHECK(s.PutObjectRetention("b", "c", c, {RetentionMode::kCompliance, t + 2h}, false).value() ==
        c);
  CHECK(s.PutObjectRetention("b", "c", c, {RetentionMode::kCompliance, t + 1h}, true).error() ==
        Errc::kObjectLocked);
  CHECK(s.PutObjectRetention("b", "c", c, {RetentionMode::kGovernance, t + 3h}, true).error() ==
        Errc::kObjectLocked);
  CHECK(s.PutObjectRetention("b", "c", c, {RetentionMode::kNone, {}}, true).error() ==
        Errc::kObjectLocked);
  CHECK(s.HeadVersion("b", "c", c)->retention.retain_until == t + 2h);

  auto g = PutVersion(f, "b", "g", "x", WithRetention(RetentionMode::kGovernance, t + 1h));
  CHECK(s.PutObjectRetention("b", "g", g, {RetentionMode::kGovernance, t + 30min}, false).error() ==
        Errc::kObjectLocked);
  CHECK(s.PutObjectRetention("b", "g", g, {RetentionMode::kNone, {}}, false).error() ==
        Errc::kObjectLocked);
  REQUIRE(s.PutObjectRetention("b", "g", g, {RetentionMode::kGovernance, t + 30min}, true));
  REQUIRE(s.PutObjectRetention("b", "g", g, {RetentionMode::kGovernance, t + 2h}, false));
  REQUIRE(s.PutObjectRetention("b", "g", g, {RetentionMode::kNone, {}}, true));
  CHECK(s.HeadVersion("b", "g", g)->retention.mode == RetentionMode::kNone);
  REQUIRE(s.DeleteObject("b", "g", Version(g)));
  // New dates must lie in the future; unlocked buckets refuse retention.
  CHECK(
      s.PutObjectRetention("b", "c", c, {RetentionMode::kCompliance, clock.Now()}, false).error() ==
      Errc::kInvalidArgument);
  f.MakeBucket("plain");
  f.PutOrDie("plain", "k", "x");
  CHECK(
      s.PutObjectRetention("plain", "k", "", {RetentionMode::kGovernance, t + 1h}, false).error() ==
      Errc::kInvalidRequest);
  // Once expired, COMPLIANCE may be replaced by anything.
  clock.Advance(2h);
  REQUIRE(s.PutObjectRetention("b", "c", c, {RetentionMode::kGovernance, clock.Now() + 1s}, false));
}

TEST_CASE("the bucket's default retention applies to new versions that set none") {
  auto kind = ChunkStoreUnderTest();
  INFO(kind);
  TestClock clock;
  auto options = OptionsWithClock(clock);
  options.min_part_size = 1;
  StoreFixture f(kind, options);
  auto& s = f.store();
  MakeLockBucket(f, "b");
  REQUIRE_FALSE(s.PutObjectLockConfiguration(
      "b", {true, DefaultRetention{RetentionMode::kGovernance, 0, 1}}));
  auto v = PutVersion(f, "b", "k", "x");
  auto info = s.HeadVersion("b", "k", v);
  REQUIRE(info);
  CHECK(info->retention.mode == RetentionMode::kGovernance);
  CHECK(info->retention.retain_until == clock.Now() + 365 * 24h);
  // An explicit retention wins over the rule.
  auto w =
      PutVersion(f, "b", "k", "y", WithRetention(RetentionMode::kCompliance, clock.Now() + 1h));
  CHECK(s.HeadVersion("b", "k", w)->retention.mode == RetentionMode::kCompliance);
  // Multipart completion gets the rule too.
  auto upload = s.CreateMultipartUpload("b", "m", MultipartOptions{});
  REQUIRE(upload);
  TestBody body("part");
  auto part = s.UploadPart("b", "m", upload->upload_id, 1, body);
  REQUIRE(part);
  auto done = s.CompleteMultipartUpload("b", "m", upload->upload_id,
                                        {CompletedPart{1, part->etag, std::nullopt}}, {});
  REQUIRE(done);
  CHECK(done->retention.mode == RetentionMode::kGovernance);
  // Delete markers get no retention and are always deletable.
  auto marker = s.DeleteObject("b", "k", DeleteOptions{});
  REQUIRE(marker);
  CHECK(s.StatVersion("b", "k", marker->version_id)->retention.mode == RetentionMode::kNone);
  REQUIRE(s.DeleteObject("b", "k", Version(marker->version_id)));
  CHECK(s.DeleteObject("b", "k", Version(v)).error() == Errc::kObjectLocked);
}

TEST_CASE("a legal hold status is recorded only once given, ON or OFF, on every write path") {
  TestClock clock;
  StoreFixture f("fake", OptionsWithClock(clock));
  auto& s = f.store();
  MakeLockBucket(f, "b");
  auto never = PutVersion(f, "b", "never", "x");
  CHECK_FALSE(s.HeadVersion("b", "never", never)->legal_hold_set);
  PutOptions off;
  off.version.legal_hold_given = true;  // x-amz-object-lock-legal-hold: OFF
  auto v = PutVersion(f, "b", "off", "x", off);
  auto info = s.HeadVersion("b", "off", v);
  CHECK(info->legal_hold_set);
  CHECK_FALSE(info->legal_hold);
  // PutObjectLegalHold records it, and releasing keeps it recorded as OFF.
  REQUIRE(s.PutObjectLegalHold("b", "never", never, true));
  REQUIRE(s.PutObjectLegalHold("b", "never", never, false));
  CHECK(s.HeadVersion("b", "never", never)->legal_hold_set);
  // Multipart carries the given status from the upload to the completed version.
  MultipartOptions mp;
  mp.version.legal_hold_given = true;
  auto upload = s.CreateMultipartUpload("b", "mp", mp);
  REQUIRE(upload);
  TestBody body("part");
  auto part = s.UploadPart("b", "mp", upload->upload_id, 1, body);
  REQUIRE(part);
  auto done = s.CompleteMultipartUpload("b", "mp", upload->upload_id, {{1, part->etag, {}}}, {});
  REQUIRE(done);
  CHECK(s.HeadVersion("b", "mp", done->version_id)->legal_hold_set);
  // On a bucket without lock, even OFF is a lock parameter S3 refuses.
  f.MakeBucket("plain");
  TestBody plain_body("x");
  CHECK(s.Put("plain", "k", plain_body, off).error() == Errc::kInvalidRequest);
}

TEST_CASE("versions, tags, retention and legal hold survive a restart") {
  TestClock clock;
  StoreFixture f("fake", OptionsWithClock(clock));
  MakeLockBucket(f, "b");
  REQUIRE_FALSE(f.store().PutBucketTagging("b", {{"p", "q"}}));
  PutOptions options = WithRetention(RetentionMode::kCompliance, clock.Now() + 1h);
  options.version.tags = {{"a", "b"}};
  options.version.legal_hold = true;
  auto v = PutVersion(f, "b", "k", "x", options);
  auto restarted = NewObjectStore(f.metadata(), *f.fake(), OptionsWithClock(clock));
  auto info = restarted->HeadVersion("b", "k", v);
  REQUIRE(info);
  CHECK(info->retention.mode == RetentionMode::kCompliance);
  CHECK(info->retention.retain_until == clock.Now() + 1h);
  CHECK(info->legal_hold);
  CHECK(info->tag_count == 1);
  CHECK(restarted->GetBucketTagging("b").value() == TagSet{{"p", "q"}});
  CHECK(restarted->GetBucketVersioning("b").value() == VersioningState::kEnabled);
  CHECK(restarted->SetBucketVersioning("b", VersioningState::kSuspended) ==
        Errc::kInvalidBucketState);
  CHECK(restarted->DeleteObject("b", "k", Version(v, true)).error() == Errc::kObjectLocked);
}

TEST_CASE("a legal hold on a null version blocks its deletion and a versioned put keeps it") {
  TestClock clock;
  StoreFixture f("fake", OptionsWithClock(clock));
  auto& s = f.store();
  f.MakeBucket("b");
  f.PutOrDie("b", "k", "null version");
  REQUIRE_FALSE(s.SetBucketVersioning("b", VersioningState::kEnabled));
  REQUIRE_FALSE(s.PutObjectLockConfiguration("b", {true, std::nullopt}));
  REQUIRE(s.PutObjectLegalHold("b", "k", "null", true));
  CHECK(s.DeleteObject("b", "k", Version("null", true)).error() == Errc::kObjectLocked);
  // A versioned put adds a version; the held null version stays.
  f.PutOrDie("b", "k", "new");
  auto old = s.GetVersion("b", "k", "null");
  REQUIRE(old);
  CHECK(testing::ReadAllFrom(**old).value() == "null version");
}

}  // namespace
}  // namespace strata::storage
