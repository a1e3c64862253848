// One disk (or folder standing in for one). The seam for fakes: tests wrap a Drive to fail calls.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "erasure/errors.h"

namespace strata::erasure {

// A shard file on one drive, named by the blob it belongs to and its index in the stripe set.
struct ChunkId {
  std::string blob_id;  // IsValidBlobId(): [0-9a-z], 2..64 chars: safe as a file name.
  uint32_t shard_index = 0;
};

// A committed chunk as listed by Drive::ListChunks().
struct ChunkInfo {
  ChunkId id;
  uint64_t size = 0;
  std::chrono::system_clock::time_point modified;  // last write (for the scrubber's grace period)
};

// True if id is a well-formed blob id: 2 to 64 characters of [0-9a-z]. Drives reject others
// with kInvalidArgument, so no id can name a path outside the drive.
bool IsValidBlobId(std::string_view id);

// An open shard file being written. Appends, then Commit() makes it durable and visible under
// its final name (write to a temp name, fdatasync, rename, fsync the directory).
// Not thread-safe (one writer per chunk).
class ChunkWriter {
 public:
  virtual ~ChunkWriter() = default;  // Without a successful Commit(): removes the temp file.
  [[nodiscard]] virtual boost::system::error_code Append(std::span<const std::byte> data) = 0;
  // Appends the pieces in order; a drive may write them with one call (writev). The default
  // calls Append() once per piece.
  [[nodiscard]] virtual boost::system::error_code AppendGather(
      std::span<const std::span<const std::byte>> pieces) {
    for (auto piece : pieces) {
      if (auto ec = Append(piece)) return ec;
    }
    return {};
  }
  // Makes the data durable and publishes the chunk under its final name (replacing any chunk
  // of the same id). REQUIRES: called at most once.
  [[nodiscard]] virtual boost::system::error_code Commit() = 0;
};

// An open, committed shard file. It stays readable, with the bytes it had when opened, even if
// the chunk is deleted or replaced afterwards (it holds the file open): readers are pinned.
// Thread-safe (positional reads).
class ChunkReader {
 public:
  virtual ~ChunkReader() = default;
  virtual uint64_t size() const = 0;  // bytes in the chunk, as of open
  // Reads up to out.size() bytes at offset; returns bytes read (short only at end of chunk).
  [[nodiscard]] virtual Result<size_t> ReadAt(uint64_t offset, std::span<std::byte> out) = 0;
  // Reads consecutive bytes at offset into the pieces in order (a drive may use one preadv);
  // returns bytes read in all (short only at end of chunk). The default calls ReadAt per piece.
  [[nodiscard]] virtual Result<size_t> ReadAtGather(uint64_t offset,
                                                    std::span<const std::span<std::byte>> pieces) {
    size_t done = 0;
    for (auto piece : pieces) {
      auto n = ReadAt(offset + done, piece);
      if (!n) return n;
      done += *n;
      if (*n < piece.size()) break;
    }
    return done;
  }
};

// Thread-safe: concurrent calls on different chunks are fine.
// Errors: kNotFound (no such chunk), kNoSpace (drive full), kInvalidArgument (bad id),
// kDriveFailed (any other I/O error).
class Drive {
 public:
  virtual ~Drive() = default;
  virtual const std::string& path() const = 0;  // for messages and metrics
  [[nodiscard]] virtual Result<std::unique_ptr<ChunkWriter>> CreateChunk(const ChunkId& id) = 0;
  // Opens a committed chunk for reading; see ChunkReader for pinning.
  [[nodiscard]] virtual Result<std::unique_ptr<ChunkReader>> OpenChunk(const ChunkId& id) = 0;
  // Reads up to out.size() bytes at offset; returns bytes read (short only at end of chunk).
  // Convenience for one-off reads; a reader that must not see a concurrent replace uses OpenChunk.
  [[nodiscard]] virtual Result<size_t> ReadChunk(const ChunkId& id, uint64_t offset,
                                                 std::span<std::byte> out) {
    auto reader = OpenChunk(id);
    if (!reader) return reader.error();
    return (*reader)->ReadAt(offset, out);
  }
  // Removes the chunk; open ChunkReaders keep reading it. kNotFound if it does not exist.
  [[nodiscard]] virtual boost::system::error_code DeleteChunk(const ChunkId& id) = 0;
  [[nodiscard]] virtual Result<uint64_t> ChunkSize(const ChunkId& id) {
    auto reader = OpenChunk(id);
    if (!reader) return reader.error();
    return (*reader)->size();
  }

  // --- Identity and maintenance (heal, scrub). Added after the first milestone; the defaults
  // say "not supported" (kInvalidArgument), and the chunk store then skips the feature for this
  // drive, so simple fakes need not implement them.

  // The drive's format record (a few hundred bytes, see drive_format.h), as written by
  // WriteFormatRecord. kNotFound if the drive has none; kCorrupt if it is larger than 64 KiB.
  [[nodiscard]] virtual Result<std::string> ReadFormatRecord() {
    return make_error_code(Errc::kInvalidArgument);
  }
  // Atomically replaces the format record (temp, fsync, rename, fsync dir). Creates the drive's
  // folders if they are missing. Afterwards the drive may recreate its own sub-folders if they
  // vanish (a formatted drive is known to be ours and mounted).
  [[nodiscard]] virtual boost::system::error_code WriteFormatRecord(std::string_view bytes) {
    (void)bytes;
    return make_error_code(Errc::kInvalidArgument);
  }
  // True if the drive holds at least one committed chunk.
  [[nodiscard]] virtual Result<bool> HasChunks() {
    return Result<bool>(boost::system::in_place_error, make_error_code(Errc::kInvalidArgument));
  }
  // Committed chunks whose blob id starts with `prefix` (exactly 2 chars of [0-9a-z]), in no
  // particular order; files that are not well-formed chunk names are skipped. An empty list if
  // there are none.
  [[nodiscard]] virtual Result<std::vector<ChunkInfo>> ListChunks(std::string_view prefix) {
    (void)prefix;
    return make_error_code(Errc::kInvalidArgument);
  }
  // Removes temp files (chunks being written) last modified longer than max_age ago; returns
  // how many it removed. Writers in progress are younger than any sane max_age.
  [[nodiscard]] virtual Result<uint64_t> RemoveStaleTemp(std::chrono::seconds max_age) {
    (void)max_age;
    return make_error_code(Errc::kInvalidArgument);
  }
};

// A drive backed by a folder of the local file system, created if missing. Layout:
//   <dir>/strata.format                                                format record (identity)
//   <dir>/chunks/<first 2 chars of blob id>/<blob id>.<shard index>   committed chunks
//   <dir>/tmp/                                                         chunks being written
// Once formatted, a drive whose chunks/ or tmp/ vanished recreates them on the next write.
Result<std::unique_ptr<Drive>> OpenLocalDrive(const std::string& dir);

}  // namespace strata::erasure
