// Internal to erasure/: verification and repair of one blob's shards, used by
// ChunkStore::HealBlob, the background healer and the scrubber.
#pragma once

#include <string>
#include <vector>

#include "erasure/chunk_store.h"
#include "erasure/throttle.h"
#include "erasure/tier.h"

namespace strata::erasure {

struct HealOptions {
  bool dry_run = false;          // verify and report; rewrite nothing
  Throttle* throttle = nullptr;  // paces reads and writes; null: unthrottled
  std::string* label = nullptr;  // out: the label from a good shard header, if non-null
};

// Verifies every block of every shard of ref (all of them: pass 1), and if any shard is
// missing or corrupt rebuilds exactly those from the good blocks, stripe by stripe (pass 2),
// writing each to a temp file that is fsync'ed and renamed over the old one only when complete.
// Good shards are never written. Stripes are re-verified in pass 2, so a shard that goes bad
// meanwhile aborts the heal (kReadQuorumLost) without replacing anything.
// kNotFound if no shard file exists; kReadQuorumLost if a stripe has fewer than k good blocks;
// operation_canceled if the throttle was stopped. REQUIRES: ref validated against tier; the
// caller holds the blob's lock (no concurrent Delete).
[[nodiscard]] Result<HealReport> HealShards(const Tier& tier, const BlobRef& ref,
                                            const HealOptions& options);

// Reconstructs a blob's reference from its shard files alone (for the scrubber): the header of
// a shard that names this blob, tier and scheme gives block size and label, and the footer of
// a shard whose length agrees with it gives the size. kCorrupt if no shard is readable enough.
[[nodiscard]] Result<BlobRef> DescribeBlob(const Tier& tier, uint32_t set,
                                           const std::string& blob_id,
                                           const std::vector<uint32_t>& shard_indexes,
                                           std::string* label, uint64_t* bytes_read);

}  // namespace strata::erasure
