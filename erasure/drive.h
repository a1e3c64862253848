// One disk (or folder standing in for one). The seam for fakes: tests wrap a Drive to fail calls.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "erasure/errors.h"

namespace strata::erasure {

// A shard file on one drive, named by the blob it belongs to and its index in the stripe set.
struct ChunkId {
  std::string blob_id;  // [0-9a-z_-], no slashes: safe as a file name.
  uint32_t shard_index = 0;
};

// An open shard file being written. Appends, then Sync() + Close() makes it durable and visible
// under its final name (write to a temp name, fsync, rename, fsync the directory).
class ChunkWriter {
 public:
  virtual ~ChunkWriter() = default;
  [[nodiscard]] virtual boost::system::error_code Append(std::span<const std::byte> data) = 0;
  // Makes the data durable and publishes the chunk under its final name.
  [[nodiscard]] virtual boost::system::error_code Commit() = 0;
  // Without Commit(), the destructor removes the temp file.
};

// Thread-safe: concurrent calls on different chunks are fine.
class Drive {
 public:
  virtual ~Drive() = default;
  virtual const std::string& path() const = 0;  // for messages and metrics
  [[nodiscard]] virtual Result<std::unique_ptr<ChunkWriter>> CreateChunk(const ChunkId& id) = 0;
  // Reads up to out.size() bytes at offset; returns bytes read (short only at end of chunk).
  [[nodiscard]] virtual Result<size_t> ReadChunk(const ChunkId& id, uint64_t offset,
                                                 std::span<std::byte> out) = 0;
  [[nodiscard]] virtual boost::system::error_code DeleteChunk(const ChunkId& id) = 0;
  [[nodiscard]] virtual Result<uint64_t> ChunkSize(const ChunkId& id) = 0;
};

// A drive backed by a folder of the local file system.
Result<std::unique_ptr<Drive>> OpenLocalDrive(const std::string& dir);

}  // namespace strata::erasure
