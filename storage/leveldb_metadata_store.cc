// The production metadata index over LevelDB: the only file that includes LevelDB.
// Durability: every Write is synced; LevelDB batches concurrent synced writers into one log
// write and one fsync (DBImpl::BuildBatchGroup), which is our group commit. With
// LevelDbOptions::sync false (the index behind the journal) writes are not synced; Flush() syncs
// the log with an empty synced batch.
// Bulk deletes: a TombstoneCompactor (tombstone_compactor.h) compacts the ranges they emptied.
#include "storage/leveldb_metadata_store.h"

#include <leveldb/cache.h>
#include <leveldb/db.h>
#include <leveldb/filter_policy.h>
#include <leveldb/iterator.h>
#include <leveldb/options.h>
#include <leveldb/write_batch.h>

#include "storage/metadata_store.h"
#include "storage/tombstone_compactor.h"

namespace strata::storage {
namespace {

constexpr size_t kBlockCacheBytes = 64 << 20;
// LevelDB's default memtable (4 MiB) turns every 4 MiB of writes into an L0 table and, four
// tables later, a compaction that rewrites the overlapping part of L1: with small objects
// stored inline, that background work took about 30% of the server's CPU in a 4 KiB PUT
// benchmark. A larger memtable flushes and compacts less often per byte written; memory is
// bounded by two of them (the one being filled and the one being flushed). Larger tables
// mean fewer files and compactions for the same data.
constexpr size_t kWriteBufferBytes = 32 << 20;
constexpr size_t kMaxTableBytes = 8 << 20;
constexpr int kBloomBitsPerKey = 10;

boost::system::error_code FromStatus(const leveldb::Status& s) {
  if (s.ok()) return {};
  if (s.IsCorruption()) return make_error_code(Errc::kCorrupt);
  if (s.IsIOError()) return make_error_code(Errc::kUnavailable);
  return make_error_code(Errc::kInternal);
}

leveldb::Slice ToSlice(std::string_view s) { return leveldb::Slice(s.data(), s.size()); }
std::string_view ToView(const leveldb::Slice& s) { return std::string_view(s.data(), s.size()); }

// An iterator pins the state of the DB at its creation (an implicit snapshot), so a cursor sees
// one consistent view however long the listing takes.
//
// The cursor is positioned at its prefix lazily, when first read, unless a Seek comes first. A
// LevelDB seek steps over every tombstone between its target and the next live key, so seeking
// to the prefix and then to a listing's start (its marker) would walk a bulk-deleted run of
// keys behind the marker on every page, e.g. a bucket emptied by a tool that lists ahead of its
// deletes. The first positioning also tells the tombstone compactor where the scan starts.
class LevelDbCursor final : public Cursor {
 public:
  LevelDbCursor(std::unique_ptr<leveldb::Iterator> it, std::string prefix,
                TombstoneCompactor* compactor)
      : it_(std::move(it)), prefix_(std::move(prefix)), compactor_(compactor) {}

  void Seek(std::string_view target) override {
    SeekTo(target < std::string_view(prefix_) ? std::string_view(prefix_) : target);
  }
  bool Valid() const override {
    if (!positioned_) SeekTo(prefix_);
    return it_->Valid() && ToView(it_->key()).starts_with(prefix_);
  }
  void Next() override { it_->Next(); }  // REQUIRES: Valid(), so positioned
  std::string_view key() const override { return ToView(it_->key()); }
  std::string_view value() const override { return ToView(it_->value()); }
  boost::system::error_code status() const override { return FromStatus(it_->status()); }

 private:
  // Const for Valid(): positioning is not a change the caller can see.
  void SeekTo(std::string_view target) const {
    if (!positioned_ && compactor_ != nullptr) compactor_->NoteScan(target);
    positioned_ = true;
    it_->Seek(ToSlice(target));
  }

  const std::unique_ptr<leveldb::Iterator> it_;
  const std::string prefix_;
  TombstoneCompactor* const compactor_;  // null when off
  mutable bool positioned_ = false;
};

class LevelDbMetadataStore final : public MetadataStore {
 public:
  LevelDbMetadataStore(std::unique_ptr<leveldb::Cache> cache,
                       std::unique_ptr<const leveldb::FilterPolicy> filter,
                       std::unique_ptr<leveldb::DB> db, const LevelDbOptions& options)
      : cache_(std::move(cache)),
        filter_(std::move(filter)),
        db_(std::move(db)),
        sync_(options.sync) {
    if (options.compact_after_deletes == 0) return;
    leveldb::DB* db_ptr = db_.get();
    compactor_ = std::make_unique<TombstoneCompactor>(
        TombstoneCompactor::Options{.threshold = options.compact_after_deletes,
                                    .delay = options.tombstone_compaction_delay},
        TombstoneCompactor::Target{
            .approximate_bytes =
                [db_ptr](std::string_view begin, std::string_view end) {
                  return ApproximateBytes(*db_ptr, begin, end);
                },
            // CompactRange switches the memtable (queued as a writer, like a Write), waits for
            // LevelDB's background thread to flush it, then has that thread compact the range
            // level by level down to the last level holding it, where the tombstones are dropped,
            // while this thread waits. Meanwhile foreground writes go on into the new memtable,
            // but LevelDB has one background thread: it flushes a full memtable between
            // compaction steps (and in the middle of one, DoCompactionWork checks for it), yet
            // automatic compactions wait, so L0 files can pile up and a write can meet
            // LevelDB's L0 slowdown (1 ms per write at 8 files) while a large range compacts.
            // The budget in TombstoneCompactor keeps ranges in proportion to their deletes.
            .compact =
                [db_ptr](std::string_view begin, std::string_view end) {
                  const leveldb::Slice b = ToSlice(begin);
                  const leveldb::Slice e = ToSlice(end);
                  db_ptr->CompactRange(&b, &e);
                },
        });
  }

