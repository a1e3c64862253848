// Internal to erasure/: the process-wide trash reaper. LocalDrive::DeleteChunk renames a shard
// into <drive>/trash/ and hands the unlink to these threads, so a DELETE does not wait for it.
// Thread-safe.
//
// Why several threads: on this machine's ext4 (no journal, mounted with `discard`) an unlink
// frees the file's blocks with a synchronous discard (ext4_free_blocks -> blkdev_issue_discard
// -> submit_bio_wait), so each unlink waits one device round trip, 1-4 ms, and one thread
// reaped ~250 files/s whatever the CPU did. kReaperThreads keep that many discards in flight
// (measured unlink rate on this disk: 1 thread ~10k/s idle, ~600/s busy; 4 threads 2-3x more).
//
// Why nice 19 and not SCHED_IDLE: an unlink holds the trash folder's lock while it removes
// the name (not during the discard, which happens at the final iput after the lock is dropped),
// and a DELETE's rename into the trash needs that lock; a SCHED_IDLE holder preempted under a
// busy CPU would stall that DELETE for as long as the foreground keeps the CPU busy. At nice 19
// the reaper gets ~1.5 % of a busy core and is preempted by any foreground wake-up, which is
// all it needs (its cost is waiting for the device, not CPU). I/O: best-effort level 7, served
// after foreground I/O by schedulers that honour priorities.
#pragma once

#include <cstddef>
#include <string>

namespace strata::erasure {

inline constexpr unsigned kReaperThreads = 4;
// Unlinks queued and not yet done, over all drives; past this, callers unlink themselves
// (back-pressure instead of an unbounded queue and an ever-fuller trash).
inline constexpr size_t kMaxPendingUnlinks = 4096;
inline constexpr int kReaperNice = 19;
inline constexpr int kReaperIoLevel = 7;
// A file larger than this is cut down from its end in steps of this size before its unlink,
// so that its blocks' discards reach the device in pieces a foreground flush can pass between
// (trash_reaper.cc).
inline constexpr size_t kReapStepBytes = 256u << 10;

// Queues the unlink of `path`; false (nothing queued) if kMaxPendingUnlinks are pending: the
// caller then unlinks it itself.
[[nodiscard]] bool ReapLater(const std::string& path);

// Queues a scan of `trash_dir` that unlinks every file in it (what an interrupted reap left):
// the scan hands the names out one per job, so every reaper thread works on them, and unlinks
// a name itself when the queue is full. Files added during the scan may be missed (each
// DeleteChunk queues its own). A missing folder is nothing to do.
void ReapFolderLater(const std::string& trash_dir);

// Moves the calling thread to the reaper's priority (above). False if the kernel refused.
bool LowerThreadPriorityForReaping();

}  // namespace strata::erasure
