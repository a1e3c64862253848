// TombstoneCompactor: its decisions against a recording target, then its effect on a real
// LevelDB index (on-disk size of a bulk-deleted range, scans around it, shutdown while it works).
#include "storage/tombstone_compactor.h"

#include <algorithm>
#include <atomic>
#include <catch2/catch.hpp>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <mutex>
#include <random>
#include <sstream>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "storage/leveldb_metadata_store.h"
#include "storage/metadata_keys.h"
#include "tests/storage/result_string_maker.h"
#include "tests/storage/temp_dir_fake.h"

namespace strata::storage {
namespace {

using namespace std::chrono_literals;
using testing::TempDir;

// Records the ranges it is asked to compact; reports `bytes` for every range.
struct RecordingTarget {
  std::mutex mu;
  std::vector<std::pair<std::string, std::string>> compacted;
  std::atomic<uint64_t> bytes{0};
  std::atomic<int> compact_sleep_ms{0};
  std::atomic<int> started{0};

  TombstoneCompactor::Target Target() {
    return {
        .approximate_bytes = [this](std::string_view, std::string_view) { return bytes.load(); },
        .compact =
            [this](std::string_view begin, std::string_view end) {
              ++started;
              std::this_thread::sleep_for(std::chrono::milliseconds(compact_sleep_ms.load()));
              std::lock_guard lock(mu);
              compacted.emplace_back(begin, end);
            },
    };
  }
  std::vector<std::pair<std::string, std::string>> Compacted() {
    std::lock_guard lock(mu);
    return compacted;
  }
};

// Waits up to `timeout` for `done()`.
template <class F>
bool WaitFor(F done, std::chrono::milliseconds timeout = 20s) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (!done()) {
    if (std::chrono::steady_clock::now() > deadline) return false;
    std::this_thread::sleep_for(5ms);
  }
  return true;
}

std::string Numbered(std::string_view prefix, int i) {
  char digits[16];
  std::snprintf(digits, sizeof digits, "%08d", i);
  return std::string(prefix) + digits;
}

WriteBatch Deletes(std::string_view prefix, int from, int to) {
  WriteBatch batch;
  for (int i = from; i < to; ++i) batch.Delete(Numbered(prefix, i));
  return batch;
}

TEST_CASE("tombstone compactor: a region is the bucket part of a key, else its namespace") {
  CHECK(TombstoneCompactor::RegionOf(ObjectRecordKey("photos", "a/b")) ==
        ObjectRecordPrefix("photos"));
  CHECK(TombstoneCompactor::RegionOf(VersionRecordKey("photos", "a", "s")) ==
        VersionRecordPrefix("photos"));
  CHECK(TombstoneCompactor::RegionOf(BucketRecordKey("photos")) == "b/");
  CHECK(TombstoneCompactor::RegionOf(ObjectRecordKey(std::string(63, 'b'), "k")) ==
        ObjectRecordPrefix(std::string(63, 'b')));
  CHECK(TombstoneCompactor::RegionOf(std::string("x/") + std::string(64, 'b') + '\0' + "k") ==
        "x/");
  CHECK(TombstoneCompactor::RegionOf("z") == "z");
}

TEST_CASE("tombstone compactor: a region that reaches the threshold compacts its deleted range") {
  RecordingTarget target;
  TombstoneCompactor compactor({.threshold = 100, .delay = 0ms}, target.Target());
  const std::string prefix = ObjectRecordKey("b", "ckpt/");
  compactor.NoteDeletes(Deletes(prefix, 50, 99));    // 49 deletes
  compactor.NoteDeletes(Deletes(prefix, 10, 50));    // 89
  compactor.NoteDeletes(Deletes(prefix, 100, 111));  // 100: due
  REQUIRE(WaitFor([&] { return compactor.stats().compacted == 1; }));
  auto compacted = target.Compacted();
  REQUIRE(compacted.size() == 1);
  CHECK(compacted[0].first == Numbered(prefix, 10));
  CHECK(compacted[0].second == Numbered(prefix, 110));
  CHECK(compactor.stats().skipped == 0);
}

TEST_CASE(
    "tombstone compactor: deletes below the threshold, puts and other buckets compact "
    "nothing") {
  RecordingTarget target;
  TombstoneCompactor compactor({.threshold = 100, .delay = 0ms}, target.Target());
  compactor.NoteDeletes(Deletes(ObjectRecordKey("one", ""), 0, 60));
  compactor.NoteDeletes(Deletes(ObjectRecordKey("two", ""), 0, 60));
  compactor.NoteDeletes(Deletes(VersionRecordPrefix("one"), 0, 39));
  WriteBatch puts;
  for (int i = 0; i < 500; ++i) puts.Put(Numbered(ObjectRecordKey("one", ""), i), "v");
  compactor.NoteDeletes(puts);
  std::this_thread::sleep_for(100ms);
  CHECK(target.Compacted().empty());
  CHECK(compactor.stats().compacted == 0);
  // One more delete in bucket "one" still leaves it below: 60 + 39 of "v/one" do not add up.
  compactor.NoteDeletes(Deletes(ObjectRecordKey("one", ""), 60, 99));
  std::this_thread::sleep_for(100ms);
  CHECK(target.Compacted().empty());
}

TEST_CASE("tombstone compactor: a burst of deletes is compacted once, after it ends") {
  RecordingTarget target;
  TombstoneCompactor compactor({.threshold = 10, .delay = 400ms}, target.Target());
  const std::string prefix = ObjectRecordKey("b", "");
  // 10 batches 20 ms apart (well within the delay): one range, compacted after the last.
  for (int i = 0; i < 10; ++i) {
    compactor.NoteDeletes(Deletes(prefix, i * 10, i * 10 + 10));
    std::this_thread::sleep_for(20ms);
  }
  REQUIRE(WaitFor([&] { return compactor.stats().compacted == 1; }));
  std::this_thread::sleep_for(300ms);
  auto compacted = target.Compacted();
  REQUIRE(compacted.size() == 1);
  CHECK(compacted[0].first == Numbered(prefix, 0));
  CHECK(compacted[0].second == Numbered(prefix, 99));
}

TEST_CASE("tombstone compactor: the tail of a burst is compacted after it, a trickle is not") {
  RecordingTarget target;
  target.compact_sleep_ms = 200;
  TombstoneCompactor compactor({.threshold = 10, .delay = 0ms}, target.Target());
  const std::string prefix = ObjectRecordKey("b", "");
  compactor.NoteDeletes(Deletes(prefix, 0, 10));
  REQUIRE(WaitFor([&] { return target.started == 1; }));  // the first compaction is running
  // 5 deletes, below the threshold, but during the compaction: the burst's tail.
  compactor.NoteDeletes(Deletes(prefix, 100, 103));
  compactor.NoteDeletes(Deletes(prefix, 200, 202));
  REQUIRE(WaitFor([&] { return compactor.stats().compacted == 2; }));
  auto compacted = target.Compacted();
  REQUIRE(compacted.size() == 2);
  CHECK(compacted[0] == std::pair(Numbered(prefix, 0), Numbered(prefix, 9)));
  CHECK(compacted[1] == std::pair(Numbered(prefix, 100), Numbered(prefix, 201)));
  // A tail has no tail of its own: deletes after it wait for the threshold again.
  compactor.NoteDeletes(Deletes(prefix, 300, 303));
  std::this_thread::sleep_for(300ms);
  CHECK(compactor.stats().compacted == 2);
}

TEST_CASE("tombstone compactor: a scan in a due region compacts it without waiting for quiet") {
  RecordingTarget target;
  // A delay no test waits out: only a scan can start these compactions.
  TombstoneCompactor compactor({.threshold = 10, .delay = 600s}, target.Target());
  const std::string prefix = ObjectRecordKey("b", "c/");
  compactor.NoteDeletes(Deletes(prefix, 0, 9));  // below the threshold
  compactor.NoteScan(ObjectRecordKey("b", "a/"));
  std::this_thread::sleep_for(100ms);
  CHECK(target.started == 0);
  compactor.NoteDeletes(Deletes(prefix, 9, 20));  // due, but quiet only in 600 s
  compactor.NoteScan(ObjectRecordKey("other", ""));
  compactor.NoteScan(VersionRecordPrefix("b"));  // the bucket's versions: another region
  compactor.NoteScan(Numbered(prefix, 20));      // past the range: meets none of it
  std::this_thread::sleep_for(100ms);
  CHECK(target.started == 0);
  compactor.NoteScan(Numbered(prefix, 19));  // in it
  REQUIRE(WaitFor([&] { return compactor.stats().compacted == 1; }, 5s));
  auto compacted = target.Compacted();
  REQUIRE(compacted.size() == 1);
  CHECK(compacted[0] == std::pair(Numbered(prefix, 0), Numbered(prefix, 19)));
  // The burst's tail (below the threshold) waits for its quiet even with a reader.
  compactor.NoteDeletes(Deletes(prefix, 20, 25));
  compactor.NoteScan(ObjectRecordKey("b", "a/"));
  std::this_thread::sleep_for(200ms);
  CHECK(compactor.stats().compacted == 1);
  // A new full range does not: the scan takes it at once.
  compactor.NoteDeletes(Deletes(prefix, 25, 40));
  compactor.NoteScan(ObjectRecordKey("b", ""));
  REQUIRE(WaitFor([&] { return compactor.stats().compacted == 2; }, 5s));
  CHECK(target.Compacted()[1] == std::pair(Numbered(prefix, 20), Numbered(prefix, 39)));
}

TEST_CASE("tombstone compactor: a range far larger than its deletes is skipped") {
  RecordingTarget target;
  target.bytes = 100 * TombstoneCompactor::kMinCompactionBudgetBytes;
  TombstoneCompactor compactor({.threshold = 10, .delay = 0ms}, target.Target());
  compactor.NoteDeletes(Deletes(ObjectRecordKey("b", ""), 0, 10));
  REQUIRE(WaitFor([&] { return compactor.stats().skipped == 1; }));
  CHECK(target.Compacted().empty());
  CHECK(compactor.stats().compacted == 0);
}

TEST_CASE("tombstone compactor: a full region table evicts the region with the fewest deletes") {
  RecordingTarget target;
  TombstoneCompactor compactor({.threshold = 10, .delay = 0ms, .max_regions = 2}, target.Target());
  compactor.NoteDeletes(Deletes(ObjectRecordKey("heavy", ""), 0, 8));
  compactor.NoteDeletes(Deletes(ObjectRecordKey("light", ""), 0, 2));
  compactor.NoteDeletes(Deletes(ObjectRecordKey("third", ""), 0, 3));   // evicts "light"
  compactor.NoteDeletes(Deletes(ObjectRecordKey("light", ""), 2, 9));   // 7, counted anew; evicts
  compactor.NoteDeletes(Deletes(ObjectRecordKey("heavy", ""), 8, 10));  // 10: due
  REQUIRE(WaitFor([&] { return compactor.stats().compacted == 1; }));
  std::this_thread::sleep_for(50ms);
  auto compacted = target.Compacted();
  REQUIRE(compacted.size() == 1);
  CHECK(compacted[0].first == ObjectRecordKey("heavy", "00000000"));
}

TEST_CASE("tombstone compactor: destruction waits for a running compaction and drops due ones") {
  RecordingTarget target;
  target.compact_sleep_ms = 200;
  {
    TombstoneCompactor compactor({.threshold = 10, .delay = 0ms}, target.Target());
    compactor.NoteDeletes(Deletes(ObjectRecordKey("a", ""), 0, 10));
    REQUIRE(WaitFor([&] { return target.started == 1; }));
    compactor.NoteDeletes(Deletes(ObjectRecordKey("b", ""), 0, 10));  // due, behind "a"
  }
  // Returned only after the running compaction recorded itself; "b" never ran.
  auto compacted = target.Compacted();
  REQUIRE(compacted.size() == 1);
  CHECK(compacted[0].first == ObjectRecordKey("a", "00000000"));
}

// --- On a real LevelDB index ---

constexpr int kLive = 200;      // keys listed just before the deleted run
constexpr int kDeleted = 6000;  // above the production threshold (4096)
constexpr size_t kValueBytes = 1024;

// Incompressible (LevelDB compresses tables with Snappy), different for every key and round.
std::string ValueOf(int i, int round = 0) {
  std::mt19937_64 random(i * 7919 + round);
  std::string value(kValueBytes, '\0');
  for (char& c : value) c = static_cast<char>(random());
  return value;
}

std::unique_ptr<MetadataStore> Open(const std::string& dir, LevelDbOptions options) {
  auto opened = OpenLevelDbMetadataStore(dir, options);
  REQUIRE(opened);
  return std::move(*opened);
}

void Write(MetadataStore& store, const WriteBatch& batch) { REQUIRE_FALSE(store.Write(batch)); }

std::vector<std::string> ScanKeys(MetadataStore& store, std::string_view prefix) {
  std::vector<std::string> keys;
  auto cursor = store.Scan(prefix);
  for (; cursor->Valid(); cursor->Next()) keys.emplace_back(cursor->key());
  REQUIRE_FALSE(cursor->status());
  return keys;
}

// "o/b\0a/<n>" live keys, then kDeleted "o/b\0c/<n>" keys with kValueBytes values, written and
// then reopened so the values sit in a table on disk (reopening flushes the recovered log).
void FillAndPersist(const std::string& dir) {
  auto store = Open(dir, {.compact_after_deletes = 0});
  WriteBatch live;
  for (int i = 0; i < kLive; ++i) live.Put(Numbered(ObjectRecordKey("b", "a/"), i), "live");
  Write(*store, live);
  for (int from = 0; from < kDeleted; from += 1000) {
    WriteBatch batch;
    for (int i = from; i < from + 1000; ++i) {
      batch.Put(Numbered(ObjectRecordKey("b", "c/"), i), ValueOf(i));
    }
    Write(*store, batch);
  }
}

// Deletes every "c/" key except the multiples of 1000, in batches of 1000 (as DeleteObjects).
void DeleteRun(MetadataStore& store) {
  for (int from = 0; from < kDeleted; from += 1000) {
    WriteBatch batch;
    for (int i = from + 1; i < from + 1000; ++i)
      batch.Delete(Numbered(ObjectRecordKey("b", "c/"), i));
    Write(store, batch);
  }
}

// An index filled by FillAndPersist, reopened with `options`; the deleted run's range and its
// size on disk before any delete.
struct FilledIndex {
  explicit FilledIndex(const LevelDbOptions& options) {
    FillAndPersist(path);
    store = Open(path, options);
    before = RunBytes();
  }
  uint64_t RunBytes() { return LevelDbApproximateBytes(*store, begin, end).value(); }

