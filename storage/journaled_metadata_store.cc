// The journaled index (see journaled_metadata_store.h and README.md, "Index journal").
#include "storage/journaled_metadata_store.h"

#include <algorithm>
#include <charconv>

namespace strata::storage {

using boost::system::error_code;

Result<std::optional<uint64_t>> ReadAppliedSeq(MetadataStore& index) {
  auto value = index.Get(kJournalSeqKey);
  if (!value) return value.error();
  if (!*value) return std::optional<uint64_t>();
  uint64_t seq = 0;
  const std::string& s = **value;
  auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), seq);
  if (s.empty() || ec != std::errc() || ptr != s.data() + s.size()) {
    return make_error_code(Errc::kCorrupt);
  }
  return std::optional<uint64_t>(seq);
}

error_code ApplyJournalBatches(MetadataStore& index, uint64_t first_seq,
                               std::span<const WriteBatch* const> batches) {
  // One index batch per group: the group's atomicity covers each of its batches.
  WriteBatch merged;
  for (const WriteBatch* b : batches) {
    for (const auto& op : b->ops()) {
      if (op.is_delete) {
        merged.Delete(op.key);
      } else {
        merged.Put(op.key, op.value);
      }
    }
  }
  merged.Put(kJournalSeqKey, std::to_string(first_seq + batches.size() - 1));
  return index.Write(merged);
}

JournaledMetadataStore::~JournaledMetadataStore() { journal_.reset(); }

Result<std::optional<std::string>> JournaledMetadataStore::Get(std::string_view key) {
  return index_->Get(key);
}

error_code JournaledMetadataStore::Write(const WriteBatch& batch) {
  if (batch.empty()) return {};
  auto seq = journal_->Append(batch);
  return seq ? error_code() : seq.error();
}

std::unique_ptr<Cursor> JournaledMetadataStore::Scan(std::string_view prefix) {
  return index_->Scan(prefix);
}

error_code JournaledMetadataStore::Flush() { return index_->Flush(); }

Result<std::unique_ptr<JournaledMetadataStore>> OpenJournaledMetadataStore(
    std::unique_ptr<MetadataStore> index, std::vector<std::unique_ptr<JournalDir>> copies,
    IndexJournalOptions options, std::string* detail) {
  auto say = [detail](std::string text) {
    if (detail) *detail = std::move(text);
  };
  std::vector<JournalDir*> dirs;
  for (auto& c : copies) dirs.push_back(c.get());
  auto info = InspectJournal(dirs);
  if (!info) return info.error();
  auto applied = ReadAppliedSeq(*index);
  if (!applied) {
    say("the index's journal position is unreadable");
    return applied.error();
  }
  bool seed = false;  // an index that predates the journal: checkpoint it
  if (!*applied) {
    if (info->has_data) {
      say("the index has no journal position, but the index journal holds records up to seq " +
          std::to_string(info->max_seq) +
          ": the index was lost or replaced; rebuild it with --rebuild-index");
      return make_error_code(Errc::kCorrupt);
    }
    auto any = index->Scan("");
    seed = any->Valid();
    WriteBatch b;
    b.Put(kJournalSeqKey, "0");
    if (auto ec = index->Write(b)) return ec;
    if (auto ec = index->Flush()) return ec;
    applied = std::optional<uint64_t>(0);
  }
  uint64_t last = **applied;
  uint64_t replayed = 0;
  if (info->has_data) {
    auto r = ReplayJournal(dirs, last + 1, [&](const JournalRecord& record) {
      const WriteBatch* one = &record.batch;
      ++replayed;
      return ApplyJournalBatches(*index, record.seq, std::span(&one, 1));
    });
    if (!r) {
      say("replaying the index journal into the index failed");
      return r.error();
    }
    last = *r;
    if (last < info->max_seq) {
      say("the index is at journal seq " + std::to_string(last) + " but the journal reaches seq " +
          std::to_string(info->max_seq) + " and no copy holds record " + std::to_string(last + 1) +
          ": rebuild the index with --rebuild-index");
      return make_error_code(Errc::kCorrupt);
    }
    if (replayed > 0) {
      if (auto ec = index->Flush()) return ec;
    }
  }
  const uint64_t next_seq = std::max(last, info->max_seq) + 1;
  bool lagging = false;
  for (size_t i = 0; i < dirs.size(); ++i) {
    if (dirs[i] != nullptr && info->copy_last_seq[i] < next_seq - 1) lagging = true;
  }

  std::unique_ptr<JournaledMetadataStore> store(new JournaledMetadataStore());
  store->index_ = std::move(index);
  store->replayed_ = replayed;
  MetadataStore* inner = store->index_.get();
  CheckpointSource source;
  source.cursor = [inner] { return inner->Scan(""); };
  source.flush = [inner] { return inner->Flush(); };
  auto journal = IndexJournal::Open(
      std::move(copies), next_seq, std::move(options),
      [inner](uint64_t first_seq, std::span<const WriteBatch* const> batches) {
        return ApplyJournalBatches(*inner, first_seq, batches);
      },
      std::move(source));
  if (!journal) {
    say("fewer index journal copies are reachable than required");
    return journal.error();
  }
  store->journal_ = std::move(*journal);
  // A copy that ends early (a replaced drive, a copy dropped in an earlier run) or an index
  // that predates the journal: a checkpoint makes every copy complete on its own again.
  // A failure is logged by the journal and leaves the segments in place: not fatal.
  if (seed || lagging) (void)store->journal_->CheckpointNow();
  return store;
}

}  // namespace strata::storage
