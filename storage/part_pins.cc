// Reader counts per multipart object. Deletion happens outside the mutex: it does drive I/O.
#include "storage/part_pins.h"

namespace strata::storage {

PartPins::Pin PartPins::Acquire(const std::string& object_id) {
  {
    std::lock_guard lock(mu_);
    ++entries_[object_id].readers;
  }
  return Pin(shared_from_this(), object_id);
}

void PartPins::Retire(const std::string& object_id, std::vector<erasure::BlobRef> blobs) {
  {
    std::lock_guard lock(mu_);
    auto it = entries_.find(object_id);
    if (it != entries_.end()) {
      for (auto& b : blobs) it->second.retired.push_back(std::move(b));
      return;
    }
  }
  DeleteBlobs(blobs);
}

void PartPins::Release(const std::string& object_id) {
  std::vector<erasure::BlobRef> doomed;
  {
    std::lock_guard lock(mu_);
    auto it = entries_.find(object_id);
    if (it == entries_.end()) return;
    if (--it->second.readers > 0) return;
    doomed = std::move(it->second.retired);
    entries_.erase(it);
  }
  DeleteBlobs(doomed);
}

size_t PartPins::active() const {
  std::lock_guard lock(mu_);
  size_t n = 0;
  for (const auto& [id, e] : entries_) n += e.readers;
  return n;
}

void PartPins::DeleteBlobs(const std::vector<erasure::BlobRef>& blobs) {
  // A failed delete leaves an unreferenced blob: garbage for the scrubber, never a wrong read.
  for (const auto& b : blobs) (void)chunks_.Delete(b);
}

}  // namespace strata::storage
