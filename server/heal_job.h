// The operator's heal: one scrub-and-heal pass over every drive (ChunkStore::ScrubAll) run on
// its own thread, started by POST /strata/admin/v1/heal and watched through Status(). At most
// one pass at a time. Thread-safe.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <mutex>
#include <string>
#include <thread>

#include "erasure/chunk_store.h"

namespace strata::server {

struct HealStatus {
  enum class State { kIdle, kRunning, kDone, kFailed, kCanceled };
  State state = State::kIdle;
  uint64_t pass = 0;  // 1 for the first pass started, ...; 0 while idle
  bool dry_run = false;
  std::chrono::system_clock::time_point started;
  std::chrono::system_clock::time_point finished;  // when not running
  erasure::ScrubReport report;  // totals so far (running) or of the finished pass
  std::string last_blob;        // the blob seen last (running)
  std::string error;            // kFailed: why
  bool not_supported = false;   // kFailed because the chunk store has no scrub
  // Done, and every blob seen is fully redundant.
  bool clean() const { return state == State::kDone && report.clean(); }
};

std::string_view HealStateName(HealStatus::State state);

class HealJob {
 public:
  // ChunkStore::ScrubAll, or a fake. errc::function_not_supported means the store cannot scrub
  // (the adapter maps ChunkStore's default kInvalidArgument to it); operation_canceled, that
  // the pass was stopped.
  using ScrubFn = std::function<erasure::Result<erasure::ScrubReport>(
      const erasure::ScrubOptions&, const erasure::ScrubProgress&)>;

  // The read rate of passes that bring none (ScrubOptions::max_bytes_per_second == 0).
  // Unthrottled, a pass over data in the page cache verified 1-4 GB/s and raised the GET p99 of
  // a small-object load by 70-190 % at normal CPU priority, ~30 % at SCHED_IDLE (issue 8,
  // tools/bench/background_bench.py, 2 cores); at this rate and SCHED_IDLE, ~20 %, the noise
  // of the measurement. 1 TB of shards still verifies in about 2 hours.
  static constexpr uint64_t kDefaultPassBytesPerSecond = 128ull << 20;

  // `is_referenced` (storage's orphan check, NewOrphanCheck; may be empty) is put into the
  // options of every pass that brings none, so operator passes reclaim orphans as the
  // background scrubber does. `default_bytes_per_second` paces passes that bring no rate
  // (0: they run unthrottled). Every pass runs at background CPU and I/O priority
  // (erasure::LowerThreadPriorityForBackgroundWork).
  explicit HealJob(ScrubFn scrub, std::function<bool(const erasure::ScrubBlob&)> is_referenced = {},
                   uint64_t default_bytes_per_second = kDefaultPassBytesPerSecond);
  ~HealJob();  // Stop()
  HealJob(const HealJob&) = delete;
  HealJob& operator=(const HealJob&) = delete;

  // Starts a pass with `options`. False, and nothing started, while a pass is running or after
  // Stop().
  [[nodiscard]] bool Start(const erasure::ScrubOptions& options);
  HealStatus Status() const;
  // Asks a running pass to stop after its current blob (it ends kCanceled) and waits for it.
  // No pass starts afterwards. Idempotent.
  void Stop();

 private:
  void Run(erasure::ScrubOptions options);

  const ScrubFn scrub_;
  const std::function<bool(const erasure::ScrubBlob&)> is_referenced_;
  const uint64_t default_bytes_per_second_;
  mutable std::mutex mu_;
  HealStatus status_;      // GUARDED_BY(mu_)
  bool stopping_ = false;  // GUARDED_BY(mu_)
  std::thread thread_;     // GUARDED_BY(mu_)
};

}  // namespace strata::server
