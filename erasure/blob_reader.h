// Internal to erasure/: the verifying, reconstructing reader behind ChunkStore::Open().
#pragma once

#include <memory>

#include "erasure/chunk_store.h"
#include "erasure/tier.h"

namespace strata::erasure {

// Opens (pins) every reachable shard of ref. kNotFound if no shard exists, kReadQuorumLost if
// fewer than k could be opened. REQUIRES: tier outlives the reader; ref validated against tier.
[[nodiscard]] Result<std::unique_ptr<BlobReader>> OpenBlobReader(const Tier& tier,
                                                                 const BlobRef& ref);

}  // namespace strata::erasure
