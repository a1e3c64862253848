// Feeds a body's hashers (MD5 for the ETag, and the S3 checksum if one was asked for) on a
// shared hashing thread, one piece at a time, so that hashing a piece overlaps the caller
// reading the next piece from the socket and encoding and writing the previous one. A single
// 64 MiB PUT otherwise runs at the speed of MD5 plus everything else on one thread (MD5 is
// ~2/3 of that thread's time and cannot itself be split: each block depends on the last).
//
// Small bodies never leave the caller's thread: the first kInlineBytes of a body are hashed
// inline (a hand-off costs a thread wake-up, more than hashing a small object), and so is any
// piece shorter than kMinPipelinedPiece.
//
// Not thread-safe (one body, one caller); the hashing thread is internal.
#pragma once

#include <condition_variable>
#include <cstddef>
#include <deque>
#include <mutex>
#include <span>
#include <vector>

#include "storage/checksum.h"

namespace strata::storage {

class PipelinedHasher {
 public:
  static constexpr size_t kInlineBytes = 1 << 20;
  static constexpr size_t kMinPipelinedPiece = 64 * 1024;
  // Pieces handed off and not yet hashed, at most, each a copy of the caller's piece (~256 KiB
  // from the socket). More than one lets the caller run ahead while the hashing thread is
  // briefly descheduled (two cores, several threads per upload): with one, every such pause
  // stalled the caller too (with three stripe buffers in the blob writer: 64 MiB PUT at one
  // stream +10 %).
  static constexpr size_t kMaxPiecesInFlight = 3;

  // `hashers` (not owned, non-null) are updated in order with every piece; they must outlive
  // this object.
  explicit PipelinedHasher(std::vector<Hasher*> hashers);
  // Waits for a piece still being hashed (its job refers to this object).
  ~PipelinedHasher();
  PipelinedHasher(const PipelinedHasher&) = delete;
  PipelinedHasher& operator=(const PipelinedHasher&) = delete;

  // Hashes `data` after every earlier piece. Returns once the bytes are no longer needed: the
  // caller may overwrite `data` at once (a piece hashed off-thread is copied first).
  void Update(std::span<const std::byte> data);

  // Waits until every piece given to Update has been hashed; then the hashers may be finished.
  void Drain();

 private:
  void HashQueued();  // the hashing job: hashes queued pieces in order until none is left

  std::vector<Hasher*> hashers_;
  size_t hashed_inline_ = 0;
  std::mutex mu_;
  std::condition_variable progress_;
  // Pieces handed off, oldest first; the job reads the front one outside the lock, so it stays
  // in the queue (and counts toward kMaxPiecesInFlight) until hashed.
  std::deque<std::vector<std::byte>> queued_;  // GUARDED_BY(mu_)
  std::vector<std::vector<std::byte>> spare_;  // GUARDED_BY(mu_): hashed, for reuse
  bool job_running_ = false;                   // GUARDED_BY(mu_)
};

}  // namespace strata::storage
