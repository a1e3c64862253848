// The chunk store: all that storage/ sees of erasure/. It stores blobs (an object's or a part's
// bytes) as Reed-Solomon shards over one erasure set of a tier, with a checksum on every shard
// block, and reads them back exactly, reconstructing from parity when shards are missing or
// corrupt.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "erasure/drive.h"
#include "erasure/drive_format.h"
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

// What HealBlob found and did. Shard indexes in [0, k+m); missing and corrupt are disjoint.
struct HealReport {
  std::string blob_id;
  uint32_t shards = 0;              // k + m
  std::vector<uint32_t> missing;    // absent, unopenable, or header/size not this blob's
  std::vector<uint32_t> corrupt;    // present, but some block failed its CRC32C
  std::vector<uint32_t> rewritten;  // rebuilt and durably replaced on its own drive
  std::vector<uint32_t> failed;     // damaged and could not be rewritten (drive error/offline)
  uint64_t bytes_read = 0;
  uint64_t bytes_written = 0;

  bool damaged() const { return !missing.empty() || !corrupt.empty(); }
  // True when every shard is good now (nothing was damaged, or all of it was rewritten).
  bool healthy() const { return failed.empty(); }
};

// Cumulative counters of heal and scrub work, for metrics. A snapshot; monotonic.
struct MaintenanceCounters {
  uint64_t blobs_scanned = 0;        // blobs verified by scrub passes
  uint64_t blobs_healed = 0;         // blobs with damage that were fully repaired (any source)
  uint64_t blobs_unrecoverable = 0;  // fewer than k good shards, or shards that decode to nothing
  uint64_t blobs_heal_failed = 0;    // damaged, not fully repaired (drive errors): retried later
  uint64_t shards_rewritten = 0;
  uint64_t bytes_read = 0;     // by heal and scrub
  uint64_t bytes_written = 0;  // by heal
  uint64_t temp_files_removed = 0;
  uint64_t heal_queued = 0;   // blobs queued by readers that found damage
  uint64_t heal_dropped = 0;  // not queued because the queue was full
  uint64_t scrub_passes = 0;  // completed passes
  uint64_t orphans_reclaimed =
      0;  // unreferenced blobs deleted by scrub (ScrubOptions::is_referenced)
};

struct ScrubBlob;

struct ScrubOptions {
  // Bytes per second read by the pass (0: unlimited). Keeps scrub from starving foreground I/O.
  uint64_t max_bytes_per_second = 0;
  // Temp files (interrupted writes) older than this are removed from <drive>/tmp.
  std::chrono::seconds temp_max_age = std::chrono::minutes(60);
  // Blobs with a shard younger than this are skipped: they may still be committing or deleting.
  std::chrono::seconds grace = std::chrono::minutes(5);
  // Verify and report only; rewrite nothing (temp files are still removed).
  bool dry_run = false;
  // Orphan reclamation (the erasure layer knows no index; storage/ supplies this). If set, every
  // blob past `grace` whose shards name it (a non-empty label, readable size) is shown to it before
  // it is verified; false means "no index record references this blob": the blob is deleted instead
  // of healed (outcome kOrphan, counted in orphans_found and orphans_reclaimed; a dry run only
  // counts it). Must answer true whenever in doubt. Called on the scrubbing thread, never for blobs
  // younger than `grace` (they may be between shard commit and index write). Empty: nothing is ever
  // deleted.
  std::function<bool(const ScrubBlob& blob)> is_referenced;
};

// One blob seen by a scrub pass, handed to the progress callback.
struct ScrubBlob {
  enum class Outcome {
    kHealthy = 0,        // every shard verified
    kHealed = 1,         // damage found and fully repaired
    kHealFailed = 2,     // damage found, not (fully) repaired: drive errors; retried next pass
    kUnrecoverable = 3,  // fewer than k good shards (or no readable header): left untouched
    kSkipped = 4,        // younger than the grace period
    kOrphan = 5,         // no index record references it (is_referenced): deleted unless dry run
  };
  std::string blob_id;
  std::string tier;
  uint32_t set_index = 0;
  std::string label;  // from a shard header ("" if none was readable)
  uint64_t size = 0;  // from a shard footer (0 if none was readable)
  Outcome outcome = Outcome::kHealthy;
  HealReport report;  // what the heal found and did (empty for kSkipped)
};

