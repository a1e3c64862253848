// The index journal: an append-only, checksummed log of every metadata WriteBatch, mirrored on
// several folders that live on the data drives (<drive>/index-journal/), so the LevelDB index
// (one disk, not erasure coded) can be rebuilt if it is lost. See README.md, "Index journal".
//
// On disk, in every copy folder:
//   journal-<first seq, 20 digits>.log   segments: frames of records, seq strictly ascending
//   snapshot-<seq, 20 digits>.snap       checkpoints: every key/value of the index as of seq
//   *.tmp                                a snapshot being written (removed at open)
// Frame (all integers little-endian): u32 magic | u32 payload length | u32 CRC32C(payload) |
// payload. A journal record's payload: u64 seq | varint n | n x (u8 op (0 put, 1 delete) |
// lp key | lp value (puts only)). A snapshot is a header frame (u8 1 | u64 seq), entry frames
// (u8 2 | varint n | n x (lp key | lp value)) and an end frame (u8 3 | u64 seq | u64 entries);
// it is valid only when the end frame is reached and counts match.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <span>
#include <string>
#include <thread>
#include <vector>

#include "storage/errors.h"
#include "storage/metadata_store.h"

namespace strata::storage {

// --- The file seam (tests wrap it to fail chosen calls).

// A file being appended to. Not thread-safe.
class JournalFile {
 public:
  virtual ~JournalFile() = default;
  [[nodiscard]] virtual boost::system::error_code Append(std::span<const std::byte> data) = 0;
  [[nodiscard]] virtual boost::system::error_code Sync() = 0;  // fdatasync
};

// A file opened for reading. Not thread-safe.
class JournalReadFile {
 public:
  virtual ~JournalReadFile() = default;
  virtual uint64_t size() const = 0;  // as of open
  // Reads up to out.size() bytes at offset (short only at end of file).
  [[nodiscard]] virtual Result<size_t> ReadAt(uint64_t offset, std::span<std::byte> out) = 0;
};

// One journal copy folder. Thread-safe (calls on different files may run concurrently).
// Errors: kUnavailable for I/O errors, kNoSuchKey for a missing file.
class JournalDir {
 public:
  virtual ~JournalDir() = default;
  virtual const std::string& path() const = 0;
  // Names of the regular files in the folder, in no particular order.
  [[nodiscard]] virtual Result<std::vector<std::string>> List() = 0;
  // Creates (or truncates) a file for appending. Its name is durable only after SyncDir().
  [[nodiscard]] virtual Result<std::unique_ptr<JournalFile>> Create(const std::string& name) = 0;
  // As Create, for a journal segment: appended to in small pieces, each synced. The file may
  // run ahead of the records in zeros (which readers take as its end: a zero header is not a
  // frame) so that a sync need not update the file's size and allocation each time.
  [[nodiscard]] virtual Result<std::unique_ptr<JournalFile>> CreateSegment(
      const std::string& name) {
    return Create(name);
  }
  [[nodiscard]] virtual Result<std::unique_ptr<JournalReadFile>> Open(const std::string& name) = 0;
  [[nodiscard]] virtual boost::system::error_code Rename(const std::string& from,
                                                         const std::string& to) = 0;
  [[nodiscard]] virtual boost::system::error_code Remove(const std::string& name) = 0;
  [[nodiscard]] virtual boost::system::error_code SyncDir() = 0;
};

// A folder of the local file system, created (with its parents) if missing.
Result<std::unique_ptr<JournalDir>> OpenLocalJournalDir(const std::string& path);

// --- Reading (replay at open, offline rebuild).

struct JournalRecord {
  uint64_t seq = 0;
  WriteBatch batch;
};

// What the copies hold, merged. Reading never modifies a copy.
struct JournalInfo {
  bool has_data = false;                 // any valid record or snapshot in any copy
  std::optional<uint64_t> snapshot_seq;  // newest valid snapshot over all copies
  size_t snapshot_copy = 0;              // the copy holding it
  uint64_t max_seq = 0;                  // highest valid seq seen (records or snapshot)
  std::vector<uint64_t> copy_last_seq;   // per copy: its last valid seq (0: empty)
};

// Scans the copies: every snapshot is validated (a full read), and each copy's newest segment
// is read to find where the copy ends. Unreadable copies count as empty. Bounded memory: one
// frame at a time, a frame never larger than its file.
Result<JournalInfo> InspectJournal(std::span<JournalDir* const> copies);

// Calls fn(key, value) for every entry of the snapshot `seq` in copy `copy`, in key order.
// kCorrupt if the snapshot fails a check (fn may have been called for a prefix of it).
[[nodiscard]] boost::system::error_code ReadSnapshot(
    JournalDir& copy, uint64_t seq,
    const std::function<boost::system::error_code(std::string_view, std::string_view)>& fn);

// Calls fn for the records first_seq, first_seq + 1, ... in order, taking each from any copy
// that holds a valid frame for it (a torn or corrupt record in one copy falls back to the
// others; a copy resumes at its next segment after a bad frame). Stops at the first seq no copy
// holds. Returns the last seq passed to fn (first_seq - 1 if none). An error from fn stops the
// replay and is returned.
Result<uint64_t> ReplayJournal(
    std::span<JournalDir* const> copies, uint64_t first_seq,
    const std::function<boost::system::error_code(const JournalRecord&)>& fn);

// --- Writing.

struct IndexJournalOptions {
  // A checkpoint (snapshot) is taken when the segments written since the last one exceed this
  // and the last snapshot's size. A snapshot rewrites the whole index: one per fixed amount of
  // journal cost in proportion to the index (a 4 KiB PUT load spent 2.3x the journal's own
  // writes on snapshots within 20 s, more the longer it ran); one per snapshot's worth of
  // journal keeps them under twice the journal's writes when every write adds to the index (a
  // fraction of them when writes replace), with at most about twice the index on each copy.
  uint64_t segment_bytes = 64ull << 20;
  // Copies that must sync a group for it to be durable. 0: a majority of the configured copies
  // (copies / 2 + 1: 1 of 1, 2 of 2, 2 of 3, 3 of 4, 3 of 5).
  size_t required_copies = 0;
  // Where warnings (a copy dropped, a failed checkpoint) go. Default: stderr.
  std::function<void(const std::string&)> log;
};

struct JournalCounters {
  uint64_t records = 0;  // records appended (acknowledged)
  uint64_t groups = 0;   // group commits (one write + one sync per live copy each)
  uint64_t bytes = 0;    // frame bytes per copy
  uint64_t copies_live = 0;
  uint64_t copies_dropped = 0;  // copies that failed and were dropped for the process's life
  uint64_t checkpoints = 0;     // snapshots written
  uint64_t snapshot_bytes = 0;  // their bytes, per copy
  uint64_t checkpoint_failures = 0;
  uint64_t last_seq = 0;
};

// Applies a durable group to the index, in seq order: batches[i] has seq first_seq + i.
using JournalApplyFn = std::function<boost::system::error_code(
    uint64_t first_seq, std::span<const WriteBatch* const> batches)>;

// How a checkpoint reads the index: `cursor` returns a cursor over every key, consistent as of
// the moment it is called; `flush` makes every write applied so far durable in the index.
struct CheckpointSource {
  std::function<std::unique_ptr<Cursor>()> cursor;
  std::function<boost::system::error_code()> flush;
};

// Thread-safe. Appends are group-committed: concurrent Append calls queue; the first one (the
// leader) encodes the whole queue as one write, writes and fdatasyncs it on every live copy in
// parallel, then calls the apply function for the group, then wakes the others (LevelDB's
// BuildBatchGroup). A copy that fails is dropped for the rest of the process's life; once fewer
// than the required copies remain, every Append fails with kUnavailable.
class IndexJournal {
 public:
  // `copies[i]` may be null: a configured copy that could not be opened (counts as dropped).
  // next_seq: the seq of the first record appended (1 + everything already in the copies).
  static Result<std::unique_ptr<IndexJournal>> Open(std::vector<std::unique_ptr<JournalDir>> copies,
                                                    uint64_t next_seq, IndexJournalOptions options,
                                                    JournalApplyFn apply, CheckpointSource source);
  ~IndexJournal();  // waits for a running checkpoint
  IndexJournal(const IndexJournal&) = delete;
  IndexJournal& operator=(const IndexJournal&) = delete;