  // The compactor first (it calls into the DB; a compaction in progress finishes), then the DB
  // (it uses cache and filter).
  ~LevelDbMetadataStore() override {
    compactor_.reset();
    db_.reset();
  }

  Result<std::optional<std::string>> Get(std::string_view key) override {
    std::string value;
    leveldb::Status s = db_->Get(leveldb::ReadOptions(), ToSlice(key), &value);
    if (s.IsNotFound()) return std::optional<std::string>();
    if (!s.ok()) return FromStatus(s);
    return std::optional<std::string>(std::move(value));
  }

  boost::system::error_code Write(const WriteBatch& batch) override {
    leveldb::WriteBatch b;
    for (const auto& op : batch.ops()) {
      if (op.is_delete) {
        b.Delete(ToSlice(op.key));
      } else {
        b.Put(ToSlice(op.key), ToSlice(op.value));
      }
    }
    leveldb::WriteOptions options;
    options.sync = sync_;
    leveldb::Status s = db_->Write(options, &b);
    if (s.ok() && compactor_ != nullptr) compactor_->NoteDeletes(batch);
    return FromStatus(s);
  }

  boost::system::error_code Flush() override {
    if (sync_) return {};
    // An empty batch still goes through the log writer; synced, it syncs every write before it.
    leveldb::WriteBatch empty;
    leveldb::WriteOptions options;
    options.sync = true;
    return FromStatus(db_->Write(options, &empty));
  }

  std::unique_ptr<Cursor> Scan(std::string_view prefix) override {
    return std::make_unique<LevelDbCursor>(
        std::unique_ptr<leveldb::Iterator>(db_->NewIterator(leveldb::ReadOptions())),
        std::string(prefix), compactor_.get());
  }

  static uint64_t ApproximateBytes(leveldb::DB& db, std::string_view begin, std::string_view end) {
    const leveldb::Range range(ToSlice(begin), ToSlice(end));
    uint64_t bytes = 0;
    db.GetApproximateSizes(&range, 1, &bytes);
    return bytes;
  }

  TombstoneCompactor::Stats compaction_stats() const {
    return compactor_ != nullptr ? compactor_->stats() : TombstoneCompactor::Stats{};
  }

  uint64_t approximate_bytes(std::string_view begin, std::string_view end) {
    return ApproximateBytes(*db_, begin, end);
  }

 private:
  std::unique_ptr<leveldb::Cache> cache_;
  std::unique_ptr<const leveldb::FilterPolicy> filter_;
  std::unique_ptr<leveldb::DB> db_;
  const bool sync_;
  std::unique_ptr<TombstoneCompactor> compactor_;  // null when off
};

}  // namespace

Result<std::unique_ptr<MetadataStore>> OpenLevelDbMetadataStore(const std::string& dir,
                                                                LevelDbOptions store_options) {
  std::unique_ptr<leveldb::Cache> cache(leveldb::NewLRUCache(kBlockCacheBytes));
  std::unique_ptr<const leveldb::FilterPolicy> filter(
      leveldb::NewBloomFilterPolicy(kBloomBitsPerKey));
  leveldb::Options options;
  options.create_if_missing = true;
  options.block_cache = cache.get();
  options.filter_policy = filter.get();
  options.write_buffer_size = kWriteBufferBytes;
  options.max_file_size = kMaxTableBytes;
  leveldb::DB* raw = nullptr;
  leveldb::Status s = leveldb::DB::Open(options, dir, &raw);
  if (!s.ok()) return FromStatus(s);
  return std::unique_ptr<MetadataStore>(std::make_unique<LevelDbMetadataStore>(
      std::move(cache), std::move(filter), std::unique_ptr<leveldb::DB>(raw), store_options));
}

std::optional<uint64_t> LevelDbApproximateBytes(MetadataStore& store, std::string_view begin,
                                                std::string_view end) {
  auto* leveldb_store = dynamic_cast<LevelDbMetadataStore*>(&store);
  if (leveldb_store == nullptr) return std::nullopt;
  return leveldb_store->approximate_bytes(begin, end);
}

std::optional<TombstoneCompactor::Stats> LevelDbTombstoneCompactionStats(MetadataStore& store) {
  auto* leveldb_store = dynamic_cast<LevelDbMetadataStore*>(&store);
  if (leveldb_store == nullptr) return std::nullopt;
  return leveldb_store->compaction_stats();
}

}  // namespace strata::storage
