// The caller that finds no sync running becomes the leader: it takes every waiter queued so far
// (each queued after its own rename returned), runs one fsync for all of them, and hands them its
// result. Callers arriving during that fsync queue for the next one: their renames may have come
// after the fsync began, so it may not cover them. No timer and no delay: batches form only
// from commits that would otherwise be waiting anyway.
#include "erasure/dir_sync_group.h"

namespace strata::erasure {

DirSyncGroup::Dir& DirSyncGroup::DirFor(const std::string& dir) {
  std::lock_guard<std::mutex> lock(mu_);
  auto& slot = dirs_[dir];
  if (!slot) slot = std::make_unique<Dir>();
  return *slot;
}

boost::system::error_code DirSyncGroup::Sync(const std::string& dir) {
  Dir& d = DirFor(dir);
  Waiter self;
  std::unique_lock<std::mutex> lock(d.mu);
  d.pending.push_back(&self);
  while (!self.done) {
    if (d.syncing) {
      d.cv.wait(lock);
      continue;
    }
    d.syncing = true;
    std::vector<Waiter*> batch;
    batch.swap(d.pending);
    lock.unlock();
    const boost::system::error_code ec = sync_(dir);
    lock.lock();
    for (Waiter* w : batch) {
      w->ec = ec;
      w->done = true;
    }
    d.syncing = false;
    d.cv.notify_all();
  }
  return self.ec;
}

size_t DirSyncGroup::Waiting(const std::string& dir) {
  Dir& d = DirFor(dir);
  std::lock_guard<std::mutex> lock(d.mu);
  return d.pending.size();
}

}  // namespace strata::erasure
