// Helpers shared by the versioning, tagging, object lock and version listing tests: a movable
// test clock and small wrappers that fail the test on unexpected errors.
#pragma once

#include <atomic>
#include <memory>
#include <string>
#include <vector>

#include "storage/object_store.h"
#include "tests/storage/object_store_fixture_fake.h"

namespace strata::storage::testing {

// A clock tests move by hand; starts at a fixed, realistic time. Thread-safe.
class TestClock {
 public:
  TimePoint Now() const { return TimePoint(std::chrono::milliseconds(ms_->load())); }
  void Advance(std::chrono::milliseconds d) { *ms_ += d.count(); }
  std::function<TimePoint()> AsFunction() const {
    auto ms = ms_;
    return [ms] { return TimePoint(std::chrono::milliseconds(ms->load())); };
  }

 private:
  std::shared_ptr<std::atomic<int64_t>> ms_ =
      std::make_shared<std::atomic<int64_t>>(1'780'000'000'000);  // 2026
};

// Fixture options with the test clock installed.
StoreOptions OptionsWithClock(const TestClock& clock);

// Puts and returns the new version id, or fails the test.
std::string PutVersion(StoreFixture& f, const std::string& bucket, const std::string& key,
                       const std::string& data, const PutOptions& options = {});
// The whole version (empty id: latest), or the error.
Result<std::string> ReadVersion(StoreFixture& f, const std::string& bucket, const std::string& key,
                                const std::string& version_id);
// Every version of a bucket, in listing order (all pages).
std::vector<ObjectInfo> AllVersions(ObjectStore& store, const std::string& bucket);
// Sets versioning or fails the test.
void SetVersioning(StoreFixture& f, const std::string& bucket, VersioningState state);

}  // namespace strata::storage::testing
