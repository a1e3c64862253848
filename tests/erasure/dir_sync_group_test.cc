// DirSyncGroup: concurrent directory fsyncs of one folder are grouped, and a failed fsync fails
// every caller it covered. The fsync is a counting, gated, failable fake.
#include "erasure/dir_sync_group.h"

#include <atomic>
#include <catch2/catch.hpp>
#include <chrono>
#include <condition_variable>
#include <map>
#include <mutex>
#include <thread>
#include <vector>

namespace strata::erasure {
namespace {

// An fsync fake: counts calls per folder, blocks each call until released (when gated), and
// fails the calls whose number (1-based) is in fail_calls.
class FakeSync {
 public:
  boost::system::error_code operator()(const std::string& dir) {
    std::unique_lock<std::mutex> lock(mu_);
    const int call = ++calls_;
    ++calls_by_dir_[dir];
    running_ = true;
    cv_.notify_all();
    cv_.wait(lock, [&] { return !gated_; });
    running_ = false;
    for (int f : fail_calls_) {
      if (f == call) return make_error_code(Errc::kDriveFailed);
    }
    return {};
  }
  void Gate(bool gated) {
    std::lock_guard<std::mutex> lock(mu_);
    gated_ = gated;
    cv_.notify_all();
  }
  void WaitRunning() {
    std::unique_lock<std::mutex> lock(mu_);
    cv_.wait(lock, [&] { return running_; });
  }
  void FailCall(int call) {
    std::lock_guard<std::mutex> lock(mu_);
    fail_calls_.push_back(call);
  }
  int calls() {
    std::lock_guard<std::mutex> lock(mu_);
    return calls_;
  }
  int calls(const std::string& dir) {
    std::lock_guard<std::mutex> lock(mu_);
    return calls_by_dir_[dir];
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  bool gated_ = false;
  bool running_ = false;
  int calls_ = 0;
  std::map<std::string, int> calls_by_dir_;
  std::vector<int> fail_calls_;
};

// Starts a leader whose fsync blocks, then `followers` more callers of the same folder, and
// waits until they all queue behind it; returns every caller's result once released.
std::vector<boost::system::error_code> RunGroup(DirSyncGroup& group, FakeSync& fake,
                                                const std::string& dir, int followers) {
  std::vector<boost::system::error_code> results(followers + 1);
  fake.Gate(true);
  std::vector<std::thread> threads;
  threads.emplace_back([&] { results[0] = group.Sync(dir); });
  fake.WaitRunning();
  for (int i = 1; i <= followers; ++i) {
    threads.emplace_back([&, i] { results[i] = group.Sync(dir); });
  }
  while (group.Waiting(dir) < static_cast<size_t>(followers)) {
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  fake.Gate(false);
  for (auto& t : threads) t.join();
  return results;
}

TEST_CASE("Callers that arrive during a directory fsync share the next one", "[dir_sync]") {
  FakeSync fake;
  DirSyncGroup group([&](const std::string& d) { return fake(d); });
  const auto results = RunGroup(group, fake, "/d/ab", 7);
  for (const auto& ec : results) CHECK_FALSE(ec);
  // The leader's fsync may not cover the others (they came after it began); one more covers
  // all seven: 2 fsyncs for 8 commits instead of 8.
  CHECK(fake.calls("/d/ab") == 2);
}

TEST_CASE("A failed directory fsync fails every commit it covered, and only those", "[dir_sync]") {
  FakeSync fake;
  fake.FailCall(2);  // the followers' shared fsync
  DirSyncGroup group([&](const std::string& d) { return fake(d); });
  const auto results = RunGroup(group, fake, "/d/ab", 5);
  CHECK_FALSE(results[0]);  // the leader's own fsync succeeded
  for (size_t i = 1; i < results.size(); ++i) {
    CHECK(results[i] == make_error_code(Errc::kDriveFailed));
  }
  CHECK(fake.calls() == 2);
  // A later commit is not handed the old failure: it gets a fsync of its own.
  CHECK_FALSE(group.Sync("/d/ab"));
  CHECK(fake.calls() == 3);
}

TEST_CASE("Directory fsyncs of different folders are never merged", "[dir_sync]") {
  FakeSync fake;
  DirSyncGroup group([&](const std::string& d) { return fake(d); });
  std::vector<std::thread> threads;
  std::atomic<int> failures{0};
  for (int i = 0; i < 8; ++i) {
    threads.emplace_back([&, i] {
      if (group.Sync(i % 2 == 0 ? "/d/aa" : "/d/bb")) ++failures;
    });
  }
  for (auto& t : threads) t.join();
  CHECK(failures == 0);
  CHECK(fake.calls("/d/aa") >= 1);
  CHECK(fake.calls("/d/bb") >= 1);
  CHECK(fake.calls() <= 8);
}

TEST_CASE("A lone directory sync runs one fsync at once", "[dir_sync]") {
  FakeSync fake;
  DirSyncGroup group([&](const std::string& d) { return fake(d); });
  CHECK_FALSE(group.Sync("/d/cc"));
  CHECK_FALSE(group.Sync("/d/cc"));
  CHECK(fake.calls("/d/cc") == 2);  // sequential commits each need their own
}

}  // namespace
}  // namespace strata::erasure