  TempDir dir;
  const std::string path = dir.path() + "/index";
  const std::string begin = ObjectRecordKey("b", "c/");
  const std::string end = ObjectRecordKey("b", "d/");
  std::unique_ptr<MetadataStore> store;
  uint64_t before = 0;
};

TEST_CASE(
    "tombstone compaction on leveldb: a bulk-deleted range shrinks on disk, scans unchanged") {
  FilledIndex index({.compact_after_deletes = 4096, .tombstone_compaction_delay = 200ms});
  auto& store = index.store;
  const std::string& begin = index.begin;
  const uint64_t before = index.before;
  CHECK(before >= kDeleted * kValueBytes);
  const auto listed = ScanKeys(*store, ObjectRecordKey("b", "a/"));
  REQUIRE(listed.size() == kLive);

  DeleteRun(*store);
  uint64_t after = before;
  CHECK(WaitFor([&] {
    after = index.RunBytes();
    return after < before / 50 && LevelDbTombstoneCompactionStats(*store)->compacted >= 1;
  }));
  INFO("before " << before << " after " << after);
  CHECK(ScanKeys(*store, ObjectRecordKey("b", "a/")) == listed);
  // The keys the run spared survive, with their values.
  const auto survivors = ScanKeys(*store, begin);
  REQUIRE(survivors.size() == kDeleted / 1000);
  for (int i = 0; i < kDeleted / 1000; ++i) {
    CHECK(survivors[i] == Numbered(begin, i * 1000));
    auto value = store->Get(survivors[i]);
    REQUIRE(value);
    CHECK(*value == ValueOf(i * 1000));
  }
  CHECK_FALSE(store->Get(Numbered(begin, 1)).value());
  CHECK(LevelDbTombstoneCompactionStats(*store)->skipped == 0);
}

TEST_CASE("tombstone compaction on leveldb: a scan next to a bulk delete starts its compaction") {
  FilledIndex index({.compact_after_deletes = 4096, .tombstone_compaction_delay = 600s});
  auto& store = index.store;
  DeleteRun(*store);
  // A listing that starts past the run (a marker after it) meets none of its tombstones.
  auto past = store->Scan(ObjectRecordKey("b", ""));
  past->Seek(ObjectRecordKey("b", "d/"));
  CHECK_FALSE(past->Valid());
  std::this_thread::sleep_for(100ms);
  CHECK(LevelDbTombstoneCompactionStats(*store)->started == 0);  // the delay: 600 s
  // The listing of the live prefix right before the deleted run is what pays for it.
  CHECK(ScanKeys(*store, ObjectRecordKey("b", "a/")).size() == kLive);
  CHECK(WaitFor([&] {
    return LevelDbTombstoneCompactionStats(*store)->compacted == 1 &&
           index.RunBytes() < index.before / 50;
  }));
  CHECK(ScanKeys(*store, index.begin).size() == kDeleted / 1000);
}

TEST_CASE("tombstone compaction on leveldb: deletes below the threshold compact nothing") {
  FilledIndex index({.compact_after_deletes = kDeleted, .tombstone_compaction_delay = 0ms});
  DeleteRun(*index.store);  // kDeleted - kDeleted / 1000 deletes
  std::this_thread::sleep_for(200ms);
  CHECK(LevelDbTombstoneCompactionStats(*index.store)->compacted == 0);
  CHECK(index.RunBytes() == index.before);
  CHECK(ScanKeys(*index.store, index.begin).size() == kDeleted / 1000);
}

TEST_CASE("tombstone compaction on leveldb: closing the store while it compacts is clean") {
  TempDir dir;
  const std::string path = dir.path() + "/index";
  FillAndPersist(path);
  for (int round = 0; round < 3; ++round) {
    INFO("round " << round);
    {
      auto store = Open(path, {.compact_after_deletes = 1000, .tombstone_compaction_delay = 0ms});
      // Rewrite the run and delete it again: compactions are due, some running, as it closes.
      WriteBatch puts;
      for (int i = 0; i < kDeleted; ++i)
        puts.Put(Numbered(ObjectRecordKey("b", "c/"), i), ValueOf(i, round + 1));
      Write(*store, puts);
      DeleteRun(*store);
      // Round 0 closes at once (a compaction due or just taken), round 1 as soon as one began
      // (most likely still running: one takes tens of milliseconds here), round 2 a bit later.
      if (round == 1) {
        REQUIRE(WaitFor([&] { return LevelDbTombstoneCompactionStats(*store)->started >= 1; }));
      }
      if (round == 2) std::this_thread::sleep_for(5ms);
    }
    auto store = Open(path, {.compact_after_deletes = 0});
    CHECK(ScanKeys(*store, ObjectRecordKey("b", "a/")).size() == kLive);
    const auto survivors = ScanKeys(*store, ObjectRecordKey("b", "c/"));
    REQUIRE(survivors.size() == kDeleted / 1000);
    CHECK(store->Get(survivors[1]).value() == ValueOf(1000, round + 1));
  }
}

// Not run by default: `storage_tests "[.bench]"`. The time to list a 1000-key prefix that ends
// right before 50,000 deleted 4 KiB records: fresh, with the tombstones in the memtable, with
// them in a table (after a reopen), and after the compactor ran (a second index, same steps).
TEST_CASE("bench: listing next to 50,000 deleted keys (STRATA_BENCH_RUN to change)", "[.bench]") {
  static const int kRun =
      std::getenv("STRATA_BENCH_RUN") ? std::atoi(std::getenv("STRATA_BENCH_RUN")) : 50000;
  const std::string listed_prefix = ObjectRecordKey("b", "a/");
  auto fill = [&](MetadataStore& store) {
    WriteBatch live;
    for (int i = 0; i < 1000; ++i) live.Put(Numbered(listed_prefix, i), "live");
    Write(store, live);
    const std::string value(4096, 'x');
    for (int from = 0; from < kRun; from += 1000) {
      WriteBatch batch;
      for (int i = from; i < from + 1000; ++i) {
        batch.Put(Numbered(ObjectRecordKey("b", "c/"), i), value);
      }
      Write(store, batch);
    }
  };
  auto remove = [&](MetadataStore& store) {
    for (int from = 0; from < kRun; from += 1000)
      Write(store, Deletes(ObjectRecordKey("b", "c/"), from, from + 1000));
  };
  auto time_listing = [&](MetadataStore& store) {
    constexpr int kRounds = 20;
    const auto start = std::chrono::steady_clock::now();
    for (int round = 0; round < kRounds; ++round) {
      REQUIRE(ScanKeys(store, listed_prefix).size() == 1000);
    }
    return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start)
               .count() /
           kRounds;
  };

