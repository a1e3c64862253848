// Internal to erasure/: the streaming erasure encoder behind ChunkStore::Create().
#pragma once

#include <memory>
#include <string>

#include "erasure/chunk_store.h"
#include "erasure/tier.h"

namespace strata::erasure {

// Creates the k+m shard files of a new blob on erasure set `set` of `tier` and writes their
// headers. Drives that fail are dropped; kWriteQuorumLost if fewer than the write quorum remain.
// REQUIRES: tier outlives the writer; blob_id valid; set < tier.num_sets(); label and tier name
// within the shard-format bounds.
[[nodiscard]] Result<std::unique_ptr<BlobWriter>> StartBlobWriter(const Tier& tier, uint32_t set,
                                                                  std::string blob_id,
                                                                  const std::string& label);

}  // namespace strata::erasure
