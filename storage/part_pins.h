// Deferred deletion of a multipart object's part blobs while readers use them.
//
// A single-blob object needs no help: erasure::BlobReader pins its shard files at Open, so Get
// opens the blob under the key lock and an overwrite may delete it at once. A multipart object
// may have 10000 parts of k+m shards each; opening them all at Get would cost that many file
// descriptors, so its reader opens parts lazily. Until it has, the parts must not be deleted:
// Get pins the object (by the upload id it was completed from, unique per object), and an
// overwrite or delete "retires" the object's part blobs, which are deleted when the last pin
// is released (at once if there is none). A crash in between leaves unreferenced blobs for the
// scrubber. Internal to storage/. Thread-safe.
#pragma once

#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>
#include <vector>

#include "erasure/chunk_store.h"

namespace strata::storage {

class PartPins : public std::enable_shared_from_this<PartPins> {
 public:
  // `chunks` must outlive this object and every pin.
  explicit PartPins(erasure::ChunkStore& chunks) : chunks_(chunks) {}

  // Keeps the object's part blobs alive until destroyed. Movable.
  class Pin {
   public:
    Pin() = default;
    Pin(std::shared_ptr<PartPins> owner, std::string object_id)
        : owner_(std::move(owner)), object_id_(std::move(object_id)) {}
    ~Pin() {
      if (owner_) owner_->Release(object_id_);
    }
    Pin(Pin&& other) noexcept = default;
    Pin& operator=(Pin&&) = delete;
    Pin(const Pin&) = delete;
    Pin& operator=(const Pin&) = delete;

   private:
    std::shared_ptr<PartPins> owner_;
    std::string object_id_;
  };

  // REQUIRES: the object is still the current one (call under its key's lock).
  Pin Acquire(const std::string& object_id);
  // The index no longer references the object: delete its blobs now, or when its last pin ends.
  void Retire(const std::string& object_id, std::vector<erasure::BlobRef> blobs);

  // Pins currently held (for tests and metrics).
  size_t active() const;

 private:
  struct Entry {
    size_t readers = 0;
    std::vector<erasure::BlobRef> retired;  // deleted when readers drops to 0
  };

  void Release(const std::string& object_id);
  void DeleteBlobs(const std::vector<erasure::BlobRef>& blobs);

  erasure::ChunkStore& chunks_;
  mutable std::mutex mu_;
  std::unordered_map<std::string, Entry> entries_;  // GUARDED_BY(mu_), by object id
};

}  // namespace strata::storage
