// The operator's heal job over a fake scrub: states, progress, one pass at a time, stop.
#include "server/heal_job.h"

#include <boost/system/errc.hpp>
#include <catch2/catch.hpp>
#include <condition_variable>
#include <thread>

#include "erasure/background_priority.h"

using strata::server::HealJob;
using strata::server::HealStatus;
namespace erasure = strata::erasure;

namespace {

// Waits until `pred` holds (a few seconds at most).
template <class Pred>
bool Eventually(Pred pred) {
  for (int i = 0; i < 500; ++i) {
    if (pred()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return pred();
}

// A scrub that reports `blobs` blobs, then waits for release (if gated) before finishing.
struct FakeScrub {
  int blobs = 3;
  bool gated = false;
  bool heal_failures = false;
  std::mutex mu;
  std::condition_variable cv;
  bool released = false;
  erasure::ScrubOptions seen;
  bool idle_class = false;  // the pass ran under SCHED_IDLE

  HealJob::ScrubFn Fn() {
    return [this](const erasure::ScrubOptions& options,
                  const erasure::ScrubProgress& progress) -> erasure::Result<erasure::ScrubReport> {
      seen = options;
      idle_class = erasure::ThreadIsIdleClass();
      erasure::ScrubReport report;
      for (int i = 0; i < blobs; ++i) {
        erasure::ScrubBlob blob;
        blob.blob_id = "blob" + std::to_string(i);
        ++report.blobs_scanned;
        ++report.blobs_healthy;
        if (!progress(blob, report)) return report;
      }
      if (gated) {
        std::unique_lock lock(mu);
        cv.wait(lock, [this] { return released; });
        // Like ScrubAll, ask the callback once more (a stopped job says stop).
        erasure::ScrubBlob last;
        last.blob_id = "last";
        if (!progress(last, report)) return report;
      }
      if (heal_failures) report.blobs_heal_failed = 1;
      return report;
    };
  }
  void Release() {
    std::lock_guard lock(mu);
    released = true;
    cv.notify_all();
  }
};

}  // namespace

TEST_CASE("a heal job is idle until started and done and clean after a clean pass") {
  FakeScrub scrub;
  HealJob job(scrub.Fn());
  CHECK(job.Status().state == HealStatus::State::kIdle);
  CHECK(job.Status().pass == 0);
  erasure::ScrubOptions options;
  options.grace = std::chrono::seconds(0);
  REQUIRE(job.Start(options));
  REQUIRE(Eventually([&] { return job.Status().state == HealStatus::State::kDone; }));
  HealStatus s = job.Status();
  CHECK(s.pass == 1);
  CHECK(s.clean());
  CHECK(s.report.blobs_scanned == 3);
  CHECK(s.finished >= s.started);
  CHECK(scrub.seen.grace == std::chrono::seconds(0));
}

TEST_CASE("a second start while a pass runs is refused, and progress is visible meanwhile") {
  FakeScrub scrub;
  scrub.gated = true;
  HealJob job(scrub.Fn());
  REQUIRE(job.Start({}));
  REQUIRE(Eventually([&] { return job.Status().report.blobs_scanned == 3; }));
  CHECK(job.Status().state == HealStatus::State::kRunning);
  CHECK(job.Status().last_blob == "blob2");
  CHECK_FALSE(job.Start({}));
  scrub.Release();
  REQUIRE(Eventually([&] { return job.Status().state == HealStatus::State::kDone; }));
  // Once finished, a new pass may start and gets the next number.
  REQUIRE(job.Start({}));
  REQUIRE(Eventually([&] { return job.Status().state == HealStatus::State::kDone; }));
  CHECK(job.Status().pass == 2);
}

TEST_CASE("a pass that leaves damage is done but not clean") {
  FakeScrub scrub;
  scrub.heal_failures = true;
  HealJob job(scrub.Fn());
  REQUIRE(job.Start({}));
  REQUIRE(Eventually([&] { return job.Status().state == HealStatus::State::kDone; }));
  CHECK_FALSE(job.Status().clean());
}

TEST_CASE("a store without scrub support fails the pass as not supported") {
  HealJob job([](const erasure::ScrubOptions&,
                 const erasure::ScrubProgress&) -> erasure::Result<erasure::ScrubReport> {
    return make_error_code(boost::system::errc::function_not_supported);
  });
  REQUIRE(job.Start({}));
  REQUIRE(Eventually([&] { return job.Status().state == HealStatus::State::kFailed; }));
  CHECK(job.Status().not_supported);
  CHECK_FALSE(job.Status().error.empty());
  CHECK_FALSE(job.Status().clean());
}

TEST_CASE("stop cancels a running pass and no pass starts afterwards") {
  FakeScrub scrub;
  scrub.gated = true;
  HealJob job(scrub.Fn());
  REQUIRE(job.Start({}));
  REQUIRE(Eventually([&] { return job.Status().report.blobs_scanned == 3; }));
  std::thread releaser([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    scrub.Release();
  });
  job.Stop();
  releaser.join();
  CHECK(job.Status().state == HealStatus::State::kCanceled);
  CHECK_FALSE(job.Start({}));
}

TEST_CASE("a heal job passes its orphan check to passes that bring none") {
  FakeScrub scrub;
  int asked = 0;
  HealJob job(scrub.Fn(), [&asked](const erasure::ScrubBlob&) {
    ++asked;
    return false;
  });
  REQUIRE(job.Start({}));
  REQUIRE(Eventually([&] { return job.Status().state == HealStatus::State::kDone; }));
  REQUIRE(scrub.seen.is_referenced);
  CHECK_FALSE(scrub.seen.is_referenced(erasure::ScrubBlob{}));
  CHECK(asked == 1);
  // A pass that brings its own check keeps it.
  erasure::ScrubOptions own;
  own.is_referenced = [](const erasure::ScrubBlob&) { return true; };
  REQUIRE(job.Start(own));
  REQUIRE(Eventually([&] { return job.Status().state == HealStatus::State::kDone; }));
  REQUIRE(scrub.seen.is_referenced);
  CHECK(scrub.seen.is_referenced(erasure::ScrubBlob{}));
  CHECK(asked == 1);
}

TEST_CASE("a heal job paces passes that bring no rate at its default rate and keeps a given one") {
  FakeScrub scrub;
  HealJob job(scrub.Fn(), {}, /*default_bytes_per_second=*/5u << 20);
  REQUIRE(job.Start({}));
  REQUIRE(Eventually([&] { return job.Status().state == HealStatus::State::kDone; }));
  CHECK(scrub.seen.max_bytes_per_second == 5u << 20);
  erasure::ScrubOptions own;
  own.max_bytes_per_second = 7u << 20;
  REQUIRE(job.Start(own));
  REQUIRE(Eventually([&] { return job.Status().state == HealStatus::State::kDone; }));
  CHECK(scrub.seen.max_bytes_per_second == 7u << 20);
}

TEST_CASE("a heal job's passes default to 128 MiB/s, and run at background priority") {
  FakeScrub scrub;
  HealJob job(scrub.Fn());
  REQUIRE(job.Start({}));
  REQUIRE(Eventually([&] { return job.Status().state == HealStatus::State::kDone; }));
  CHECK(scrub.seen.max_bytes_per_second == 128u << 20);
  CHECK(scrub.idle_class);
  CHECK_FALSE(erasure::ThreadIsIdleClass());  // the caller's thread is untouched
}
