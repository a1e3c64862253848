// Diagnostics of a store opened by OpenLevelDbMetadataStore (metadata_store.h), for tests and
// benchmarks: what the background tombstone compaction did and what a key range costs on disk.
// Both return nullopt for any other MetadataStore (the memory store, the journaled wrapper).
// Thread-safe.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

#include "storage/metadata_store.h"
#include "storage/tombstone_compactor.h"

namespace strata::storage {

// LevelDB's DB::GetApproximateSizes of [begin, end): bytes of table files (not the memtable).
std::optional<uint64_t> LevelDbApproximateBytes(MetadataStore& store, std::string_view begin,
                                                std::string_view end);
// The tombstone compactor's counters; all zero when it is off (compact_after_deletes = 0).
std::optional<TombstoneCompactor::Stats> LevelDbTombstoneCompactionStats(MetadataStore& store);

}  // namespace strata::storage
