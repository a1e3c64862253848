// The chunk store: all that storage/ sees of erasure/. It stores blobs (an object's or a part's
// bytes) as Reed-Solomon shards over one erasure set of a tier, with a checksum on every shard
// block, and reads them back exactly, reconstructing from parity when shards are missing or
// corrupt.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "erasure/drive.h"
#include "erasure/errors.h"

namespace strata::erasure {

// Where a new blob goes. Pure input to placement: the same name and tier give the same set.
struct Placement {
  std::string tier;           // e.g. "nvme"; must be configured.
  std::string placement_key;  // usually "bucket/key": hashed to choose the erasure set.
  // Opaque self-description written into every shard header, so the index can be rebuilt
  // from the drives (storage/ puts bucket, key, version and metadata here). Bounded: <= 64 KiB.
  std::string label;
};

// Everything needed to find and decode a blob again. Storage/ persists it in the metadata record.
struct BlobRef {
  std::string blob_id;
  std::string tier;
  uint32_t set_index = 0;
  uint32_t data_shards = 0;    // k
  uint32_t parity_shards = 0;  // m
  uint32_t block_size = 0;     // bytes of one shard block; a stripe holds k blocks of data
  uint64_t size = 0;           // logical bytes

  // Compact, versioned binary encoding for metadata records. Decode fails on malformed input.
  std::string Encode() const;
  static Result<BlobRef> Decode(std::string_view bytes);
};

// Streams a blob in. Append buffers into stripes and encodes each full stripe; memory is bounded
// by one stripe whatever the blob size. Not thread-safe (one writer per blob).
class BlobWriter {
 public:
  virtual ~BlobWriter() = default;  // Without Commit(): removes every shard written so far.
  [[nodiscard]] virtual boost::system::error_code Append(std::span<const std::byte> data) = 0;
  // Writes the final partial stripe, makes every shard durable (fsync) on at least write-quorum
  // drives, and returns the reference. After an error the blob is abandoned and cleaned up.
  [[nodiscard]] virtual Result<BlobRef> Commit() = 0;
};

// Random access to a blob. Not thread-safe; open one per reader.
// Pinned: Open() opens every shard file, so the reader keeps returning the bytes the blob had at
// Open() even if the blob is deleted (or its shards replaced) while the reader is alive.
class BlobReader {
 public:
  virtual ~BlobReader() = default;
  virtual uint64_t size() const = 0;
  // Reads up to out.size() bytes at offset (short only at end). Reads data shards directly;
  // decodes from parity only when a data shard is missing or fails its checksum. Never returns
  // bytes that failed a checksum.
  [[nodiscard]] virtual Result<size_t> ReadAt(uint64_t offset, std::span<std::byte> out) = 0;
};

// Thread-safe.
class ChunkStore {
 public:
  virtual ~ChunkStore() = default;
  [[nodiscard]] virtual Result<std::unique_ptr<BlobWriter>> Create(const Placement& placement) = 0;
  // kNotFound if no shard of the blob exists; kReadQuorumLost if fewer than k can be opened.
  [[nodiscard]] virtual Result<std::unique_ptr<BlobReader>> Open(const BlobRef& ref) = 0;
  // Removes every shard of the blob it can reach; missing shards are not an error, and neither
  // are unreachable drives (their shards become orphans for the scrubber). Open readers keep
  // reading (see BlobReader).
  [[nodiscard]] virtual boost::system::error_code Delete(const BlobRef& ref) = 0;
  virtual bool HasTier(std::string_view tier) const = 0;
};

// A tier: a named class of drives with one erasure scheme. Drives are split, in order, into
// erasure sets of k+m drives; drives.size() must be a multiple of k+m.
struct TierSpec {
  std::string name;
  uint32_t data_shards = 2;
  uint32_t parity_shards = 2;
  uint32_t block_size = 256 * 1024;
  std::vector<std::unique_ptr<Drive>> drives;
};

// Builds the erasure-coded chunk store over the given tiers.
Result<std::unique_ptr<ChunkStore>> NewErasureChunkStore(std::vector<TierSpec> tiers);

}  // namespace strata::erasure
