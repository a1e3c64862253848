// TombstoneCompactor: compacts the key ranges that bulk deletes emptied, in the background, so
// that scans stop paying for the deletes' tombstones.
//
// Why: LevelDB keeps a tombstone per deleted key until a compaction at the key's base level
// drops it, and its iterator skips every tombstone between two live keys (LevelDB 1.23 has no
// iterate upper bound). A listing page whose prefix ends just before a bulk-deleted run of keys
// must step past its last key to learn whether it is truncated, and so walks the whole run:
// measured, 40,000 deleted 4 KiB objects took a small-prefix LIST from 1,838 to 90 pages/s.
// With a 32 MiB memtable those tombstones can sit in the memtable and L0 for a long time.
//
// What: the store reports each applied batch (NoteDeletes). Deletes are counted per region (see
// RegionOf: a bucket's object records, its version records, ...) with the smallest and largest
// deleted key. A region that reaches `threshold` deletes is due; once no delete has reached it
// for `delay` (a bulk delete arrives as many requests; one compaction after the burst, not one
// per 4096 keys during it), or at the latest 10 x `delay` after it became due, ONE background
// thread compacts [smallest, largest] through the target. Deletes that arrive meanwhile start a
// new range for their region; the tail of a burst (the deletes during that compaction or within
// 10 x `delay` after it) is compacted too, once quiet, whatever its count: otherwise up to
// threshold - 1 tombstones of every bulk delete would stay. A scan that starts in a region
// whose range is due with at least `threshold` deletes (NoteScan) does not wait for the quiet: a
// reader is paying for those tombstones now (a listing next to 50,000 fresh ones took 23 ms a
// page instead of 1.5), and the wait only saves compactions while nobody reads. Smaller tails
// stay lazy: a reader walks fewer than `threshold` of their tombstones. A range whose on-disk
// size exceeds its budget (kCompactionBytesPerDelete per delete, at least
// kMinCompactionBudgetBytes) is skipped: its deletes are scattered among many live keys, which
// also means no listing meets a long run of them, and compacting it would rewrite live data out
// of proportion to what it frees.
//
// The compactor itself does not include LevelDB: the target's two functions do the work
// (leveldb_metadata_store.cc passes DB::GetApproximateSizes and DB::CompactRange).
//
// Thread-safe. NoteDeletes may be called concurrently with everything; the target's functions
// are called on the compactor's thread only, one at a time, never after the destructor returns.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>

#include "storage/metadata_store.h"

namespace strata::storage {

class TombstoneCompactor {
 public:
  // Rewriting up to this many bytes of the range per delete in it is worth it (see above).
  static constexpr uint64_t kCompactionBytesPerDelete = 16 << 10;
  static constexpr uint64_t kMinCompactionBudgetBytes = 64 << 20;

  struct Options {
    size_t threshold = 4096;  // deletes in one region that make it due; > 0
    std::chrono::milliseconds delay{500};
    // Regions tracked at once; a new one beyond it evicts the one with the fewest deletes that
    // is not due (its tombstones are then left to LevelDB's own compactions).
    size_t max_regions = 1024;
  };

  struct Target {
    // Approximate bytes that the keys in [begin, end] take on disk.
    std::function<uint64_t(std::string_view begin, std::string_view end)> approximate_bytes;
    // Compacts [begin, end] (both inclusive) so that the tombstones in it are dropped.
    std::function<void(std::string_view begin, std::string_view end)> compact;
  };

  struct Stats {
    uint64_t started = 0;    // due ranges taken (a range is in progress while started > the sum)
    uint64_t compacted = 0;  // ranges compacted (the target's compact returned)
    uint64_t skipped = 0;    // due ranges skipped because they exceeded their budget
  };

  // Starts the background thread (at nice kBackgroundNice, see Run in the .cc for why not
  // SCHED_IDLE).
  TombstoneCompactor(Options options, Target target);
  // Stops the thread: a compaction in progress finishes (the destructor waits for it; it cannot
  // be interrupted), due and counted ranges are dropped (LevelDB compacts them eventually).
  ~TombstoneCompactor();
  TombstoneCompactor(const TombstoneCompactor&) = delete;
  TombstoneCompactor& operator=(const TombstoneCompactor&) = delete;

  // Counts the deletes of a batch that was applied. Cheap: nothing for a batch without deletes;
  // otherwise one lock and, per delete, a region lookup (cached across consecutive deletes of
  // the same region) and a string copy only when the key extends the region's range.
  void NoteDeletes(const WriteBatch& batch);

  // A scan starts at `key`. If the key's region has reached the threshold (a due range that is
  // not a tail) and `key` is not past the range (the scan may meet its tombstones), that range
  // is compacted now instead of once its deletes are quiet. Cheap when nothing is due (one
  // atomic load); otherwise one lock and a region lookup.
  void NoteScan(std::string_view key);

  Stats stats() const;

  // The region of a key: the key up to and including its first NUL byte if that is within the
  // first 66 bytes ("o/<bucket>\0", "v/<bucket>\0", "u/<bucket>\0": "x/", a bucket name of at
  // most 63 bytes and the NUL; also "p/<upload id>\0"), else its first 2 bytes (the namespace,
  // "b/", "i/", ...). A scan runs within one bucket's records, so a region bounds the ranges
  // whose tombstones one listing can meet, and a bulk delete in one bucket never compacts
  // another bucket's keys.
  static std::string_view RegionOf(std::string_view key);

 private:
  using Clock = std::chrono::steady_clock;
  struct Region {
    size_t count = 0;  // deletes in [min_key, max_key]
    std::string min_key;
    std::string max_key;
    bool due = false;
    bool scanned = false;  // a scan entered the region while its full range was due
    Clock::time_point last_delete;
    Clock::time_point due_since;
    // A range started before this is a follow-up of a compaction (max while one runs): due at
    // its first delete.
    Clock::time_point follow_up_until;
  };
  using Regions = std::map<std::string, Region, std::less<>>;

  // REQUIRES: mu_ held. The region named `name`, added if new; nullptr if the table is full of
  // due regions. May evict another region.
  Region* FindOrAdd(std::string_view name);
  // REQUIRES: mu_ held, region not due.
  void MarkDue(Region& region, Clock::time_point now);
  void Run();

  const Options options_;
  const Target target_;
  mutable std::mutex mu_;
  std::condition_variable wake_;
  Regions regions_;
  bool stop_ = false;
  // Regions with due = true (written under mu_; read without it by NoteScan's fast path, where a
  // stale value only delays or spends one lookup).
  std::atomic<size_t> due_regions_{0};
  Stats stats_;
  std::thread thread_;  // last: starts after everything it uses exists
};

}  // namespace strata::storage
