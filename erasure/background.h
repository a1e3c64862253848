// Internal to erasure/: process-wide threads for data-path work that overlaps the thread that
// owns it: encoding and writing stripes, committing shards in parallel. Two pools of the same
// size, one per priority:
//  - normal: jobs of foreground requests, at the process's priority;
//  - background: jobs of background work (heal, scrub, a lifecycle transition's copy), whose
//    threads run at SCHED_IDLE + best-effort I/O level 7 (background_priority.h), so that a
//    transition's encoding and shard writes use what foreground requests leave over.
// Jobs must not block on other jobs (they may queue behind them); only the threads that submit
// them wait for them. Both pools' threads are started while the process loads, at its priority
// (threads inherit their creator's). Thread-safe.
#pragma once

#include <functional>

namespace strata::erasure {

enum class JobPriority {
  kNormal,
  kBackground,
};

// The pool for jobs submitted on behalf of the calling thread: kBackground on a thread that
// called LowerThreadPriorityForBackgroundWork() (heal, scrub, a transition's copy thread, and
// the background pool's own threads), else kNormal.
JobPriority CallerJobPriority();

// Runs job on a thread of `priority`'s pool, in FIFO order of submission to that pool. The
// caller keeps whatever the job touches alive until the job has finished (jobs are never
// dropped). A job on the background pool may be postponed for as long as foreground threads
// keep every core busy: only background work may wait for one.
void RunInBackground(JobPriority priority, std::function<void()> job);

// RunInBackground(CallerJobPriority(), job).
void RunInBackground(std::function<void()> job);

}  // namespace strata::erasure