  TempDir dir;
  double fresh = 0, in_memtable = 0, in_table = 0, compacted = 0;
  {
    auto store = Open(dir.path() + "/before", {.compact_after_deletes = 0});
    fill(*store);
    fresh = time_listing(*store);
    remove(*store);
    in_memtable = time_listing(*store);
  }
  {
    auto store = Open(dir.path() + "/before", {.compact_after_deletes = 0});
    in_table = time_listing(*store);
  }
  // (STRATA_BENCH_RUN below the threshold: no compaction to wait for.)
  if (kRun >= 4096) {
    // Production settings (the index behind the journal is not synced).
    auto store = Open(dir.path() + "/after", {.sync = false});
    fill(*store);
    // Foreground writes (one 4 KiB record each, another bucket) until `until()`: their latencies
    // in microseconds, sorted.
    const std::string value(4096, 'w');
    int written = 0;
    auto write_until = [&](auto until) {
      std::vector<double> micros;
      while (!until()) {
        WriteBatch batch;
        batch.Put(Numbered(ObjectRecordKey("other", ""), written++), value);
        const auto start = std::chrono::steady_clock::now();
        Write(*store, batch);
        micros.push_back(
            std::chrono::duration<double, std::micro>(std::chrono::steady_clock::now() - start)
                .count());
        std::this_thread::sleep_for(200us);
      }
      std::sort(micros.begin(), micros.end());
      return micros;
    };
    auto summary = [](const std::vector<double>& micros) {
      std::ostringstream out;
      if (micros.empty()) return std::string("none");
      out << micros.size() << " writes, p50 " << micros[micros.size() / 2] << " us, p99 "
          << micros[micros.size() * 99 / 100] << " us, max " << micros.back() << " us";
      return out.str();
    };
    const auto quiet_end = std::chrono::steady_clock::now() + 500ms;
    const auto quiet = write_until([&] { return std::chrono::steady_clock::now() >= quiet_end; });
    remove(*store);
    const auto start = std::chrono::steady_clock::now();
    // (Puts do not delay the compaction: only deletes keep a region from being quiet.)
    const auto waiting =
        write_until([&] { return LevelDbTombstoneCompactionStats(*store)->started >= 1; });
    const auto during =
        write_until([&] { return LevelDbTombstoneCompactionStats(*store)->compacted >= 1; });
    const double waited =
        std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
    WARN("compacted " << waited << " ms after the last delete (delay 500 ms)");
    WARN("foreground puts before the deletes: " << summary(quiet)
                                                << "; after them: " << summary(waiting)
                                                << "; during the compaction: " << summary(during));
    compacted = time_listing(*store);
  }
  WARN("1000-key listing: fresh " << fresh << " ms; " << kRun
                                  << " tombstones after it in the memtable " << in_memtable
                                  << " ms, in a table " << in_table << " ms; after the compaction "
                                  << compacted << " ms");
}

}  // namespace
}  // namespace strata::storage
