#include "storage/journaled_metadata_store.h"

#include <catch2/catch.hpp>
#include <filesystem>
#include <map>
#include <mutex>
#include <thread>
#include <vector>

#include "tests/storage/result_string_maker.h"
#include "tests/storage/temp_dir_fake.h"

namespace strata::storage {
namespace {

namespace fs = std::filesystem;
using testing::TempDir;

// A store that forwards to a shared memory store, so a test keeps the index across reopen and
// can swap it for an older copy (an index that lost its unsynced writes).
class SharedStore final : public MetadataStore {
 public:
  explicit SharedStore(std::shared_ptr<MetadataStore> inner) : inner_(std::move(inner)) {}
  Result<std::optional<std::string>> Get(std::string_view key) override { return inner_->Get(key); }
  boost::system::error_code Write(const WriteBatch& b) override { return inner_->Write(b); }
  std::unique_ptr<Cursor> Scan(std::string_view p) override { return inner_->Scan(p); }

 private:
  std::shared_ptr<MetadataStore> inner_;
};

std::vector<std::string> CopyPaths(const TempDir& tmp, int n = 3) {
  std::vector<std::string> paths;
  for (int i = 0; i < n; ++i) paths.push_back(tmp.path() + "/drive" + std::to_string(i) + "/j");
  return paths;
}

std::vector<std::unique_ptr<JournalDir>> OpenCopies(const std::vector<std::string>& paths) {
  std::vector<std::unique_ptr<JournalDir>> dirs;
  for (const auto& p : paths) {
    auto d = OpenLocalJournalDir(p);
    REQUIRE(d);
    dirs.push_back(std::move(*d));
  }
  return dirs;
}

IndexJournalOptions Quiet() {
  IndexJournalOptions o;
  o.log = [](const std::string&) {};
  return o;
}

Result<std::unique_ptr<JournaledMetadataStore>> Open(std::shared_ptr<MetadataStore> index,
                                                     const std::vector<std::string>& paths,
                                                     std::string* detail = nullptr,
                                                     IndexJournalOptions options = Quiet()) {
  return OpenJournaledMetadataStore(std::make_unique<SharedStore>(std::move(index)),
                                    OpenCopies(paths), std::move(options), detail);
}

// Every key/value except the journal position.
std::map<std::string, std::string> Contents(MetadataStore& store) {
  std::map<std::string, std::string> out;
  for (auto c = store.Scan(""); c->Valid(); c->Next()) {
    if (c->key() != kJournalSeqKey) out[std::string(c->key())] = c->value();
  }
  return out;
}

std::shared_ptr<MetadataStore> CopyOf(Cursor& cursor) {
  std::shared_ptr<MetadataStore> copy = NewMemoryMetadataStore();
  WriteBatch b;
  for (; cursor.Valid(); cursor.Next()) b.Put(cursor.key(), cursor.value());
  REQUIRE_FALSE(copy->Write(b));
  return copy;
}

void PutKey(MetadataStore& store, const std::string& key, const std::string& value) {
  WriteBatch b;
  b.Put(key, value);
  REQUIRE_FALSE(store.Write(b));
}

TEST_CASE("Writes reach the index with the journal position and survive a reopen") {
  TempDir tmp;
  const auto paths = CopyPaths(tmp);
  auto opened = OpenLevelDbMetadataStore(tmp.path() + "/index", {.sync = false});
  REQUIRE(opened);
  {
    auto store = OpenJournaledMetadataStore(std::move(*opened), OpenCopies(paths), Quiet());
    REQUIRE(store);
    for (int i = 0; i < 20; ++i) PutKey(**store, "k" + std::to_string(i), "v" + std::to_string(i));
    WriteBatch del;
    del.Delete("k3");
    REQUIRE_FALSE((*store)->Write(del));
    auto got = (*store)->Get("k7");
    REQUIRE(got);
    CHECK(**got == "v7");
    auto seq = ReadAppliedSeq(**store);
    REQUIRE(seq);
    CHECK(**seq == 21);
  }
  auto reopened = OpenLevelDbMetadataStore(tmp.path() + "/index", {.sync = false});
  REQUIRE(reopened);
  auto store = OpenJournaledMetadataStore(std::move(*reopened), OpenCopies(paths), Quiet());
  REQUIRE(store);
  CHECK((*store)->replayed_at_open() == 0);
  auto c = Contents(**store);
  CHECK(c.size() == 19);
  CHECK_FALSE(c.contains("k3"));
  PutKey(**store, "after", "reopen");
  CHECK(**ReadAppliedSeq(**store) == 22);
}

TEST_CASE("Reopening replays the journal records an index lost") {
  TempDir tmp;
  const auto paths = CopyPaths(tmp);
  auto index = std::shared_ptr<MetadataStore>(NewMemoryMetadataStore());
  std::unique_ptr<Cursor> old_state;
  std::map<std::string, std::string> expected;
  {
    auto store = Open(index, paths);
    REQUIRE(store);
    for (int i = 0; i < 10; ++i) PutKey(**store, "a" + std::to_string(i), "1");
    old_state = index->Scan("");  // what the index had durably before it "crashed"
    for (int i = 0; i < 10; ++i) PutKey(**store, "b" + std::to_string(i), "2");
    WriteBatch b;
    b.Delete("a0");
    b.Put("a1", "overwritten");
    REQUIRE_FALSE((*store)->Write(b));
    expected = Contents(**store);
  }
  auto older = CopyOf(*old_state);
  CHECK(Contents(*older).size() == 10);
  auto store = Open(older, paths);
  REQUIRE(store);
  CHECK((*store)->replayed_at_open() == 11);
  CHECK(Contents(**store) == expected);
}

TEST_CASE("Concurrent writers each read their own write and all survive a lost index") {
  TempDir tmp;
  const auto paths = CopyPaths(tmp);
  auto index = std::shared_ptr<MetadataStore>(NewMemoryMetadataStore());
  std::unique_ptr<Cursor> empty_state = NewMemoryMetadataStore()->Scan("");
  std::map<std::string, std::string> expected;
  {
    auto store = Open(index, paths);
    REQUIRE(store);
    std::vector<std::thread> threads;
    std::mutex mu;
    for (int t = 0; t < 16; ++t) {
      threads.emplace_back([&, t] {
        for (int i = 0; i < 30; ++i) {
          const std::string key = "t" + std::to_string(t) + "/" + std::to_string(i);
          PutKey(**store, key, key);
          auto got = (*store)->Get(key);
          REQUIRE(got);
          REQUIRE(*got);
          CHECK(**got == key);
          std::lock_guard l(mu);
          expected[key] = key;
        }
      });
    }
    for (auto& th : threads) th.join();
    CHECK((*store)->journal().Counters().groups < 480);
  }
  // The index reverts to its state before the first write: everything comes back from the
  // journal (its position key was written at open, so this is a replay, not a rebuild).
  auto reverted = std::shared_ptr<MetadataStore>(NewMemoryMetadataStore());
  PutKey(*reverted, std::string(kJournalSeqKey), "0");
  auto store = Open(reverted, paths);
  REQUIRE(store);
  CHECK(Contents(**store) == expected);
}

TEST_CASE("An index without a journal position over a journal with records is refused") {
  TempDir tmp;
  const auto paths = CopyPaths(tmp);
  {
    auto store = Open(std::shared_ptr<MetadataStore>(NewMemoryMetadataStore()), paths);
    REQUIRE(store);
    PutKey(**store, "x", "y");
  }
  std::string detail;
  auto store = Open(std::shared_ptr<MetadataStore>(NewMemoryMetadataStore()), paths, &detail);
  REQUIRE_FALSE(store);
  CHECK(store.error() == make_error_code(Errc::kCorrupt));
  CHECK(detail.find("--rebuild-index") != std::string::npos);
}

TEST_CASE("An index that predates the journal is checkpointed at open") {
  TempDir tmp;
  const auto paths = CopyPaths(tmp);
  auto index = std::shared_ptr<MetadataStore>(NewMemoryMetadataStore());
  PutKey(*index, "b/old-bucket", "record");
  {
    auto store = Open(index, paths);
    REQUIRE(store);
    PutKey(**store, "b/new-bucket", "record");
  }
  auto dirs = OpenCopies(paths);
  std::vector<JournalDir*> raw;
  for (auto& d : dirs) raw.push_back(d.get());
  auto info = InspectJournal(raw);
  REQUIRE(info);
  REQUIRE(info->snapshot_seq);
  CHECK(*info->snapshot_seq == 0);
  CHECK(info->max_seq == 1);
  // Snapshot 0 holds the old bucket; record 1 the new one.
  std::map<std::string, std::string> rebuilt;
  REQUIRE_FALSE(
      ReadSnapshot(*dirs[info->snapshot_copy], 0, [&](std::string_view k, std::string_view v) {
        rebuilt[std::string(k)] = v;
        return boost::system::error_code();
      }));
  CHECK(rebuilt.contains("b/old-bucket"));
  CHECK_FALSE(rebuilt.contains("b/new-bucket"));
}

TEST_CASE("A copy that lost its files gets a checkpoint at open and is complete alone") {
  TempDir tmp;
  const auto paths = CopyPaths(tmp);
  auto index = std::shared_ptr<MetadataStore>(NewMemoryMetadataStore());
  {
    auto store = Open(index, paths);
    REQUIRE(store);
    for (int i = 0; i < 5; ++i) PutKey(**store, "k" + std::to_string(i), "v");
  }
  fs::remove_all(paths[2]);  // a replaced drive
  {
    auto store = Open(index, paths);
    REQUIRE(store);
    CHECK((*store)->journal().Counters().checkpoints == 1);
    PutKey(**store, "k5", "v");
  }
  CHECK(fs::exists(paths[2] + "/" + JournalSnapshotName(5)));
  // Copy 2 alone: snapshot 5 + record 6 == the index.
  auto d = OpenLocalJournalDir(paths[2]);
  REQUIRE(d);
  JournalDir* raw = d->get();
  std::shared_ptr<MetadataStore> rebuilt = NewMemoryMetadataStore();
  WriteBatch load;
  REQUIRE_FALSE(ReadSnapshot(*raw, 5, [&](std::string_view k, std::string_view v) {
    load.Put(k, v);
    return boost::system::error_code();
  }));
  REQUIRE_FALSE(rebuilt->Write(load));
  auto last = ReplayJournal(std::span(&raw, 1), 6, [&](const JournalRecord& r) {
    const WriteBatch* one = &r.batch;
    return ApplyJournalBatches(*rebuilt, r.seq, std::span(&one, 1));
  });
  REQUIRE(last);
  CHECK(*last == 6);
  CHECK(Contents(*rebuilt) == Contents(*index));
}

TEST_CASE("An index behind a checkpoint whose records are gone is refused") {
  TempDir tmp;
  const auto paths = CopyPaths(tmp);
  auto index = std::shared_ptr<MetadataStore>(NewMemoryMetadataStore());
  std::unique_ptr<Cursor> old_state;
  {
    auto store = Open(index, paths);
    REQUIRE(store);
    PutKey(**store, "a", "1");
    old_state = index->Scan("");
    PutKey(**store, "b", "2");
    REQUIRE_FALSE((*store)->journal().CheckpointNow());  // deletes the segment with 1 and 2
    PutKey(**store, "c", "3");
  }
  std::string detail;
  auto store = Open(CopyOf(*old_state), paths, &detail);
  REQUIRE_FALSE(store);
  CHECK(store.error() == make_error_code(Errc::kCorrupt));
  CHECK(detail.find("--rebuild-index") != std::string::npos);
}

TEST_CASE("Writes fail with kUnavailable when the journal has too few copies") {
  TempDir tmp;
  auto paths = CopyPaths(tmp);
  auto index = std::shared_ptr<MetadataStore>(NewMemoryMetadataStore());
  std::vector<std::unique_ptr<JournalDir>> dirs;
  dirs.push_back(std::move(*OpenLocalJournalDir(paths[0])));
  dirs.push_back(nullptr);
  dirs.push_back(nullptr);
  auto store =
      OpenJournaledMetadataStore(std::make_unique<SharedStore>(index), std::move(dirs), Quiet());
  REQUIRE_FALSE(store);
  CHECK(store.error() == make_error_code(Errc::kUnavailable));
}

}  // namespace
}  // namespace strata::storage
