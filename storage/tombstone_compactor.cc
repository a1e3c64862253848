#include "storage/tombstone_compactor.h"

#include <algorithm>
#include <cstring>
#include <utility>

#include "erasure/background_priority.h"
#include "erasure/thread_name.h"

namespace strata::storage {
namespace {

// "x/" + a bucket name (at most 63 bytes) + NUL.
constexpr size_t kMaxRegionBytes = 2 + 63 + 1;
constexpr size_t kNamespaceBytes = 2;
constexpr int kMaxWaitDelays = 10;

}  // namespace

std::string_view TombstoneCompactor::RegionOf(std::string_view key) {
  const size_t scanned = std::min(key.size(), kMaxRegionBytes);
  const void* nul = std::memchr(key.data(), '\0', scanned);
  if (nul != nullptr) return key.substr(0, static_cast<const char*>(nul) - key.data() + 1);
  return key.substr(0, std::min(key.size(), kNamespaceBytes));
}

TombstoneCompactor::TombstoneCompactor(Options options, Target target)
    : options_(options), target_(std::move(target)), thread_([this] {
        erasure::NameThisThread("compactor");
        Run();
      }) {}

TombstoneCompactor::~TombstoneCompactor() {
  {
    std::lock_guard lock(mu_);
    stop_ = true;
  }
  wake_.notify_all();
  thread_.join();
}

TombstoneCompactor::Region* TombstoneCompactor::FindOrAdd(std::string_view name) {
  auto it = regions_.find(name);
  if (it != regions_.end()) return &it->second;
  if (regions_.size() >= options_.max_regions) {
    // A linear pass, only when a new region meets a full table (rare: one region per bucket
    // namespace, or per multipart upload that lost parts).
    auto victim = regions_.end();
    for (auto r = regions_.begin(); r != regions_.end(); ++r) {
      if (r->second.due) continue;
      if (victim == regions_.end() || r->second.count < victim->second.count) victim = r;
    }
    if (victim == regions_.end()) return nullptr;
    regions_.erase(victim);
  }
  return &regions_.emplace(std::string(name), Region{}).first->second;
}

void TombstoneCompactor::NoteDeletes(const WriteBatch& batch) {
  std::unique_lock lock(mu_, std::defer_lock);
  Clock::time_point now;
  Region* region = nullptr;
  std::string_view region_name;  // views a key of `batch`
  bool became_due = false;
  for (const auto& op : batch.ops()) {
    if (!op.is_delete) continue;
    if (!lock.owns_lock()) {
      lock.lock();
      now = Clock::now();
    }
    const std::string_view key = op.key;
    const std::string_view name = RegionOf(key);
    if (region == nullptr || name != region_name) {
      region = FindOrAdd(name);
      region_name = name;
      if (region == nullptr) continue;
    }
    if (region->count == 0) {
      region->min_key.assign(key);
      region->max_key.assign(key);
      if (now < region->follow_up_until) {
        MarkDue(*region, now);
        became_due = true;
      }
    } else if (key < std::string_view(region->min_key)) {
      region->min_key.assign(key);
    } else if (key > std::string_view(region->max_key)) {
      region->max_key.assign(key);
    }
    region->last_delete = now;
    if (++region->count >= options_.threshold && !region->due) {
      MarkDue(*region, now);
      became_due = true;
    }
  }
  if (!lock.owns_lock()) return;
  lock.unlock();
  if (became_due) wake_.notify_one();
}

void TombstoneCompactor::MarkDue(Region& region, Clock::time_point now) {
  region.due = true;
  region.due_since = now;
  due_regions_.fetch_add(1, std::memory_order_relaxed);
}

void TombstoneCompactor::NoteScan(std::string_view key) {
  if (due_regions_.load(std::memory_order_relaxed) == 0) return;
  {
    std::lock_guard lock(mu_);
    auto it = regions_.find(RegionOf(key));
    if (it == regions_.end()) return;
    Region& region = it->second;
    // A scan that starts past the range never meets its tombstones (cursors move forward).
    if (!region.due || region.scanned || region.count < options_.threshold ||
        key > std::string_view(region.max_key)) {
      return;
    }
    region.scanned = true;
  }
  wake_.notify_one();
}

TombstoneCompactor::Stats TombstoneCompactor::stats() const {
  std::lock_guard lock(mu_);
  return stats_;
}

void TombstoneCompactor::Run() {
  // This thread mostly waits: DB::CompactRange flushes the memtable and runs the compaction on
  // LevelDB's own background thread (shared by every DB in the process, and the one that
  // flushes memtables foreground writers wait for, so it is not ours to lower). The little it
  // does itself it does inside LevelDB: it queues as a writer (the memtable switch goes through
  // the write queue) and takes the DB mutex. Under SCHED_IDLE, preempted there by a busy
  // foreground, it would hold up every write queued behind it (Linux mutexes do not lend
  // priority; the same reason the lifecycle worker is not lowered), so only a raised nice and a
  // low best-effort I/O level (for the new log file it creates). Refusals change nothing else.
  (void)erasure::RaiseThreadNice(erasure::kBackgroundNice);
  (void)erasure::SetThreadBestEffortIo(erasure::kBackgroundIoLevel);

  std::unique_lock lock(mu_);
  while (!stop_) {
    const Clock::time_point now = Clock::now();
    Clock::time_point next = Clock::time_point::max();
    auto chosen = regions_.end();
    for (auto it = regions_.begin(); it != regions_.end(); ++it) {
      const Region& r = it->second;
      if (!r.due) continue;
      const Clock::time_point ready = r.scanned
                                          ? now
                                          : std::min(r.last_delete + options_.delay,
                                                     r.due_since + kMaxWaitDelays * options_.delay);
      if (ready <= now) {
        chosen = it;
        break;
      }
      next = std::min(next, ready);
    }
    if (chosen == regions_.end()) {
      if (next == Clock::time_point::max()) {
        wake_.wait(lock);
      } else {
        wake_.wait_until(lock, next);
      }
      continue;
    }
    const std::string name = chosen->first;
    Region& taken = chosen->second;
    const uint64_t deletes = taken.count;
    // Only a full range has a tail worth chasing; a follow-up has none (a trickle of deletes
    // must not compact every few seconds).
    const bool full = deletes >= options_.threshold;
    const std::string begin = std::move(taken.min_key);
    const std::string end = std::move(taken.max_key);
    // The region's next delete starts a new range (a follow-up of a full one).
    taken.count = 0;
    taken.due = false;
    taken.scanned = false;
    due_regions_.fetch_sub(1, std::memory_order_relaxed);
    taken.follow_up_until = full ? Clock::time_point::max() : Clock::time_point();
    ++stats_.started;
    lock.unlock();
    // Outside the lock: writers keep counting while LevelDB works.
    const uint64_t budget =
        std::max(kMinCompactionBudgetBytes, deletes * kCompactionBytesPerDelete);
    const bool worth_it = target_.approximate_bytes(begin, end) <= budget;
    if (worth_it) target_.compact(begin, end);
    lock.lock();
    ++(worth_it ? stats_.compacted : stats_.skipped);
    // (Evicted meanwhile: it lost its follow-up, nothing else.)
    if (auto it = regions_.find(name); it != regions_.end()) {
      it->second.follow_up_until =
          full && worth_it ? Clock::now() + kMaxWaitDelays * options_.delay : Clock::time_point();
    }
  }
}

}  // namespace strata::storage
