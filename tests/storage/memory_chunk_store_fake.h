// An in-memory erasure::ChunkStore for storage tests: blobs are strings, written only on
// Commit. Like the real store's readers (which open every shard file at Open), a reader pins
// the bytes it opened: Delete removes the blob from the store (Open fails from then on) but an
// open reader keeps reading it. Counts live blobs and open writers so tests can check for leaks,
// and fails chosen calls on request. Thread-safe.
#pragma once

#include <atomic>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "erasure/chunk_store.h"

namespace strata::storage::testing {

class MemoryChunkStore final : public erasure::ChunkStore {
 public:
  explicit MemoryChunkStore(std::set<std::string> tiers = {"nvme", "hdd"})
      : tiers_(std::move(tiers)) {}

  erasure::Result<std::unique_ptr<erasure::BlobWriter>> Create(
      const erasure::Placement& placement) override;
  erasure::Result<std::unique_ptr<erasure::BlobReader>> Open(const erasure::BlobRef& ref) override;
  boost::system::error_code Delete(const erasure::BlobRef& ref) override;
  bool HasTier(std::string_view tier) const override { return tiers_.count(std::string(tier)); }

  // Committed blobs not yet deleted.
  size_t blob_count() const;
  // Writers created and neither committed nor destroyed.
  size_t open_writers() const { return open_writers_.load(); }
  // The placements of every Create call, in order.
  std::vector<erasure::Placement> placements() const;
  // Total bytes ever appended (to see that a body was or was not streamed).
  uint64_t bytes_appended() const { return bytes_appended_.load(); }

  // Fault injection: the n-th (0-based) call from now of Append / Commit fails with
  // kWriteQuorumLost. -1: never.
  void FailAppendAt(int n) { fail_append_at_ = n; }
  void FailCommitAt(int n) { fail_commit_at_ = n; }

  // Used by the writer.
  bool ShouldFailAppend() { return fail_append_at_.fetch_sub(1) == 0; }
  bool ShouldFailCommit() { return fail_commit_at_.fetch_sub(1) == 0; }
  void WriterClosed() { --open_writers_; }
  void AddAppended(uint64_t n) { bytes_appended_ += n; }
  erasure::BlobRef Store(const std::string& tier, std::string data);
  // nullptr if the blob is gone.
  std::shared_ptr<const std::string> Pin(const std::string& blob_id) const;

 private:
  const std::set<std::string> tiers_;
  mutable std::mutex mu_;
  std::map<std::string, std::shared_ptr<const std::string>> blobs_;  // GUARDED_BY(mu_)
  std::vector<erasure::Placement> placements_;                       // GUARDED_BY(mu_)
  uint64_t next_id_ = 0;                                             // GUARDED_BY(mu_)
  std::atomic<size_t> open_writers_{0};
  std::atomic<uint64_t> bytes_appended_{0};
  std::atomic<int> fail_append_at_{-1};
  std::atomic<int> fail_commit_at_{-1};
};

}  // namespace strata::storage::testing
