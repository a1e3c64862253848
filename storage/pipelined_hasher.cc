#include "storage/pipelined_hasher.h"

#include <algorithm>
#include <thread>

#include "erasure/job_queue.h"

namespace strata::storage {
namespace {

// Hashing only computes (no I/O, no locks a request holds), so one thread per core is enough,
// and a queue of its own keeps a hash from waiting behind the erasure pool's shard writes and
// fdatasyncs. Started while the process loads, for the reason given in erasure/background.cc
// (threads inherit their creator's priority; a lowered thread must not start them).
erasure::JobQueue& HashingThreads() {
  static auto* queue =
      new erasure::JobQueue("hash", std::max(2u, std::thread::hardware_concurrency()));
  return *queue;  // leaked on purpose: detached threads wait on it until the process exits
}
[[maybe_unused]] const erasure::JobQueue& started_at_load = HashingThreads();

}  // namespace

PipelinedHasher::PipelinedHasher(std::vector<Hasher*> hashers) : hashers_(std::move(hashers)) {}

PipelinedHasher::~PipelinedHasher() { Drain(); }

void PipelinedHasher::Update(std::span<const std::byte> data) {
  if (data.empty()) return;
  if (hashed_inline_ < kInlineBytes || data.size() < kMinPipelinedPiece) {
    Drain();  // pieces are hashed in order
    for (Hasher* hasher : hashers_) hasher->Update(data);
    hashed_inline_ += data.size();
    return;
  }
  // The previous piece was hashed while the caller read this one; wait for it, then hand this
  // one off and return, so it is hashed while the caller stores it and reads the next.
  Drain();
  pending_.assign(data.begin(), data.end());
  {
    std::lock_guard<std::mutex> lock(mu_);
    busy_ = true;
  }
  HashingThreads().Post([this] { HashPending(); });
}

void PipelinedHasher::HashPending() {
  for (Hasher* hasher : hashers_) hasher->Update(pending_);
  std::lock_guard<std::mutex> lock(mu_);
  busy_ = false;
  // Under the lock: the waiter may destroy this object as soon as it sees busy_ false.
  done_.notify_one();
}

void PipelinedHasher::Drain() {
  std::unique_lock<std::mutex> lock(mu_);
  done_.wait(lock, [this] { return !busy_; });
}

}  // namespace strata::storage
