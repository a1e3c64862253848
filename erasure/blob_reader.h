// Internal to erasure/: the verifying, reconstructing reader behind ChunkStore::Open().
#pragma once

#include <memory>

#include "erasure/chunk_store.h"
#include "erasure/tier.h"

namespace strata::erasure {

// Told by readers about shards they found missing, unreadable or corrupt, so that the blob gets
// healed. Must be thread-safe and must not block for long (readers call it inline).
class DamageSink {
 public:
  virtual ~DamageSink() = default;
  virtual void ReportDamage(const BlobRef& ref, uint32_t shard_index) = 0;
};

// Opens (pins) every reachable shard of ref. kNotFound if no shard exists, kReadQuorumLost if
// fewer than k could be opened. Each damaged shard the reader finds is reported to sink (if not
// null) once. REQUIRES: tier and sink outlive the reader; ref validated against tier.
[[nodiscard]] Result<std::unique_ptr<BlobReader>> OpenBlobReader(const Tier& tier,
                                                                 const BlobRef& ref,
                                                                 DamageSink* sink = nullptr);

}  // namespace strata::erasure
