// Deferred deletion of blobs that readers still use. An ObjectReader is pinned to the version it
// opened, but erasure::BlobReader reads shards by name on every call, so an overwritten blob
// must outlive its last reader: overwrite and delete "retire" the old blob, and it is deleted
// when the last lease on it is released (at once if there is none). A crash in between leaves
// an unreferenced blob, which the scrubber removes later. Internal to storage/. Thread-safe.
#pragma once

#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>

#include "erasure/chunk_store.h"

namespace strata::storage {

class BlobLeases : public std::enable_shared_from_this<BlobLeases> {
 public:
  // `chunks` must outlive this object and every lease.
  explicit BlobLeases(erasure::ChunkStore& chunks) : chunks_(chunks) {}

  // Keeps the blob alive until the returned lease is destroyed.
  class Lease {
   public:
    Lease(std::shared_ptr<BlobLeases> owner, erasure::BlobRef ref)
        : owner_(std::move(owner)), ref_(std::move(ref)) {}
    ~Lease() {
      if (owner_) owner_->Release(ref_);
    }
    Lease(Lease&& other) noexcept = default;
    Lease& operator=(Lease&&) = delete;
    Lease(const Lease&) = delete;
    Lease& operator=(const Lease&) = delete;

   private:
    std::shared_ptr<BlobLeases> owner_;
    erasure::BlobRef ref_;
  };

  // REQUIRES: the blob is still referenced by the index (call under the key's lock).
  Lease Acquire(const erasure::BlobRef& ref);
  // The index no longer references the blob: delete it now or when its last lease ends.
  void Retire(const erasure::BlobRef& ref);

  // Leases currently held (for tests and metrics).
  size_t active() const;

 private:
  struct Entry {
    size_t readers = 0;
    bool retired = false;
    erasure::BlobRef ref;
  };

  void Release(const erasure::BlobRef& ref);
  void DeleteBlob(const erasure::BlobRef& ref);

  erasure::ChunkStore& chunks_;
  mutable std::mutex mu_;
  std::unordered_map<std::string, Entry> entries_;  // GUARDED_BY(mu_), by blob_id
};

}  // namespace strata::storage
