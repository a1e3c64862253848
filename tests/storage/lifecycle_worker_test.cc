// LifecycleWorker passes over a memory store with a test clock: each action, object lock,
// counters, and a prompt stop.
#include "storage/lifecycle_worker.h"

#include <catch2/catch.hpp>
#include <thread>

#include "tests/storage/byte_source_fake.h"
#include "tests/storage/result_string_maker.h"
#include "tests/storage/versioning_helpers_fake.h"

namespace strata::storage {
namespace {

using namespace std::chrono_literals;
using testing::PutVersion;
using testing::StoreFixture;
using testing::TestClock;
using testing::TestPayload;

constexpr std::chrono::seconds kDay{10};

// Unthrottled, interval from the day, evaluated at `clock`.
LifecycleWorkerOptions WorkerOptions(std::chrono::seconds day,
                                     std::function<TimePoint()> clock = {}) {
  LifecycleWorkerOptions options;
  options.day_length = day;
  options.transition_bytes_per_second = 0;
  options.transition_busy_bytes_per_second = 0;
  options.clock = std::move(clock);
  return options;
}

struct World {
  TestClock clock;
  StoreFixture f{"fake", MakeOptions(clock)};
  LifecycleWorker worker{f.store(), WorkerOptions(kDay, clock.AsFunction())};

