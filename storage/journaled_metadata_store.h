// A MetadataStore that journals every write (index_journal.h) before applying it to the index
// it wraps, so the index can be rebuilt from the drives. See README.md, "Index journal".
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "storage/index_journal.h"
#include "storage/metadata_store.h"

namespace strata::storage {

// The index key holding the seq of the last journal record applied to it (decimal). Written in
// the same batch as every record's operations.
inline constexpr std::string_view kJournalSeqKey = "m/journal-seq";

// The journal position recorded in the index; nullopt if it has none (a fresh or lost index).
Result<std::optional<uint64_t>> ReadAppliedSeq(MetadataStore& index);

// Applies records first_seq .. first_seq + batches.size() - 1 to the index as ONE batch that
// also sets kJournalSeqKey. Replaying a record twice is harmless (whole-key puts and deletes).
[[nodiscard]] boost::system::error_code ApplyJournalBatches(
    MetadataStore& index, uint64_t first_seq, std::span<const WriteBatch* const> batches);

// Thread-safe. Write = journal append (durable on the required copies) then apply to the inner
// index, both in one sequence (the journal's group-commit leader applies the group), so index
// order == journal order. Get and Scan go to the inner index. The inner index need not sync its
// writes (OpenLevelDbMetadataStore with sync = false): the journal is the durable log, and
// Open replays what the index lost.
class JournaledMetadataStore final : public MetadataStore {
 public:
  ~JournaledMetadataStore() override;
  Result<std::optional<std::string>> Get(std::string_view key) override;
  // kUnavailable when the journal lost its required copies (nothing applied); an index error
  // after the journal append (the write is durable in the journal and is applied at the next
  // start).
  boost::system::error_code Write(const WriteBatch& batch) override;
  std::unique_ptr<Cursor> Scan(std::string_view prefix) override;
  boost::system::error_code Flush() override;

  IndexJournal& journal() { return *journal_; }
  uint64_t replayed_at_open() const { return replayed_; }

 private:
  friend Result<std::unique_ptr<JournaledMetadataStore>> OpenJournaledMetadataStore(
      std::unique_ptr<MetadataStore>, std::vector<std::unique_ptr<JournalDir>>, IndexJournalOptions,
      std::string*);
  JournaledMetadataStore() = default;
  std::unique_ptr<MetadataStore> index_;
  std::unique_ptr<IndexJournal> journal_;  // destroyed first (its checkpoint reads index_)
  uint64_t replayed_ = 0;
};

// Opens the store over `index` and the journal copies (`copies[i]` null: configured but not
// reachable). At open:
//  - an index without a journal position while the journal holds data: kCorrupt (the index was
//    lost or replaced: run the rebuild), with `detail` saying so;
//  - journal records after the index's position are replayed into it; if some record between
//    them is in no copy (the index is behind a checkpoint): kCorrupt, with `detail`;
//  - a copy that ends before the others (replaced drive, dropped earlier) and an index that
//    predates the journal are covered by a checkpoint written before returning.
// kUnavailable when fewer than the required copies are reachable.
Result<std::unique_ptr<JournaledMetadataStore>> OpenJournaledMetadataStore(
    std::unique_ptr<MetadataStore> index, std::vector<std::unique_ptr<JournalDir>> copies,
    IndexJournalOptions options, std::string* detail = nullptr);

}  // namespace strata::storage
