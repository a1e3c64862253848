// Two fixed sets of threads, each over one FIFO queue. More threads than cores: some jobs wait
// on the disk (fdatasync), and those must not hold back encoding jobs for other blobs. Separate
// queues (not one queue with two classes of threads): a background job never holds a normal
// thread, a foreground job never waits behind background ones, and the two never share the
// queue's mutex (a SCHED_IDLE thread preempted while holding it would stall every request that
// submits a job).
#include "erasure/background.h"

#include <algorithm>
#include <limits>
#include <thread>

#include "erasure/background_priority.h"
#include "erasure/job_queue.h"

namespace strata::erasure {
namespace {

unsigned PoolThreads() { return std::max(4u, 2 * std::thread::hardware_concurrency()); }

struct Pools {
  JobQueue normal{"erasure", PoolThreads()};
  // Each thread lowers itself (and marks itself as background work, so whatever its jobs
  // submit stays in this pool) before its first job.
  JobQueue background{"erasure-bg", PoolThreads(), std::numeric_limits<size_t>::max(),
                      [] { LowerThreadPriorityForBackgroundWork(); }};
};

Pools& ThePools() {
  // Leaked on purpose: detached threads wait on it until the process exits.
  static Pools* pools = new Pools;
  return *pools;
}

// Started while the process loads (static initialization, on the main thread): a new thread
// inherits its creator's CPU policy and I/O priority, and an unprivileged process cannot raise
// them again, so the normal pool must never be started lazily by a lowered thread (a healer or a
// transition submitting the process's first job). The background pool's threads lower
// themselves when they start.
[[maybe_unused]] const Pools& started_at_load = ThePools();

}  // namespace

JobPriority CallerJobPriority() {
  return ThreadDoesBackgroundWork() ? JobPriority::kBackground : JobPriority::kNormal;
}

void RunInBackground(JobPriority priority, std::function<void()> job) {
  // Unbounded: never refused.
  (priority == JobPriority::kNormal ? ThePools().normal : ThePools().background)
      .Post(std::move(job));
}

void RunInBackground(std::function<void()> job) {
  RunInBackground(CallerJobPriority(), std::move(job));
}

}  // namespace strata::erasure