  static StoreOptions MakeOptions(const TestClock& clock) {
    auto options = StoreFixture::DefaultOptions();
    options.storage_class_tiers["GLACIER"] = "hdd";
    options.clock = clock.AsFunction();
    return options;
  }
  void Rules(const std::string& bucket, std::vector<LifecycleRule> rules) {
    REQUIRE_FALSE(f.store().PutBucketLifecycle(bucket, LifecycleConfiguration{std::move(rules)}));
  }
  void Days(int n) {
    clock.Advance(std::chrono::duration_cast<std::chrono::milliseconds>(n * kDay));
  }
};

LifecycleRule Expire(uint32_t days) {
  LifecycleRule r;
  r.id = "expire";
  r.expiration = LifecycleExpiration{days, std::nullopt, false};
  return r;
}

TEST_CASE("a pass expires old objects: removed when unversioned, a marker when versioned") {
  World w;
  auto& s = w.f.store();
  w.f.MakeBucket("plain");
  w.f.MakeBucket("vers");
  testing::SetVersioning(w.f, "vers", VersioningState::kEnabled);
  w.Rules("plain", {Expire(2)});
  w.Rules("vers", {Expire(2)});
  w.f.PutOrDie("plain", "old", "x");
  w.f.PutOrDie("vers", "old", "y");
  w.Days(1);
  w.f.PutOrDie("plain", "young", "z");
  w.Days(1);
  w.worker.RunPassNow();
  CHECK(s.Head("plain", "old").error() == Errc::kNoSuchKey);
  CHECK(s.Head("plain", "young"));
  CHECK(s.Head("vers", "old").error() == Errc::kNoSuchKey);
  auto versions = testing::AllVersions(s, "vers");
  REQUIRE(versions.size() == 2);
  CHECK(versions[0].delete_marker);
  auto c = w.worker.Counters();
  CHECK(c.passes == 1);
  CHECK(c.expired == 2);
  CHECK(c.markers_written == 1);
  CHECK(c.versions_scanned == 3);
  CHECK(c.errors == 0);

  // Next pass: the lone marker is not removed by a Days rule until it is old itself...
  w.worker.RunPassNow();
  CHECK(testing::AllVersions(s, "vers").size() == 2);
}

TEST_CASE("a pass removes expired delete markers only when nothing is left behind them") {
  World w;
  auto& s = w.f.store();
  w.f.MakeBucket("b");
  testing::SetVersioning(w.f, "b", VersioningState::kEnabled);
  LifecycleRule markers;
  markers.id = "markers";
  markers.expiration = LifecycleExpiration{std::nullopt, std::nullopt, true};
  LifecycleRule noncurrent;
  noncurrent.id = "nc";
  noncurrent.noncurrent_expiration = NoncurrentExpiration{1, std::nullopt};
  w.Rules("b", {markers, noncurrent});
  PutVersion(w.f, "b", "k", "data");
  REQUIRE(s.DeleteObject("b", "k", {}));
  w.worker.RunPassNow();  // the version is noncurrent but not old enough: marker stays
  CHECK(testing::AllVersions(s, "b").size() == 2);
  w.Days(1);
  w.worker.RunPassNow();  // the version expires; the marker is alone only after that
  CHECK(testing::AllVersions(s, "b").size() == 1);
  w.worker.RunPassNow();
  CHECK(testing::AllVersions(s, "b").empty());
  auto c = w.worker.Counters();
  CHECK(c.noncurrent_expired == 1);
  CHECK(c.markers_removed == 1);
}

TEST_CASE("a pass keeps NewerNoncurrentVersions and expires older noncurrent versions") {
  World w;
  auto& s = w.f.store();
  w.f.MakeBucket("b");
  testing::SetVersioning(w.f, "b", VersioningState::kEnabled);
  LifecycleRule r;
  r.noncurrent_expiration = NoncurrentExpiration{1, 2};
  w.Rules("b", {r});
  std::vector<std::string> ids;
  for (int i = 0; i < 5; ++i) {
    ids.push_back(PutVersion(w.f, "b", "k", "v" + std::to_string(i)));
    w.clock.Advance(1s);
  }
  w.Days(2);
  w.worker.RunPassNow();
  auto left = testing::AllVersions(s, "b");
  REQUIRE(left.size() == 3);
  CHECK(left[0].version_id == ids[4]);
  CHECK(left[1].version_id == ids[3]);
  CHECK(left[2].version_id == ids[2]);
  CHECK(w.worker.Counters().noncurrent_expired == 2);
}

TEST_CASE("a pass transitions due versions and reports the bytes moved") {
  World w;
  auto& s = w.f.store();
  w.f.MakeBucket("b");
  LifecycleRule r;
  r.id = "cold";
  r.filter.prefix = "data/";
  r.transitions = {{1, std::nullopt, "GLACIER"}};
  w.Rules("b", {r});
  const std::string data = TestPayload(64 * 1024, 9);
  w.f.PutOrDie("b", "data/x", data);
  w.f.PutOrDie("b", "other/y", data);
  w.Days(1);
  w.worker.RunPassNow();
  CHECK(s.Head("b", "data/x")->storage_class == "GLACIER");
  CHECK(s.Head("b", "other/y")->storage_class == "STANDARD");
  CHECK(w.f.ReadAll("b", "data/x").value() == data);
  auto c = w.worker.Counters();
  CHECK(c.transitions == 1);
  CHECK(c.transition_bytes == data.size());
  w.worker.RunPassNow();  // already there: nothing more
  CHECK(w.worker.Counters().transitions == 1);
}

TEST_CASE("a pass filters on tags") {
  World w;
  auto& s = w.f.store();
  w.f.MakeBucket("b");
  auto r = Expire(1);
  r.filter.tags = {{"temp", "yes"}};
  w.Rules("b", {r});
  PutOptions tagged;
  tagged.version.tags = {{"temp", "yes"}};
  w.f.PutOrDie("b", "t", "x", tagged);
  w.f.PutOrDie("b", "u", "x");
  w.Days(1);
  w.worker.RunPassNow();
  CHECK(s.Head("b", "t").error() == Errc::kNoSuchKey);
  CHECK(s.Head("b", "u"));
}

TEST_CASE("a pass aborts stale multipart uploads") {
  World w;
  auto& s = w.f.store();
  w.f.MakeBucket("b");
  LifecycleRule r;
  r.abort_incomplete_upload_days = 2;
  w.Rules("b", {r});
  auto old_upload = s.CreateMultipartUpload("b", "k", {});
  REQUIRE(old_upload);
  w.Days(1);
  auto new_upload = s.CreateMultipartUpload("b", "k", {});
  REQUIRE(new_upload);
  w.Days(1);
  w.worker.RunPassNow();
  auto uploads = s.ListMultipartUploads("b", {});
  REQUIRE(uploads);
  REQUIRE(uploads->uploads.size() == 1);
  CHECK(uploads->uploads[0].upload_id == new_upload->upload_id);
  CHECK(w.worker.Counters().uploads_aborted == 1);
}

TEST_CASE("a pass never removes a locked version: it is skipped and counted") {
  World w;
  auto& s = w.f.store();
  REQUIRE_FALSE(s.CreateBucketWithOptions("lk", "", CreateBucketOptions{true}));
  LifecycleRule r = Expire(1);
  r.noncurrent_expiration = NoncurrentExpiration{1, std::nullopt};
  w.Rules("lk", {r});
  PutOptions locked;
  locked.version.retention = Retention{RetentionMode::kGovernance, w.clock.Now() + 1000 * kDay};
  std::string v = PutVersion(w.f, "lk", "k", "precious", locked);
  w.Days(2);
  w.worker.RunPassNow();  // current expiry: a marker on top, the version stays
  w.Days(2);
  w.worker.RunPassNow();  // noncurrent expiry: refused by the lock
  CHECK(testing::ReadVersion(w.f, "lk", "k", v).value() == "precious");
  auto c = w.worker.Counters();
  CHECK(c.markers_written == 1);
  CHECK(c.skipped_locked >= 1);
  CHECK(c.noncurrent_expired == 0);
}

TEST_CASE("buckets without a configuration are left alone") {
  World w;
  w.f.MakeBucket("b");
  w.f.PutOrDie("b", "k", "x");
  w.Days(100);
  w.worker.RunPassNow();
  CHECK(w.f.store().Head("b", "k"));
  CHECK(w.worker.Counters().versions_scanned == 0);
  CHECK(w.worker.Counters().errors == 0);
}

TEST_CASE("the background thread runs passes and stops promptly") {
  World w;
  LifecycleWorker fast(w.f.store(), WorkerOptions(1s, w.clock.AsFunction()));
  CHECK(fast.interval() == 1s);  // day / 4 is below the 1 s floor
  LifecycleWorker slow(w.f.store(), WorkerOptions(kAwsDay));
  CHECK(slow.interval() == 1h);
  fast.Start();
  auto deadline = std::chrono::steady_clock::now() + 5s;
  while (fast.Counters().passes == 0 && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(20ms);
  }
  CHECK(fast.Counters().passes >= 1);
  auto start = std::chrono::steady_clock::now();
  fast.Stop();
  CHECK(std::chrono::steady_clock::now() - start < 500ms);
}

}  // namespace
}  // namespace strata::storage
