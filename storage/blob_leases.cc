// Reader counts per blob id. Deletion happens outside the mutex: it does drive I/O.
#include "storage/blob_leases.h"

namespace strata::storage {

BlobLeases::Lease BlobLeases::Acquire(const erasure::BlobRef& ref) {
  {
    std::lock_guard lock(mu_);
    Entry& e = entries_[ref.blob_id];
    ++e.readers;
    e.ref = ref;
  }
  return Lease(shared_from_this(), ref);
}

void BlobLeases::Retire(const erasure::BlobRef& ref) {
  {
    std::lock_guard lock(mu_);
    auto it = entries_.find(ref.blob_id);
    if (it != entries_.end()) {
      it->second.retired = true;
      return;
    }
  }
  DeleteBlob(ref);
}

void BlobLeases::Release(const erasure::BlobRef& ref) {
  {
    std::lock_guard lock(mu_);
    auto it = entries_.find(ref.blob_id);
    if (it == entries_.end()) return;
    if (--it->second.readers > 0) return;
    bool retired = it->second.retired;
    entries_.erase(it);
    if (!retired) return;
  }
  DeleteBlob(ref);
}

size_t BlobLeases::active() const {
  std::lock_guard lock(mu_);
  size_t n = 0;
  for (const auto& [id, e] : entries_) n += e.readers;
  return n;
}

void BlobLeases::DeleteBlob(const erasure::BlobRef& ref) {
  // A failed delete leaves an unreferenced blob: garbage for the scrubber, never a wrong read.
  (void)chunks_.Delete(ref);
}

}  // namespace strata::storage
