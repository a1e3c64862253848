// Lifecycle configuration storage and TransitionVersion, on the in-memory chunk store fake and
// on the real erasure-coded chunk store over temp folders.
#include <atomic>
#include <catch2/catch.hpp>
#include <thread>

#include "storage/lifecycle.h"
#include "tests/storage/byte_source_fake.h"
#include "tests/storage/result_string_maker.h"
#include "tests/storage/versioning_helpers_fake.h"

namespace strata::storage {
namespace {

using namespace std::chrono_literals;
using testing::ReadAllFrom;
using testing::StoreFixture;
using testing::TestBody;
using testing::TestClock;
using testing::TestPayload;

std::string ChunkStoreUnderTest() { return GENERATE(as<std::string>{}, "fake", "erasure"); }

StoreOptions Options(const TestClock* clock = nullptr) {
  auto options = StoreFixture::DefaultOptions();
  options.storage_class_tiers["GLACIER"] = "hdd";
  options.min_part_size = 4096;
  if (clock) options.clock = clock->AsFunction();
  return options;
}

LifecycleConfiguration SampleConfig() {
  LifecycleRule a;
  a.id = "logs";
  a.filter.prefix = "logs/";
  a.filter.tags = {{"k", "v"}};
  a.filter.size_greater_than = 10;
  a.filter.size_less_than = 1000;
  a.expiration = LifecycleExpiration{30, std::nullopt, false};
  a.transitions = {{5, std::nullopt, "STANDARD_IA"}, {10, std::nullopt, "GLACIER"}};
  a.noncurrent_expiration = NoncurrentExpiration{7, 3};
  a.noncurrent_transitions = {{2, std::nullopt, "GLACIER"}};
  LifecycleRule b;
  b.id = "dated";
  b.enabled = false;
  b.expiration =
      LifecycleExpiration{std::nullopt, TimePoint(std::chrono::seconds(1767225600)), false};
  b.abort_incomplete_upload_days = 4;
  LifecycleRule c;
  c.id = "markers";
  c.expiration = LifecycleExpiration{std::nullopt, std::nullopt, true};
  return LifecycleConfiguration{{a, b, c}};
}

bool SameConfig(const LifecycleConfiguration& x, const LifecycleConfiguration& y) {
  return EncodeLifecycle(x) == EncodeLifecycle(y);
}

TEST_CASE("a lifecycle configuration round-trips through the store and is deleted with it") {
  StoreFixture f("fake", Options());
  auto& s = f.store();
  f.MakeBucket("b");
  CHECK(s.GetBucketLifecycle("b").error() == Errc::kNoSuchLifecycleConfiguration);
  CHECK(s.GetBucketLifecycle("missing").error() == Errc::kNoSuchBucket);
  CHECK(s.PutBucketLifecycle("missing", SampleConfig()) == Errc::kNoSuchBucket);
  REQUIRE_FALSE(s.PutBucketLifecycle("b", SampleConfig()));
  auto got = s.GetBucketLifecycle("b");
  REQUIRE(got);
  CHECK(SameConfig(*got, SampleConfig()));
  CHECK(got->rules[0].transitions[1].storage_class == "GLACIER");
  CHECK_FALSE(got->rules[1].enabled);

  REQUIRE_FALSE(s.DeleteBucketLifecycle("b"));
  CHECK(s.GetBucketLifecycle("b").error() == Errc::kNoSuchLifecycleConfiguration);
  CHECK_FALSE(s.DeleteBucketLifecycle("b"));  // absent: still fine

  // DeleteBucket takes the configuration with it: a new bucket of that name has none.
  REQUIRE_FALSE(s.PutBucketLifecycle("b", SampleConfig()));
  REQUIRE_FALSE(s.DeleteBucket("b"));
  f.MakeBucket("b");
  CHECK(s.GetBucketLifecycle("b").error() == Errc::kNoSuchLifecycleConfiguration);
}

TEST_CASE("invalid lifecycle configurations are refused with the documented errors") {
  StoreFixture f("fake", Options());
  auto& s = f.store();
  f.MakeBucket("b");
  auto put = [&](LifecycleConfiguration c) { return s.PutBucketLifecycle("b", c); };
  LifecycleRule ok;
  ok.id = "r";
  ok.expiration = LifecycleExpiration{1, std::nullopt, false};

  CHECK(put({}) == Errc::kInvalidArgument);  // no rules
  auto no_action = ok;
  no_action.expiration.reset();
  CHECK(put({{no_action}}) == Errc::kInvalidArgument);
  CHECK(put({{ok, ok}}) == Errc::kInvalidArgument);  // duplicate ids
  auto long_id = ok;
  long_id.id = std::string(256, 'x');
  CHECK(put({{long_id}}) == Errc::kInvalidArgument);
  auto zero_days = ok;
  zero_days.expiration->days = 0;
  CHECK(put({{zero_days}}) == Errc::kInvalidArgument);
  auto two_fields = ok;
  two_fields.expiration->expired_object_delete_marker = true;
  CHECK(put({{two_fields}}) == Errc::kInvalidArgument);
  auto not_midnight = ok;
  not_midnight.expiration = LifecycleExpiration{std::nullopt, TimePoint(1767225601s), false};
  CHECK(put({{not_midnight}}) == Errc::kInvalidArgument);
  auto marker_with_tags = ok;
  marker_with_tags.expiration = LifecycleExpiration{std::nullopt, std::nullopt, true};
  marker_with_tags.filter.tags = {{"a", "b"}};
  CHECK(put({{marker_with_tags}}) == Errc::kInvalidArgument);
  auto abort_with_size = ok;
  abort_with_size.abort_incomplete_upload_days = 1;
  abort_with_size.filter.size_greater_than = 5;
  CHECK(put({{abort_with_size}}) == Errc::kInvalidArgument);
  auto bad_sizes = ok;
  bad_sizes.filter.size_greater_than = 10;
  bad_sizes.filter.size_less_than = 10;
  CHECK(put({{bad_sizes}}) == Errc::kInvalidArgument);
  auto bad_newer = ok;
  bad_newer.noncurrent_expiration = NoncurrentExpiration{1, 101};
  CHECK(put({{bad_newer}}) == Errc::kInvalidArgument);
  auto unknown_class = ok;
  unknown_class.transitions = {{1, std::nullopt, "DEEP_ARCHIVE"}};  // not configured here
  CHECK(put({{unknown_class}}) == Errc::kInvalidStorageClass);
  auto mixed = ok;
  mixed.transitions = {{1, std::nullopt, "STANDARD_IA"},
                       {std::nullopt, TimePoint(1767225600s), "GLACIER"}};
  CHECK(put({{mixed}}) == Errc::kInvalidArgument);
  CHECK(s.GetBucketLifecycle("b").error() == Errc::kNoSuchLifecycleConfiguration);
  CHECK_FALSE(put({{ok}}));
}

TEST_CASE("a corrupt lifecycle record decodes as kCorrupt, whatever its bytes") {
  const std::string good = EncodeLifecycle(SampleConfig());
  REQUIRE(DecodeLifecycle(good));
  for (size_t n = 0; n < good.size(); ++n) {
    CHECK(DecodeLifecycle(good.substr(0, n)).error() == Errc::kCorrupt);
  }
  CHECK(DecodeLifecycle(good + "x").error() == Errc::kCorrupt);
  std::string wrong_version = good;
  wrong_version[0] = 9;
  CHECK(DecodeLifecycle(wrong_version).error() == Errc::kCorrupt);
  // A huge claimed rule count allocates nothing and fails.
  CHECK(DecodeLifecycle(std::string("\x01\xff\xff\xff\xff\x0f", 6)).error() == Errc::kCorrupt);
  // Every single-byte corruption either fails cleanly or decodes to something.
  for (size_t i = 0; i < good.size(); ++i) {
    std::string bad = good;
    bad[i] = static_cast<char>(bad[i] ^ 0xff);
    auto r = DecodeLifecycle(bad);
    if (!r) CHECK(r.error() == Errc::kCorrupt);
  }
}

TEST_CASE("transitioning an inline version changes only its class") {
  StoreFixture f(ChunkStoreUnderTest(), Options());
  auto& s = f.store();
  f.MakeBucket("b");
  f.PutOrDie("b", "small", "tiny bytes");
  const size_t blobs = f.BlobCount();
  auto info = s.TransitionVersion("b", "small", "null", "GLACIER", {});
  REQUIRE(info);
  CHECK(info->storage_class == "GLACIER");
  CHECK(s.Head("b", "small")->storage_class == "GLACIER");
  CHECK(f.ReadAll("b", "small").value() == "tiny bytes");
  CHECK(f.BlobCount() == blobs);
}

TEST_CASE("transitioning a single-blob version re-encodes it on the target tier, bytes exact") {
  const std::string kind = ChunkStoreUnderTest();
  StoreFixture f(kind, Options());
  auto& s = f.store();
  f.MakeBucket("b");
  const std::string data = TestPayload(300 * 1024, 7);
  f.PutOrDie("b", "big", data);
  REQUIRE(f.BlobCount() == 1);
  auto before = s.Get("b", "big");  // opened before the switch: keeps reading the old blob
  REQUIRE(before);
  auto info = s.TransitionVersion("b", "big", "null", "GLACIER", {});
  REQUIRE(info);
  CHECK(ReadAllFrom(**before).value() == data);
  CHECK(info->storage_class == "GLACIER");
  CHECK(info->etag == s.Head("b", "big")->etag);
  CHECK(s.Head("b", "big")->storage_class == "GLACIER");
  CHECK(f.ReadAll("b", "big").value() == data);
  CHECK(f.BlobCount() == 1);  // the old blob was reclaimed
  if (f.fake()) {
    auto placements = f.fake()->placements();
    REQUIRE(placements.size() == 2);
    CHECK(placements[0].tier == "nvme");
    CHECK(placements[1].tier == "hdd");
    CHECK(placements[1].label == placements[0].label);
  }
  // Already on the tier of STANDARD_IA (hdd): only the class changes, no copy.
  REQUIRE(s.TransitionVersion("b", "big", "null", "STANDARD_IA", {}));
  CHECK(s.Head("b", "big")->storage_class == "STANDARD_IA");
  if (f.fake()) CHECK(f.fake()->placements().size() == 2);
  CHECK(f.ReadAll("b", "big").value() == data);
}

TEST_CASE("transitioning a multipart version keeps its parts readable by number") {
  StoreFixture f(ChunkStoreUnderTest(), Options());
  auto& s = f.store();
  f.MakeBucket("b");
  auto upload = s.CreateMultipartUpload("b", "mp", {});
  REQUIRE(upload);
  std::vector<std::string> parts = {TestPayload(5000, 1), TestPayload(6000, 2), "short tail"};
  std::vector<CompletedPart> named;
  for (uint32_t i = 0; i < parts.size(); ++i) {
    TestBody body(parts[i]);
    auto p = s.UploadPart("b", "mp", upload->upload_id, i + 1, body);
    REQUIRE(p);
    named.push_back({i + 1, p->etag, std::nullopt});
  }
  auto done = s.CompleteMultipartUpload("b", "mp", upload->upload_id, named, {});
  REQUIRE(done);
  const size_t blobs = f.BlobCount();
  auto before = s.GetVersion("b", "mp", "null");  // opened before: keeps the old data
  REQUIRE(before);

  auto info = s.TransitionVersion("b", "mp", "null", "GLACIER", {});
  REQUIRE(info);
  CHECK(info->storage_class == "GLACIER");
  CHECK(info->etag == done->etag);
  REQUIRE(info->parts.size() == 3);
  CHECK(info->parts[1].size == 6000);
  const std::string whole = parts[0] + parts[1] + parts[2];
  CHECK(f.ReadAll("b", "mp").value() == whole);
  CHECK(ReadAllFrom(**before).value() == whole);
  auto range = PartRange(*s.Head("b", "mp"), 2);
  REQUIRE(range);
  CHECK(range->first == 5000);
  CHECK(range->length == 6000);
  before->reset();
  CHECK(f.BlobCount() == blobs);  // old part blobs reclaimed once the early reader closed
}

TEST_CASE("an overwrite during the copy discards the copy and leaves the new version intact") {
  StoreFixture f(ChunkStoreUnderTest(), Options());
  auto& s = f.store();
  f.MakeBucket("b");
  const std::string old_data = TestPayload(3 << 20, 1);  // several copy blocks
  const std::string new_data = TestPayload(200 * 1024, 2);
  f.PutOrDie("b", "k", old_data);
  TransitionOptions options;
  bool overwritten = false;
  options.stop = [&] {
    if (!overwritten) {
      overwritten = true;
      f.PutOrDie("b", "k", new_data);
    }
    return false;
  };
  auto info = s.TransitionVersion("b", "k", "null", "GLACIER", options);
  CHECK(overwritten);
  CHECK(info.error() == Errc::kPreconditionFailed);
  CHECK(s.Head("b", "k")->storage_class == "STANDARD");
  CHECK(f.ReadAll("b", "k").value() == new_data);
  CHECK(f.BlobCount() == 1);  // neither the copy nor the replaced blob remains
}

TEST_CASE("a stop request abandons a transition without changing anything") {
  StoreFixture f(ChunkStoreUnderTest(), Options());
  auto& s = f.store();
  f.MakeBucket("b");
  const std::string data = TestPayload(3 << 20, 3);
  f.PutOrDie("b", "k", data);
  TransitionOptions options;
  options.stop = [] { return true; };
  CHECK(s.TransitionVersion("b", "k", "null", "GLACIER", options).error() ==
        Errc::kPreconditionFailed);
  CHECK(s.Head("b", "k")->storage_class == "STANDARD");
  CHECK(f.ReadAll("b", "k").value() == data);
  CHECK(f.BlobCount() == 1);
}

TEST_CASE("a throttled transition takes at least size / rate") {
  StoreFixture f("fake", Options());
  f.MakeBucket("b");
  const std::string data = TestPayload(2 << 20, 4);
  f.PutOrDie("b", "k", data);
  TransitionOptions options;
  options.max_bytes_per_second = 8 << 20;  // 2 MiB at 8 MiB/s: >= 250 ms
  auto start = std::chrono::steady_clock::now();
  REQUIRE(f.store().TransitionVersion("b", "k", "null", "GLACIER", options));
  CHECK(std::chrono::steady_clock::now() - start >= 240ms);
  CHECK(f.ReadAll("b", "k").value() == data);
}

TEST_CASE("a transition moves at the busy rate only while the foreground is busy") {
  StoreFixture f("fake", Options());
  f.MakeBucket("b");
  const std::string data = TestPayload(2 << 20, 5);
  f.PutOrDie("b", "k", data);
  f.PutOrDie("b", "k2", data);
  std::atomic<int> asked{0};
  bool busy = true;
  TransitionOptions options;
  options.busy_bytes_per_second = 2 << 20;  // 2 MiB at 2 MiB/s: >= 1 s while busy
  options.foreground_busy = [&] {
    ++asked;
    return busy;
  };
  // Idle: no cap at all (max_bytes_per_second 0), so well below the busy rate's 1 s.
  busy = false;
  auto start = std::chrono::steady_clock::now();
  REQUIRE(f.store().TransitionVersion("b", "k", "null", "GLACIER", options));
  CHECK(std::chrono::steady_clock::now() - start < 700ms);
  CHECK(asked > 0);
  // Busy: the lower rate applies, even with a higher (or no) idle limit.
  busy = true;
  options.max_bytes_per_second = 64 << 20;
  start = std::chrono::steady_clock::now();
  REQUIRE(f.store().TransitionVersion("b", "k2", "null", "GLACIER", options));
  CHECK(std::chrono::steady_clock::now() - start >= 950ms);
  CHECK(f.ReadAll("b", "k2").value() == data);
  CHECK(f.store().Head("b", "k2")->storage_class == "GLACIER");
}

TEST_CASE("transition errors: unknown class, delete marker, unknown version") {
  StoreFixture f("fake", Options());
  auto& s = f.store();
  f.MakeBucket("b");
  testing::SetVersioning(f, "b", VersioningState::kEnabled);
  std::string v1 = testing::PutVersion(f, "b", "k", "data");
  auto marker = s.DeleteObject("b", "k", {});
  REQUIRE(marker);
  CHECK(s.TransitionVersion("b", "k", v1, "NOPE", {}).error() == Errc::kInvalidStorageClass);
  CHECK(s.TransitionVersion("b", "k", marker->version_id, "GLACIER", {}).error() ==
        Errc::kMethodNotAllowed);
  CHECK(s.TransitionVersion("b", "k", std::string(32, '0'), "GLACIER", {}).error() ==
        Errc::kNoSuchVersion);
  CHECK(s.TransitionVersion("missing", "k", v1, "GLACIER", {}).error() == Errc::kNoSuchBucket);
  // A noncurrent version transitions; the marker stays the latest.
  auto moved = s.TransitionVersion("b", "k", v1, "GLACIER", {});
  REQUIRE(moved);
  CHECK(s.HeadVersion("b", "k", v1)->storage_class == "GLACIER");
  CHECK(s.Head("b", "k").error() == Errc::kNoSuchKey);
}

TEST_CASE("a locked version transitions and keeps its retention, but can't be removed") {
  TestClock clock;
  StoreFixture f(ChunkStoreUnderTest(), Options(&clock));
  auto& s = f.store();
  REQUIRE_FALSE(s.CreateBucketWithOptions("lk", "", CreateBucketOptions{true}));
  PutOptions options;
  const TimePoint until = clock.Now() + 24h;
  options.version.retention = Retention{RetentionMode::kCompliance, until};
  const std::string data = TestPayload(100 * 1024, 5);
  std::string v = testing::PutVersion(f, "lk", "k", data, options);
  auto moved = s.TransitionVersion("lk", "k", v, "GLACIER", {});
  REQUIRE(moved);
  auto head = s.HeadVersion("lk", "k", v);
  REQUIRE(head);
  CHECK(head->storage_class == "GLACIER");
  CHECK(head->retention.mode == RetentionMode::kCompliance);
  CHECK(head->retention.retain_until == until);
  CHECK(testing::ReadVersion(f, "lk", "k", v).value() == data);
  DeleteOptions remove;
  remove.version_id = v;
  CHECK(s.DeleteObject("lk", "k", remove).error() == Errc::kObjectLocked);
}

}  // namespace
}  // namespace strata::storage

namespace strata::storage {
namespace {

// Tagging rewrites a multipart object's record: its part list must survive (it once did not).
TEST_CASE("a tagged multipart object stays readable and transitions", "[multipart-tagging]") {
  StoreFixture f("fake", Options());
  auto& s = f.store();
  f.MakeBucket("b");
  auto upload = s.CreateMultipartUpload("b", "mp", {});
  REQUIRE(upload);
  const std::string data = TestPayload(5000, 3);
  TestBody body(data);
  auto p = s.UploadPart("b", "mp", upload->upload_id, 1, body);
  REQUIRE(p);
  REQUIRE(
      s.CompleteMultipartUpload("b", "mp", upload->upload_id, {{1, p->etag, std::nullopt}}, {}));
  REQUIRE(s.PutObjectTagging("b", "mp", "", {{"a", "b"}}));
  CHECK(f.ReadAll("b", "mp").value() == data);
  REQUIRE(s.TransitionVersion("b", "mp", "null", "GLACIER", {}));
  CHECK(f.ReadAll("b", "mp").value() == data);
  CHECK(s.GetObjectTagging("b", "mp", "")->tags.size() == 1);
}

}  // namespace
}  // namespace strata::storage
