#include "storage/index_journal.h"

#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <map>
#include <mutex>
#include <thread>
#include <vector>

#include "tests/storage/faulty_journal_dir_fake.h"
#include "tests/storage/result_string_maker.h"
#include "tests/storage/temp_dir_fake.h"

namespace strata::storage {
namespace {

namespace fs = std::filesystem;
using testing::TempDir;

std::vector<std::string> CopyPaths(const TempDir& tmp, int n) {
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

std::vector<JournalDir*> Raw(const std::vector<std::unique_ptr<JournalDir>>& dirs) {
  std::vector<JournalDir*> raw;
  for (const auto& d : dirs) raw.push_back(d.get());
  return raw;
}

std::string Describe(const WriteBatch& b) {
  std::string s;
  for (const auto& op : b.ops()) {
    s += op.is_delete ? "D(" + op.key + ")" : "P(" + op.key + "=" + op.value + ")";
  }
  return s;
}

WriteBatch MakeBatch(int i) {
  WriteBatch b;
  b.Put("key/" + std::to_string(i), "value " + std::to_string(i) + std::string(i % 7, 'x'));
  if (i % 3 == 0) b.Delete("key/" + std::to_string(i - 1));
  if (i % 5 == 0) b.Put(std::string("bin\0ary", 7), std::string(300, static_cast<char>(i)));
  return b;
}

// seq -> described batch, read back from the copies.
std::map<uint64_t, std::string> ReadBack(const std::vector<std::string>& paths, uint64_t from = 1) {
  auto dirs = OpenCopies(paths);
  std::map<uint64_t, std::string> out;
  auto last = ReplayJournal(Raw(dirs), from, [&](const JournalRecord& r) {
    out[r.seq] = Describe(r.batch);
    return boost::system::error_code();
  });
  REQUIRE(last);
  CHECK(*last == (out.empty() ? from - 1 : out.rbegin()->first));
  return out;
}

std::unique_ptr<IndexJournal> OpenJournal(const std::vector<std::string>& paths,
                                          uint64_t next_seq = 1, IndexJournalOptions options = {},
                                          JournalApplyFn apply = {}, CheckpointSource source = {}) {
  if (!options.log) options.log = [](const std::string&) {};
  auto j = IndexJournal::Open(OpenCopies(paths), next_seq, std::move(options), std::move(apply),
                              std::move(source));
  REQUIRE(j);
  return std::move(*j);
}

std::vector<std::string> FilesMatching(const std::string& dir, const std::string& prefix) {
  std::vector<std::string> names;
  for (const auto& e : fs::directory_iterator(dir)) {
    const std::string name = e.path().filename().string();
    if (name.starts_with(prefix)) names.push_back(name);
  }
  std::sort(names.begin(), names.end());
  return names;
}

// After a tear in the 10th of 10 records: the copies end at 9, and a journal reopened there
// continues after the last valid record.
void CheckEndsAfterNineAndContinues(const std::vector<std::string>& paths) {
  auto back = ReadBack(paths);
  CHECK(back.size() == 9);
  auto dirs = OpenCopies(paths);
  auto info = InspectJournal(Raw(dirs));
  REQUIRE(info);
  CHECK(info->max_seq == 9);
  {
    auto j = OpenJournal(paths, info->max_seq + 1);
    auto seq = j->Append(MakeBatch(77));
    REQUIRE(seq);
    CHECK(*seq == 10);
  }
  back = ReadBack(paths);
  REQUIRE(back.size() == 10);
  CHECK(back[10] == Describe(MakeBatch(77)));
}

TEST_CASE("Appended batches replay in order with their seqs from every copy") {
  TempDir tmp;
  const auto paths = CopyPaths(tmp, 3);
  {
    auto j = OpenJournal(paths);
    for (int i = 1; i <= 50; ++i) {
      auto seq = j->Append(MakeBatch(i));
      REQUIRE(seq);
      CHECK(*seq == static_cast<uint64_t>(i));
    }
    CHECK(j->Counters().records == 50);
  }
  auto back = ReadBack(paths);
  REQUIRE(back.size() == 50);
  for (int i = 1; i <= 50; ++i) CHECK(back[i] == Describe(MakeBatch(i)));
  // Each copy alone holds everything.
  for (const auto& p : paths) CHECK(ReadBack({p}).size() == 50);
  CHECK(ReadBack(paths, 41).size() == 10);
}

TEST_CASE("Concurrent appends share group commits and every acknowledged batch survives") {
  TempDir tmp;
  const auto paths = CopyPaths(tmp, 3);
  std::mutex mu;
  std::map<uint64_t, std::string> acked;
  std::vector<uint64_t> applied_order;
  {
    auto j = OpenJournal(paths, 1, {}, [&](uint64_t first, std::span<const WriteBatch* const> bs) {
      std::lock_guard l(mu);
      for (size_t i = 0; i < bs.size(); ++i) applied_order.push_back(first + i);
      return boost::system::error_code();
    });
    std::vector<std::thread> threads;
    for (int t = 0; t < 16; ++t) {
      threads.emplace_back([&, t] {
        for (int i = 0; i < 40; ++i) {
          WriteBatch b = MakeBatch(t * 1000 + i);
          auto seq = j->Append(b);
          REQUIRE(seq);
          std::lock_guard l(mu);
          acked[*seq] = Describe(b);
        }
      });
    }
    for (auto& th : threads) th.join();
    const JournalCounters c = j->Counters();
    CHECK(c.records == 640);
    CHECK(c.groups < c.records);  // some writers shared a sync
  }
  REQUIRE(acked.size() == 640);
  auto back = ReadBack(paths);
  CHECK(back == acked);
  // The apply function saw the groups in seq order, each seq once.
  REQUIRE(applied_order.size() == 640);
  for (size_t i = 0; i < applied_order.size(); ++i) CHECK(applied_order[i] == i + 1);
}

TEST_CASE("A torn tail record is ignored and the journal ends before it") {
  TempDir tmp;
  const auto paths = CopyPaths(tmp, 3);
  {
    auto j = OpenJournal(paths);
    for (int i = 1; i <= 10; ++i) REQUIRE(j->Append(MakeBatch(i)));
  }
  const uint64_t record10 = 12 + 8 + 1 + 1 + 1 + 7 + 1 + 16;  // bigger than 20 bytes, tail cut
  for (const auto& p : paths) {
    const auto segs = FilesMatching(p, "journal-");
    REQUIRE(segs.size() == 1);
    const auto file = p + "/" + segs[0];
    fs::resize_file(file, fs::file_size(file) - record10 / 2);
  }
  CheckEndsAfterNineAndContinues(paths);
}

TEST_CASE("A live segment runs ahead of its records in zeros that replay takes as its end") {
  TempDir tmp;
  const auto paths = CopyPaths(tmp, 3);
  WriteBatch big;
  big.Put("big", std::string(8000, 'b'));
  uint64_t frame_bytes = 0;
  {
    auto j = OpenJournal(paths);
    // More than one preallocation step (1 MiB) of records.
    for (int i = 1; i <= 300; ++i) REQUIRE(j->Append(i % 2 == 0 ? big : MakeBatch(i)));
    frame_bytes = j->Counters().bytes;
    REQUIRE(frame_bytes > (1u << 20));
    // As a crash would leave them: the segments hold zeros beyond the last record.
    for (const auto& p : paths) {
      const auto segs = FilesMatching(p, "journal-");
      REQUIRE(segs.size() == 1);
      CHECK(fs::file_size(p + "/" + segs[0]) > frame_bytes);
    }
    auto back = ReadBack(paths);
    REQUIRE(back.size() == 300);
    CHECK(back[300] == Describe(big));
    CHECK(back[299] == Describe(MakeBatch(299)));
    auto dirs = OpenCopies(paths);
    auto info = InspectJournal(Raw(dirs));
    REQUIRE(info);
    CHECK(info->max_seq == 300);
  }
  // Closed: each segment is cut to its records.
  for (const auto& p : paths) {
    const auto segs = FilesMatching(p, "journal-");
    REQUIRE(segs.size() == 1);
    CHECK(fs::file_size(p + "/" + segs[0]) == frame_bytes);
  }
}

TEST_CASE("A record torn before the preallocated zeros ends the journal before it") {
  TempDir tmp;
  const auto paths = CopyPaths(tmp, 3);
  uint64_t frame_bytes = 0;
  {
    auto j = OpenJournal(paths);
    for (int i = 1; i <= 10; ++i) REQUIRE(j->Append(MakeBatch(i)));
    frame_bytes = j->Counters().bytes;
  }
  // A crash during the 10th record's write: its last bytes never reached the disk, and the
  // preallocated zeros follow.
  for (const auto& p : paths) {
    const auto file = p + "/" + FilesMatching(p, "journal-").at(0);
    fs::resize_file(file, frame_bytes - 5);
    fs::resize_file(file, frame_bytes + (1u << 20));
  }
  CheckEndsAfterNineAndContinues(paths);
}

void FlipByte(const std::string& file, uint64_t offset) {
  std::fstream f(file, std::ios::in | std::ios::out | std::ios::binary);
  REQUIRE(f);
  f.seekg(static_cast<std::streamoff>(offset));
  char c = 0;
  f.read(&c, 1);
  c = static_cast<char>(c ^ 0x5a);
  f.seekp(static_cast<std::streamoff>(offset));
  f.write(&c, 1);
}

TEST_CASE("A corrupt record in one copy is read from another copy") {
  TempDir tmp;
  const auto paths = CopyPaths(tmp, 3);
  {
    auto j = OpenJournal(paths);
    for (int i = 1; i <= 30; ++i) REQUIRE(j->Append(MakeBatch(i)));
  }
  // Copy 0: a byte in the middle; copy 1: a byte near the start (different records).
  const std::string seg0 = paths[0] + "/" + FilesMatching(paths[0], "journal-")[0];
  const std::string seg1 = paths[1] + "/" + FilesMatching(paths[1], "journal-")[0];
  FlipByte(seg0, fs::file_size(seg0) / 2);
  FlipByte(seg1, 40);
  // Alone, each damaged copy stops before its bad record.
  CHECK(ReadBack({paths[0]}).size() < 30);
  CHECK(ReadBack({paths[1]}).size() < 5);
  // Together they still give all 30, exact.
  auto back = ReadBack({paths[0], paths[1]});
  REQUIRE(back.size() == 30);
  for (int i = 1; i <= 30; ++i) CHECK(back[i] == Describe(MakeBatch(i)));
}

// The index a test journal checkpoints: the apply function fills a memory store.
struct TestIndex {
  std::unique_ptr<MetadataStore> store = NewMemoryMetadataStore();
  JournalApplyFn Apply() {
    return [this](uint64_t, std::span<const WriteBatch* const> bs) {
      for (const WriteBatch* b : bs) {
        if (auto ec = store->Write(*b)) return ec;
      }
      return boost::system::error_code();
    };
  }
  CheckpointSource Source() {
    CheckpointSource s;
    s.cursor = [this] { return store->Scan(""); };
    s.flush = [] { return boost::system::error_code(); };
    return s;
  }
};

TEST_CASE("Checkpoints space out as the index grows: snapshots stay proportional to the journal") {
  TempDir tmp;
  const auto paths = CopyPaths(tmp, 2);
  TestIndex index;
  IndexJournalOptions options;
  options.segment_bytes = 4096;
  // Every record adds a key: the index grows with the journal.
  auto append_growing = [](IndexJournal& journal, int first, int last) {
    for (int i = first; i <= last; ++i) {
      WriteBatch b;
      b.Put("grow/" + std::to_string(i), std::string(100, 'v'));
      REQUIRE(journal.Append(b));
      journal.WaitForCheckpoint();
    }
  };
  auto j = OpenJournal(paths, 1, options, index.Apply(), index.Source());
  append_growing(*j, 1, 1500);
  const JournalCounters c = j->Counters();
  INFO("journal " << c.bytes << " B, " << c.checkpoints << " snapshots of " << c.snapshot_bytes
                  << " B");
  CHECK(c.checkpoints >= 3);
  CHECK(c.checkpoint_failures == 0);
  // A snapshot per 4 KiB of journal would have written ~100 times the journal (each snapshot is
  // the whole index); spaced by their own size, the snapshots double at most.
  CHECK(c.snapshot_bytes <= 2 * c.bytes + options.segment_bytes);

  // Reopened, the newest snapshot spaces the next checkpoint: 4 KiB more journal takes none.
  j.reset();
  auto reopened = OpenJournal(paths, 1501, options, index.Apply(), index.Source());
  append_growing(*reopened, 1501, 1600);
  CHECK(reopened->Counters().bytes > options.segment_bytes);
  CHECK(reopened->Counters().checkpoints == 0);
}

std::map<std::string, std::string> Contents(MetadataStore& store) {
  std::map<std::string, std::string> out;
  for (auto c = store.Scan(""); c->Valid(); c->Next()) out[std::string(c->key())] = c->value();
  return out;
}

TEST_CASE("A checkpoint writes a snapshot and deletes the segments it covers") {
  TempDir tmp;
  const auto paths = CopyPaths(tmp, 3);
  TestIndex index;
  IndexJournalOptions options;
  options.segment_bytes = 4096;
  {
    auto j = OpenJournal(paths, 1, options, index.Apply(), index.Source());
    for (int i = 1; i <= 200; ++i) {
      REQUIRE(j->Append(MakeBatch(i)));
      if (i % 50 == 0) j->WaitForCheckpoint();
    }
    j->WaitForCheckpoint();
    CHECK(j->Counters().checkpoints >= 2);
    CHECK(j->Counters().checkpoint_failures == 0);
  }
  auto dirs = OpenCopies(paths);
  auto info = InspectJournal(Raw(dirs));
  REQUIRE(info);
  REQUIRE(info->snapshot_seq);
  CHECK(*info->snapshot_seq > 1);
  CHECK(info->max_seq == 200);
  for (const auto& p : paths) {
    // One snapshot per copy; no segment wholly covered by it is left.
    const auto snaps = FilesMatching(p, "snapshot-");
    REQUIRE(snaps.size() == 1);
    CHECK(snaps[0] == JournalSnapshotName(*info->snapshot_seq));
    for (const auto& seg : FilesMatching(p, "journal-")) {
      CHECK(seg > JournalSegmentName(*info->snapshot_seq));
    }
  }
  // Snapshot + the records after it == the index.
  auto rebuilt = NewMemoryMetadataStore();
  WriteBatch load;
  REQUIRE_FALSE(ReadSnapshot(*dirs[info->snapshot_copy], *info->snapshot_seq,
                             [&](std::string_view k, std::string_view v) {
                               load.Put(k, v);
                               return boost::system::error_code();
                             }));
  REQUIRE_FALSE(rebuilt->Write(load));
  auto last = ReplayJournal(Raw(dirs), *info->snapshot_seq + 1,
                            [&](const JournalRecord& r) { return rebuilt->Write(r.batch); });
  REQUIRE(last);
  CHECK(*last == 200);
  CHECK(Contents(*rebuilt) == Contents(*index.store));
}

TEST_CASE("A snapshot of several MiB, written behind a MiB at a time, reads back whole") {
  TempDir tmp;
  const auto paths = CopyPaths(tmp, 2);
  TestIndex index;
  {
    auto j = OpenJournal(paths, 1, {}, index.Apply(), index.Source());
    for (int i = 1; i <= 40; ++i) {  // ~5 MiB of values, so the snapshot spans many steps
      WriteBatch b;
      b.Put("big/" + std::to_string(i),
            std::string(128 * 1024 + i, static_cast<char>('a' + i % 26)));
      REQUIRE(j->Append(b));
    }
    REQUIRE_FALSE(j->CheckpointNow());
  }
  auto dirs = OpenCopies(paths);
  for (auto& dir : dirs) {
    CHECK(fs::file_size(dir->path() + "/" + JournalSnapshotName(40)) > (5u << 20));
    std::map<std::string, std::string> back;
    REQUIRE_FALSE(ReadSnapshot(*dir, 40, [&](std::string_view key, std::string_view value) {
      back.emplace(key, value);
      return boost::system::error_code();
    }));
    CHECK(back == Contents(*index.store));
  }
}

TEST_CASE("A snapshot with a flipped byte is not used") {
  TempDir tmp;
  const auto paths = CopyPaths(tmp, 1);
  TestIndex index;
  {
    auto j = OpenJournal(paths, 1, {}, index.Apply(), index.Source());
    for (int i = 1; i <= 20; ++i) REQUIRE(j->Append(MakeBatch(i)));
    REQUIRE_FALSE(j->CheckpointNow());
  }
  const std::string snap = paths[0] + "/" + JournalSnapshotName(20);
  REQUIRE(fs::exists(snap));
  FlipByte(snap, fs::file_size(snap) / 2);
  auto dirs = OpenCopies(paths);
  auto info = InspectJournal(Raw(dirs));
  REQUIRE(info);
  CHECK_FALSE(info->snapshot_seq);
  CHECK(ReadSnapshot(*dirs[0], 20, {}) == make_error_code(Errc::kCorrupt));
}

TEST_CASE("A failing copy is dropped while a majority remains, and appends fail below it") {
  TempDir tmp;
  const auto paths = CopyPaths(tmp, 3);
  std::vector<testing::FaultyJournalDir*> faulty(3);
  std::vector<std::unique_ptr<JournalDir>> dirs;
  for (int i = 0; i < 3; ++i) dirs.push_back(testing::OpenFaultyJournalDir(paths[i], &faulty[i]));
  IndexJournalOptions options;
  std::vector<std::string> logged;
  options.log = [&logged](const std::string& m) { logged.push_back(m); };
  auto opened = IndexJournal::Open(std::move(dirs), 1, options, {}, {});
  REQUIRE(opened);
  auto& j = **opened;
  REQUIRE(j.Append(MakeBatch(1)));
  *faulty[2]->fail_writes = true;
  for (int i = 2; i <= 5; ++i) REQUIRE(j.Append(MakeBatch(i)));
  CHECK(j.Counters().copies_live == 2);
  CHECK(j.Counters().copies_dropped == 1);
  REQUIRE_FALSE(logged.empty());
  CHECK(logged[0].find(paths[2]) != std::string::npos);
  // The dropped copy stays dropped even when its drive recovers.
  *faulty[2]->fail_writes = false;
  REQUIRE(j.Append(MakeBatch(6)));
  CHECK(ReadBack({paths[2]}).size() == 1);
  CHECK(ReadBack({paths[0]}).size() == 6);
  // A second failure leaves one of three: below the majority.
  *faulty[1]->fail_writes = true;
  auto r = j.Append(MakeBatch(7));
  REQUIRE_FALSE(r);
  CHECK(r.error() == make_error_code(Errc::kUnavailable));
  *faulty[1]->fail_writes = false;
  auto again = j.Append(MakeBatch(8));
  REQUIRE_FALSE(again);
  CHECK(again.error() == make_error_code(Errc::kUnavailable));
}

TEST_CASE("Opening with fewer reachable copies than required fails") {
  TempDir tmp;
  const auto paths = CopyPaths(tmp, 3);
  std::vector<std::unique_ptr<JournalDir>> dirs;
  dirs.push_back(std::move(*OpenLocalJournalDir(paths[0])));
  dirs.push_back(nullptr);
  dirs.push_back(nullptr);
  IndexJournalOptions options;
  options.log = [](const std::string&) {};
  auto j = IndexJournal::Open(std::move(dirs), 1, options, {}, {});
  REQUIRE_FALSE(j);
  CHECK(j.error() == make_error_code(Errc::kUnavailable));
}

TEST_CASE("Garbage files in a copy folder are not records") {
  TempDir tmp;
  const auto paths = CopyPaths(tmp, 1);
  fs::create_directories(paths[0]);
  {
    std::ofstream f(paths[0] + "/" + JournalSegmentName(1), std::ios::binary);
    f << std::string(100, 'J') << "LNRJ" << std::string(5000, '\xff');
  }
  {
    std::ofstream f(paths[0] + "/" + JournalSnapshotName(7), std::ios::binary);
    f << "SNAP" << std::string(12, '\xff');
  }
  auto dirs = OpenCopies(paths);
  auto info = InspectJournal(Raw(dirs));
  REQUIRE(info);
  CHECK_FALSE(info->has_data);
  CHECK(ReadBack(paths).empty());
}

}  // namespace
}  // namespace strata::storage