  // Makes the batch durable on the required copies and applies it (through the apply
  // function) before returning its seq. kUnavailable below the required copies; an apply error
  // is returned to the writers of that group and fails every later Append (the index no longer
  // matches the journal until a restart replays it).
  [[nodiscard]] Result<uint64_t> Append(const WriteBatch& batch);

  // Writes a snapshot of the index as of the last appended seq to every live copy, now, then
  // deletes what it covers. REQUIRES: no concurrent Append (used at open and by tests).
  [[nodiscard]] boost::system::error_code CheckpointNow();
  // Waits until no background checkpoint runs.
  void WaitForCheckpoint();

  JournalCounters Counters() const;
  std::vector<std::string> CopyPaths() const;

 private:
  struct Copy;
  struct Writer;
  class CopyWriter;
  IndexJournal(IndexJournalOptions options, JournalApplyFn apply, CheckpointSource source,
               uint64_t next_seq);
  void Log(const std::string& message) const;
  boost::system::error_code WriteGroup(uint64_t first_seq, const std::string& frames);
  void DropCopy(Copy& copy, const std::string& why, boost::system::error_code ec);
  size_t LiveCopies() const;
  // Closes the live segments; the next append starts new ones.
  void Roll();
  void WriteCheckpoint(uint64_t seq, std::unique_ptr<Cursor> cursor);
  void CheckpointLoop();

