// The on-disk layout of one shard file. Self-describing, so an index can be rebuilt from the
// drives alone. All integers little-endian.
//
//   header   magic "STRSHARD" (8) | format version u16 | header length u32 (all header bytes,
//            CRC included) | k u8 | m u8 | shard index u8 | blob id length u8 | tier length u8 |
//            block size u32 | label length u32 | blob id | tier | label | CRC32C u32 of all
//            preceding header bytes
//   blocks   per stripe s: this shard's block of stripe s, then CRC32C u32 of that block.
//            Full stripes have blocks of block_size bytes; the final, short stripe (blob size
//            not a multiple of k * block_size) has blocks of ceil(tail / k) bytes.
//   footer   blob size u64 | magic "SEND" (4) | CRC32C u32 of the preceding 12 footer bytes
//
// Within a stripe of L-byte blocks, data shard i holds stripe bytes [i*L, (i+1)*L), zero-padded
// past the end of the blob; parity shard k+j holds Reed-Solomon parity row j.
#pragma once

#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>

#include "erasure/errors.h"

namespace strata::erasure {

// On disk: never renumber.
inline constexpr uint16_t kShardFormatVersion1 = 1;

inline constexpr size_t kMaxLabelSize = 64 * 1024;
inline constexpr size_t kMaxTierNameSize = 255;
inline constexpr size_t kShardHeaderFixedSize = 8 + 2 + 4 + 5 + 4 + 4;  // up to the blob id
inline constexpr size_t kMaxShardHeaderSize =
    kShardHeaderFixedSize + 64 + kMaxTierNameSize + kMaxLabelSize + 4;
inline constexpr size_t kShardFooterSize = 16;
inline constexpr size_t kBlockCrcSize = 4;

struct ShardHeader {
  std::string blob_id;
  std::string tier;
  uint32_t data_shards = 0;    // k
  uint32_t parity_shards = 0;  // m
  uint32_t shard_index = 0;
  uint32_t block_size = 0;
  std::string label;
};

// REQUIRES: fields within the bounds above (the chunk store validates them first).
std::string EncodeShardHeader(const ShardHeader& header);

// From at least the first kShardHeaderFixedSize bytes of a shard, returns the header's total
// length (<= kMaxShardHeaderSize). kCorrupt on bad magic, unknown version or bad lengths.
[[nodiscard]] Result<uint32_t> ShardHeaderLength(std::span<const std::byte> prefix);

// Parses exactly one whole header (ShardHeaderLength() bytes), verifying its CRC.
// kCorrupt on any inconsistency.
[[nodiscard]] Result<ShardHeader> DecodeShardHeader(std::span<const std::byte> bytes);

std::array<std::byte, kShardFooterSize> EncodeShardFooter(uint64_t blob_size);
// kCorrupt unless bytes is a valid footer.
[[nodiscard]] Result<uint64_t> DecodeShardFooter(std::span<const std::byte> bytes);

// Stripe geometry of a blob: which stripes exist and how long each shard block is.
class BlobLayout {
 public:
  // REQUIRES: k >= 1, block_size >= 1.
  BlobLayout(uint32_t k, uint32_t block_size, uint64_t size)
      : k_(k), block_size_(block_size), size_(size), stripe_bytes_(uint64_t{k} * block_size) {}

  uint64_t stripe_bytes() const { return stripe_bytes_; }  // data bytes in a full stripe
  uint64_t num_stripes() const { return (size_ + stripe_bytes_ - 1) / stripe_bytes_; }
  // Data bytes of the blob in stripe s. REQUIRES: s < num_stripes().
  uint64_t StripeDataLength(uint64_t s) const {
    return std::min<uint64_t>(stripe_bytes_, size_ - s * stripe_bytes_);
  }
  // Bytes of each shard block of stripe s (the same for all k+m shards).
  uint32_t BlockLength(uint64_t s) const {
    const uint64_t len = StripeDataLength(s);
    return len == stripe_bytes_ ? block_size_ : static_cast<uint32_t>((len + k_ - 1) / k_);
  }
  // Offset in a shard file of stripe s's block, given that shard's header length.
  uint64_t BlockOffset(uint64_t header_length, uint64_t s) const {
    return header_length + s * (uint64_t{block_size_} + kBlockCrcSize);
  }
  // Total bytes of a complete shard file.
  uint64_t ShardFileSize(uint64_t header_length) const {
    const uint64_t n = num_stripes();
    if (n == 0) return header_length + kShardFooterSize;
    return BlockOffset(header_length, n - 1) + BlockLength(n - 1) + kBlockCrcSize +
           kShardFooterSize;
  }

 private:
  uint64_t k_;
  uint64_t block_size_;
  uint64_t size_;
  uint64_t stripe_bytes_;
};

}  // namespace strata::erasure
