// Background priority: the CPU and I/O priority that heal and scrub run
// at, so that they use what foreground requests leave over instead of competing with them on
// equal terms (issue 8: background work may cost the foreground GET p99 at most 20 %).
// Used by erasure/ (healer, scrubber, the background job pool of background.h), server/
// (operator heal) and storage/ (the thread that copies a lifecycle transition's data): threads
// that read, encode and write shards and take no lock a request waits for for long. Not the
// lifecycle worker itself: it commits through the index journal (it may lead a group commit)
// and holds key locks, and a SCHED_IDLE thread preempted there under a busy CPU would stall the
// requests queued behind it for hundreds of milliseconds (Linux mutexes do not lend priority).
// A lowered thread is also marked as doing background work: the writer jobs it submits
// (RunInBackground) go to the background pool, so its encoding and shard commits run at the
// same low priority instead of on the foreground's threads.
// Thread-safe: each call affects only the calling thread (Linux priorities are per thread).
#pragma once

#include "erasure/chunk_store.h"

namespace strata::erasure {

// LowerThreadPriorityForBackgroundWork() is declared in chunk_store.h (storage/ includes only
// that header). It moves the calling thread to:
//  - CPU: SCHED_IDLE. A request thread that wakes up preempts it at once (with nice values,
//    even 19, the running background thread keeps its slice first: measured, the GET p99 still
//    rose 60-100 % under an unthrottled scrub), and it runs at full speed on a core nobody else
//    wants. Under a foreground that keeps every core busy it nearly stops: heal and scrub wait
//    for a lull. If the kernel refuses SCHED_IDLE, nice kBackgroundNice instead.
//  - I/O: best-effort level kBackgroundIoLevel, served after foreground I/O of the same class by
//    schedulers that honour priorities (mq-deadline, bfq). Not the idle class, which can postpone
//    a heal's fsync for as long as the foreground keeps the disk busy. A thread already in the
//    idle class (`ionice -c3` by the operator) stays there.
// One-way for an unprivileged process (leaving SCHED_IDLE or lowering nice needs
// CAP_SYS_NICE), so it is for the start of a thread that does nothing but background work.
// Idempotent. Best effort: false if the kernel refused a change (seccomp, containers); the work
// then runs at normal priority, which is only slower for the foreground, never wrong. Marks the
// thread (ThreadDoesBackgroundWork) either way.
inline constexpr int kBackgroundNice = 10;
inline constexpr int kBackgroundIoLevel = 7;

// The calling thread's nice value (-20..19).
int ThreadNice();
// Whether the calling thread runs under SCHED_IDLE.
bool ThreadIsIdleClass();
// Whether the calling thread has called LowerThreadPriorityForBackgroundWork() (whatever the
// kernel granted): its data-path jobs belong to the background pool. No system call.
bool ThreadDoesBackgroundWork();
// The calling thread's I/O priority as {class, level}: class 0 none (follows the CPU nice),
// 1 real-time, 2 best-effort, 3 idle. {-1, -1} if the kernel does not say.
struct IoPriority {
  int io_class = -1;
  int level = -1;
};
IoPriority ThreadIoPriority();

// The pieces, for threads that want other levels (the trash reaper): the calling thread's nice
// value raised to at least `nice`, and its I/O priority set to best-effort `level` (unless it is
// in the idle class already). False if the kernel refused.
bool RaiseThreadNice(int nice);
bool SetThreadBestEffortIo(int level);

}  // namespace strata::erasure
