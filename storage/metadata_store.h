// The metadata index: an ordered key-value store with atomic batches. LevelDB in production
// (leveldb_metadata_store.cc, the only file that includes LevelDB), memory in tests.
#pragma once

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "storage/errors.h"

namespace strata::storage {

// A set of puts and deletes applied atomically, in order.
class WriteBatch {
 public:
  void Put(std::string_view key, std::string_view value);
  void Delete(std::string_view key);
  bool empty() const { return ops_.empty(); }

  struct Op {
    bool is_delete;
    std::string key;
    std::string value;
  };
  const std::vector<Op>& ops() const { return ops_; }

 private:
  std::vector<Op> ops_;
};

// A forward iterator over a consistent snapshot. Not thread-safe.
class Cursor {
 public:
  virtual ~Cursor() = default;
  // Positions at the first key >= target (restricted to the cursor's prefix).
  virtual void Seek(std::string_view target) = 0;
  virtual bool Valid() const = 0;
  virtual void Next() = 0;
  // REQUIRES: Valid(). Views stay valid until the next move.
  virtual std::string_view key() const = 0;
  virtual std::string_view value() const = 0;
  virtual boost::system::error_code status() const = 0;
};

// Thread-safe.
class MetadataStore {
 public:
  virtual ~MetadataStore() = default;
  [[nodiscard]] virtual Result<std::optional<std::string>> Get(std::string_view key) = 0;
  // Atomic and durable (synced) when it returns. Concurrent writers share one sync.
  // (A LevelDB index opened with sync = false is only atomic: its durability comes from the
  // index journal in front of it, see journaled_metadata_store.h.)
  [[nodiscard]] virtual boost::system::error_code Write(const WriteBatch& batch) = 0;
  // A cursor over keys starting with prefix, positioned at the first of them.
  virtual std::unique_ptr<Cursor> Scan(std::string_view prefix) = 0;
  // Makes every write that returned so far durable (a no-op where writes are synced).
  [[nodiscard]] virtual boost::system::error_code Flush() { return {}; }
};

struct LevelDbOptions {
  // Sync every Write (group-committed by LevelDB). False: writes reach the OS at once (they
  // survive a process crash) but are synced only by Flush(); for an index behind the journal.
  bool sync = true;
  // Background compaction of key ranges emptied by bulk deletes (tombstone_compactor.h), so that
  // listings next to them stop skipping their tombstones: a region (one bucket's object records,
  // its version records, ...) that received this many deletes has the range they span compacted
  // once no delete reached it for `tombstone_compaction_delay` (at most 10 x that after it
  // became due). 0: off (no thread).
  size_t compact_after_deletes = 4096;
  std::chrono::milliseconds tombstone_compaction_delay{500};
};
Result<std::unique_ptr<MetadataStore>> OpenLevelDbMetadataStore(const std::string& dir,
                                                                LevelDbOptions options = {});
std::unique_ptr<MetadataStore> NewMemoryMetadataStore();

}  // namespace strata::storage
