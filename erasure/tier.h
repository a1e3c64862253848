// Internal to erasure/: a configured tier, as the chunk store, writers and readers see it.
// Immutable after construction, so thread-safe to share.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "erasure/codec.h"
#include "erasure/drive.h"

namespace strata::erasure {

// Upper bound on a shard block: bounds the memory of one stripe per writer and reader.
inline constexpr uint32_t kMaxBlockSize = 16 * 1024 * 1024;

struct Tier {
  std::string name;
  uint32_t k = 0;
  uint32_t m = 0;
  uint32_t block_size = 0;
  std::unique_ptr<Codec> codec;
  std::vector<std::unique_ptr<Drive>> drives;  // set s holds drives [s*(k+m), (s+1)*(k+m))

  uint32_t set_width() const { return k + m; }
  uint32_t num_sets() const { return static_cast<uint32_t>(drives.size() / (k + m)); }
  Drive& drive(uint32_t set, uint32_t shard) const { return *drives[set * (k + m) + shard]; }
  // Shards that must be durable for a write to succeed. With k == m, k shards could survive on
  // either half of a split set; k+1 makes two conflicting halves impossible.
  uint32_t write_quorum() const { return (m > 0 && k == m) ? k + 1 : k; }
};

}  // namespace strata::erasure
