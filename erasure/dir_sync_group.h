// Internal to erasure/: group commit for directory fsyncs. Concurrent shard commits that renamed
// a file into the same directory share one fsync of it: an fsync of a directory makes durable
// every entry change made before it started, so a caller that arrives while a sync runs waits
// for it and then joins the next one, together with everyone else who arrived meanwhile (the
// shape of LevelDB's write group, leveldb: db/db_impl.cc BuildBatchGroup).
// Thread-safe.
#pragma once

#include <condition_variable>
#include <cstddef>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>
#include <vector>

#include "erasure/errors.h"

namespace strata::erasure {

class DirSyncGroup {
 public:
  // `sync` fsyncs one directory (the seam: tests count and fail calls).
  using SyncFn = std::function<boost::system::error_code(const std::string& dir)>;
  explicit DirSyncGroup(SyncFn sync) : sync_(std::move(sync)) {}
  DirSyncGroup(const DirSyncGroup&) = delete;
  DirSyncGroup& operator=(const DirSyncGroup&) = delete;

  // Returns once an fsync of `dir` that started after this call began has finished, with that
  // fsync's result: every entry of `dir` created, renamed or removed before the call is then
  // durable (or the call fails). A failed fsync fails every caller it covered. Blocks.
  [[nodiscard]] boost::system::error_code Sync(const std::string& dir);

  // Callers of Sync(dir) waiting for the next fsync of dir (not the one running). For tests.
  size_t Waiting(const std::string& dir);

 private:
  struct Waiter {
    bool done = false;
    boost::system::error_code ec;
  };
  struct Dir {
    std::mutex mu;
    std::condition_variable cv;
    bool syncing = false;          // GUARDED_BY(mu): a caller is in sync_ for this dir
    std::vector<Waiter*> pending;  // GUARDED_BY(mu): arrived since that sync started
  };
  Dir& DirFor(const std::string& dir);

  const SyncFn sync_;
  std::mutex mu_;
  // One entry per directory ever synced: a drive has at most 36 * 36 prefix folders, so this
  // stays small; entries are never removed (a Dir may have waiters).
  std::unordered_map<std::string, std::unique_ptr<Dir>> dirs_;  // GUARDED_BY(mu_)
};

}  // namespace strata::erasure
