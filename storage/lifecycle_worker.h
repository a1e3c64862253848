// LifecycleWorker: applies every bucket's lifecycle configuration in the background, through
// the ObjectStore interface only (so object lock, versioning and conditions are enforced by the
// store exactly as for clients). A pass lists buckets, reads each configuration, scans the
// bucket's versions (paged; one key's versions are gathered, then evaluated by EvaluateKey) and
// its multipart uploads, and applies the due actions: expiration (DeleteObject without version
// id, conditioned on the ETag it evaluated), removal of expired delete markers and noncurrent
// versions (DeleteObject with a version id; never bypass_governance: kObjectLocked is skipped and
// counted), transitions (TransitionVersion, throttled) and aborts of stale uploads.
//
// Thread-safe: Start/Stop/RunPassNow/Counters may be called from any thread; passes never
// overlap (RunPassNow waits for a running background pass).
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>
#include <thread>

#include "storage/lifecycle_rules.h"
#include "storage/object_store.h"

namespace strata::storage {

struct LifecycleWorkerOptions {
  // How long a lifecycle "day" lasts (kAwsDay in production; seconds in tests and demos).
  std::chrono::seconds day_length = kAwsDay;
  // Time between passes; zero: min(day_length / 4, 1 h). Never less than 1 s.
  std::chrono::milliseconds interval{0};
  // Transition copy throttle (0: unlimited).
  uint64_t transition_bytes_per_second = 64ull << 20;
  // The lower throttle while `foreground_busy` says the server is serving requests (0: none).
  // At the full rate a transition raised a small-object GET p99 by 50-90 % on 2 cores (issue
  // 8, tools/bench/background_bench.py); the cost follows the rate.
  uint64_t transition_busy_bytes_per_second = 8ull << 20;
  // Empty: never busy.
  std::function<bool()> foreground_busy;
  // The time rules are evaluated at; empty: Clock::now.
  std::function<TimePoint()> clock;
};

// Cumulative since construction.
struct LifecycleCounters {
  uint64_t passes = 0;
  uint64_t versions_scanned = 0;    // versions and delete markers evaluated
  uint64_t expired = 0;             // current versions expired (marker written or removed)
  uint64_t markers_written = 0;     // of those, in versioned buckets
  uint64_t noncurrent_expired = 0;  // noncurrent versions and markers removed
  uint64_t markers_removed = 0;     // expired object delete markers removed
  uint64_t transitions = 0;         // versions moved to another class
  uint64_t transition_bytes = 0;    // logical bytes of those versions
  uint64_t uploads_aborted = 0;
  uint64_t skipped_locked = 0;   // removals refused by object lock
  uint64_t errors = 0;           // any other failure (retried next pass)
  double last_pass_seconds = 0;  // wall time of the last completed pass
};

class LifecycleWorker {
 public:
  // `store` must outlive the worker.
  LifecycleWorker(ObjectStore& store, LifecycleWorkerOptions options);
  ~LifecycleWorker();  // Stop()s
  LifecycleWorker(const LifecycleWorker&) = delete;
  LifecycleWorker& operator=(const LifecycleWorker&) = delete;

  // Starts the background thread (first pass after one interval). Idempotent.
  void Start();
  // Stops it promptly: a pass in progress abandons its current copy and returns. Idempotent.
  void Stop();
  // Runs one pass now on the calling thread (waits for a running pass first).
  void RunPassNow();
  LifecycleCounters Counters() const;
  std::chrono::milliseconds interval() const { return interval_; }

 private:
  void Loop();
  void Pass();
  void ProcessBucket(const std::string& bucket, const LifecycleConfiguration& config,
                     TimePoint now);
  void ProcessVersions(const std::string& bucket, const LifecycleConfiguration& config,
                       TimePoint now);
  void ProcessUploads(const std::string& bucket, const LifecycleConfiguration& config,
                      TimePoint now);
  void Apply(const std::string& bucket, const std::vector<ObjectInfo>& versions,
             const LifecycleAction& action);
  bool stopping() const { return stop_.load(std::memory_order_relaxed); }
  TimePoint Now() const { return options_.clock ? options_.clock() : Clock::now(); }

  ObjectStore& store_;
  const LifecycleWorkerOptions options_;
  const std::chrono::milliseconds interval_;

  std::mutex pass_mu_;  // one pass at a time
  mutable std::mutex mu_;
  std::condition_variable cv_;  // wakes the loop on Stop
  LifecycleCounters counters_;  // GUARDED_BY(mu_)
  std::atomic<bool> stop_{false};
  std::thread thread_;  // GUARDED_BY(mu_) for Start/Stop
};

}  // namespace strata::storage