  const IndexJournalOptions options_;
  const JournalApplyFn apply_;
  const CheckpointSource source_;
  size_t required_ = 1;
  std::vector<std::unique_ptr<Copy>> copies_;  // fixed after Open
  // Threads that write and sync the other live copies of a group while the leader does the
  // first: started once at Open (a thread per group cost a clone and a stack per commit).
  // Leader only (one group at a time). Fewer than copies_.size() - 1 if threads ran out: the
  // remaining copies are then written by the leader in turn.
  std::vector<std::unique_ptr<CopyWriter>> copy_writers_;

  mutable std::mutex mu_;
  std::deque<Writer*> writers_;          // GUARDED_BY(mu_)
  uint64_t next_seq_;                    // GUARDED_BY(mu_)
  boost::system::error_code failed_;     // GUARDED_BY(mu_)
  uint64_t bytes_since_checkpoint_ = 0;  // leader only
  std::atomic<uint64_t> records_{0}, groups_{0}, bytes_{0}, dropped_{0}, checkpoints_{0},
      snapshot_bytes_{0}, checkpoint_failures_{0}, last_seq_{0};
  // Journal bytes after which the next checkpoint is due: segment_bytes or the newest
  // snapshot's size, whichever is larger (IndexJournalOptions::segment_bytes says why).
  std::atomic<uint64_t> checkpoint_due_bytes_{0};

  // Background checkpoints.
  std::mutex ck_mu_;
  std::condition_variable ck_cv_;
  bool ck_stop_ = false;               // GUARDED_BY(ck_mu_)
  bool ck_running_ = false;            // GUARDED_BY(ck_mu_): queued or being written
  uint64_t ck_seq_ = 0;                // GUARDED_BY(ck_mu_)
  std::unique_ptr<Cursor> ck_cursor_;  // GUARDED_BY(ck_mu_)
  std::thread ck_thread_;
};

// Name helpers (exposed for tests and the rebuild tool).
std::string JournalSegmentName(uint64_t first_seq);
std::string JournalSnapshotName(uint64_t seq);

}  // namespace strata::storage