// Totals of one scrub pass.
struct ScrubReport {
  uint64_t blobs_scanned = 0;
  uint64_t blobs_healthy = 0;
  uint64_t blobs_healed = 0;
  uint64_t blobs_heal_failed = 0;
  uint64_t blobs_unrecoverable = 0;
  uint64_t blobs_skipped = 0;
  uint64_t shards_rewritten = 0;
  uint64_t bytes_read = 0;
  uint64_t bytes_written = 0;
  uint64_t temp_files_removed = 0;
  uint64_t orphans_found = 0;       // blobs is_referenced said no index record references
  uint64_t orphans_reclaimed = 0;   // of those, deleted (0 in a dry run)
  std::vector<DriveStatus> drives;  // the identity re-check at the start of the pass
  // True when the pass saw every blob and left every one fully redundant.
  bool clean() const { return blobs_heal_failed == 0 && blobs_unrecoverable == 0; }
};

// Called after each blob; return false to stop the pass early (ScrubAll then returns what it
// has). Runs on the scrubbing thread.
using ScrubProgress = std::function<bool(const ScrubBlob& blob, const ScrubReport& so_far)>;

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

  // --- Durability: heal and scrub. Defaults say "not supported" (kInvalidArgument) so that
  // stores without redundancy (test fakes) need not implement them.

  // Reads every shard of the blob, verifies every block's CRC32C, rebuilds missing or corrupt
  // shards from the good ones and rewrites them atomically on their own drives. Never touches a
  // good shard. kNotFound if no shard exists; kReadQuorumLost if some stripe has fewer than k
  // good blocks (nothing is written then). Serialised with Delete of the same blob, so a heal
  // never resurrects a deleted blob.
  [[nodiscard]] virtual Result<HealReport> HealBlob(const BlobRef& ref) {
    (void)ref;
    return make_error_code(Errc::kInvalidArgument);
  }
  // One scrub pass over every drive of every tier: re-checks drive identities (formats replaced
  // empty drives, takes refused ones offline), enumerates every shard file, groups them by blob,
  // verifies and heals each blob, removes stale temp files. Blobs with fewer than k good shards
  // are reported (kUnrecoverable), never deleted, unless options.is_referenced says no index
  // record references them (then they are orphans, deleted whatever their shard count). progress
  // may be empty. One pass at a time: a second concurrent call waits.
  [[nodiscard]] virtual Result<ScrubReport> ScrubAll(const ScrubOptions& options,
                                                     const ScrubProgress& progress) {
    (void)options;
    (void)progress;
    return make_error_code(Errc::kInvalidArgument);
  }
  virtual MaintenanceCounters Counters() const { return {}; }
  // The identity verdict on every drive, tier by tier, set by set, in slot order.
  virtual std::vector<DriveStatus> DriveStatuses() const { return {}; }
  // Stops background heal and scrub threads (also done by the destructor). Idempotent.
  virtual void StopBackgroundWork() {}
};

struct ChunkStoreOptions {
  // Drive identity: read/write <drive>/strata.format and refuse foreign or swapped drives.
  // Off by default only because older tests count every file in a drive folder.
  bool check_drive_identity = false;
  // Deployment id to require (empty: the one most drives carry, or a new one).
  std::string deployment_id;
  // Background healer: readers that find a missing or corrupt shard queue the blob; one thread
  // heals queued blobs at most heal_bytes_per_second (0: unlimited).
  bool start_healer = true;
  size_t heal_queue_capacity = 4096;
  uint64_t heal_bytes_per_second = 64ull << 20;
  // Background scrubber: a pass every scrub_interval (0: never), throttled by scrub.
  std::chrono::seconds scrub_interval{0};
  ScrubOptions scrub;
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

// Builds the erasure-coded chunk store over the given tiers. With check_drive_identity, drives
// that are refused or fail are kept in their slot but offline (see DriveStatuses()): the store
// still opens, and serves what quorum allows.
Result<std::unique_ptr<ChunkStore>> NewErasureChunkStore(std::vector<TierSpec> tiers,
                                                         ChunkStoreOptions options = {});

// Moves the calling thread to background priority (SCHED_IDLE, best-effort I/O level 7; details
// in background_priority.h) so that the work it does - heal, scrub - takes
// what foreground requests leave over. One-way: call it only at the start of a thread that does
// nothing but background work. Best effort: false if the kernel refused (the work still runs).
bool LowerThreadPriorityForBackgroundWork();

}  // namespace strata::erasure
