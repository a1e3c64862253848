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
  // Earlier pieces are hashed while the caller reads this one; hand this one off too (once
  // fewer than kMaxPiecesInFlight wait) and return, so it is hashed while the caller stores it
  // and reads the next.
  std::vector<std::byte> piece;
  {
    std::unique_lock<std::mutex> lock(mu_);
    progress_.wait(lock, [this] { return queued_.size() < kMaxPiecesInFlight; });
    if (!spare_.empty()) {
      piece = std::move(spare_.back());
      spare_.pop_back();
    }
  }
  piece.assign(data.begin(), data.end());  // outside the lock: the job may finish a piece
  bool start = false;
  {
    std::lock_guard<std::mutex> lock(mu_);
    queued_.push_back(std::move(piece));
    if (!job_running_) job_running_ = start = true;
  }
  if (start) HashingThreads().Post([this] { HashQueued(); });
}

void PipelinedHasher::HashQueued() {
  std::unique_lock<std::mutex> lock(mu_);
  while (!queued_.empty()) {
    // Only this job removes pieces, and the caller only appends: the front stays put.
    const std::vector<std::byte>& piece = queued_.front();
    lock.unlock();
    for (Hasher* hasher : hashers_) hasher->Update(piece);
    lock.lock();
    spare_.push_back(std::move(queued_.front()));
    queued_.pop_front();
    progress_.notify_all();
  }
  job_running_ = false;
  // Under the lock: the waiter may destroy this object as soon as it sees the job ended.
  progress_.notify_all();
}

void PipelinedHasher::Drain() {
  std::unique_lock<std::mutex> lock(mu_);
  progress_.wait(lock, [this] { return !job_running_; });
}

}  // namespace strata::storage
