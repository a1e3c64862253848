// ChunkStore::HealBlob and the background healer fed by readers that find damage.
#include <atomic>
#include <catch2/catch.hpp>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <thread>

#include "erasure/chunk_store.h"
#include "tests/erasure/store_fixture.h"

namespace strata::erasure {
namespace {

using testing::DriveOp;
using testing::FilesUnder;
using testing::FlipByte;
using testing::RandomBytes;
using testing::ReadFile;
using testing::StoreFixture;

std::string OnlyShard(const StoreFixture& fx, size_t drive) {
  auto files = fx.ShardFiles(drive);
  REQUIRE(files.size() == 1);
  return files[0];
}

// Every shard file of a one-blob store, by drive.
std::vector<std::string> ShardBytes(const StoreFixture& fx) {
  std::vector<std::string> out;
  for (size_t d = 0; d < fx.num_drives(); ++d) out.push_back(ReadFile(OnlyShard(fx, d)));
  return out;
}

size_t TempFiles(const StoreFixture& fx) {
  size_t n = 0;
  for (size_t d = 0; d < fx.num_drives(); ++d) n += FilesUnder(fx.dir(d) + "/tmp").size();
  return n;
}

ChunkStoreOptions HealerOptions() {
  ChunkStoreOptions options;
  options.start_healer = true;
  options.heal_bytes_per_second = 0;
  return options;
}

// Polls until pred() or the deadline; returns pred().
template <class Pred>
bool WaitFor(Pred pred, std::chrono::milliseconds limit = std::chrono::seconds(10)) {
  const auto deadline = std::chrono::steady_clock::now() + limit;
  while (!pred() && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  return pred();
}

TEST_CASE("Healing a healthy blob finds nothing and writes nothing", "[heal]") {
  StoreFixture fx(4, 2, 64);
  const auto data = RandomBytes(4 * 64 * 3 + 17, 1);
  const BlobRef ref = fx.Put(data);
  const auto before = ShardBytes(fx);
  const auto mtime = std::filesystem::last_write_time(OnlyShard(fx, 5));
  auto report = fx.store().HealBlob(ref);
  REQUIRE(report);
  CHECK_FALSE(report->damaged());
  CHECK(report->healthy());
  CHECK(report->rewritten.empty());
  CHECK(report->bytes_written == 0);
  CHECK(report->bytes_read >= data.size());
  CHECK(ShardBytes(fx) == before);
  CHECK(std::filesystem::last_write_time(OnlyShard(fx, 5)) == mtime);
}

TEST_CASE("Missing shard files are rebuilt byte-for-byte on their own drives", "[heal]") {
  auto [k, m, size] = GENERATE(table<uint32_t, uint32_t, size_t>(
      {{2, 2, 0}, {2, 2, 1}, {2, 2, 2 * 64 * 5 + 3}, {4, 2, 4 * 64 * 3}, {3, 1, 1000}}));
  CAPTURE(k, m, size);
  StoreFixture fx(k, m, 64);
  const auto data = RandomBytes(size, 2);
  const BlobRef ref = fx.Put(data);
  const auto before = ShardBytes(fx);
  // Lose m shards: the first data shard and the last parity ones.
  std::vector<uint32_t> lost = {0};
  for (uint32_t j = 1; j < m; ++j) lost.push_back(k + m - j);
  for (uint32_t d : lost) std::filesystem::remove(OnlyShard(fx, d));
  auto report = fx.store().HealBlob(ref);
  REQUIRE(report);
  std::sort(lost.begin(), lost.end());
  CHECK(report->missing == lost);
  CHECK(report->corrupt.empty());
  CHECK(report->rewritten == lost);
  CHECK(report->failed.empty());
  CHECK(report->healthy());
  CHECK(ShardBytes(fx) == before);
  CHECK(TempFiles(fx) == 0);
}

TEST_CASE("Corrupt blocks, headers and footers are rebuilt byte-for-byte", "[heal]") {
  StoreFixture fx(4, 2, 64);
  const auto data = RandomBytes(4 * 64 * 5 + 30, 3);
  const BlobRef ref = fx.Put(data);
  const auto before = ShardBytes(fx);
  const std::string f1 = OnlyShard(fx, 1), f2 = OnlyShard(fx, 2), f5 = OnlyShard(fx, 5);
  FlipByte(f1, std::filesystem::file_size(f1) / 2);  // a block in the middle stripe
  FlipByte(f2, 3);                                   // the header's magic
  FlipByte(f5, std::filesystem::file_size(f5) - 6);  // the footer
  auto report = fx.store().HealBlob(ref);
  REQUIRE(report);
  CHECK(report->missing == std::vector<uint32_t>{2});  // a bad header makes the shard unusable
  CHECK(report->corrupt == std::vector<uint32_t>({1, 5}));
  CHECK(report->rewritten == std::vector<uint32_t>({1, 2, 5}));
  CHECK(report->healthy());
  CHECK(ShardBytes(fx) == before);
  // Healed shards serve reads on their own: remove two others and read.
  std::filesystem::remove(OnlyShard(fx, 0));
  std::filesystem::remove(OnlyShard(fx, 3));
  CHECK(fx.Get(ref) == data);
}

TEST_CASE("Damage in every shard, a different stripe each, is healed", "[heal]") {
  StoreFixture fx(2, 2, 64);
  const auto data = RandomBytes(2 * 64 * 8, 4);
  const BlobRef ref = fx.Put(data);
  const auto before = ShardBytes(fx);
  // Shard d loses a byte in stripe 2d: each stripe still has 3 good blocks of 4.
  const uint64_t header = std::filesystem::file_size(OnlyShard(fx, 0)) - 8 * (64 + 4) - 16;
  for (size_t d = 0; d < 4; ++d) FlipByte(OnlyShard(fx, d), header + 2 * d * (64 + 4) + 10);
  auto report = fx.store().HealBlob(ref);
  REQUIRE(report);
  CHECK(report->corrupt == std::vector<uint32_t>({0, 1, 2, 3}));
  CHECK(report->rewritten.size() == 4);
  CHECK(ShardBytes(fx) == before);
}

TEST_CASE("More damage than m in one stripe is kReadQuorumLost and changes nothing", "[heal]") {
  StoreFixture fx(4, 2, 64);
  const BlobRef ref = fx.Put(RandomBytes(4 * 64 * 4, 5));
  for (uint32_t d : {0u, 3u, 4u}) {
    const std::string f = OnlyShard(fx, d);
    FlipByte(f, std::filesystem::file_size(f) / 2);
  }
  const auto before = ShardBytes(fx);
  auto report = fx.store().HealBlob(ref);
  REQUIRE_FALSE(report);
  CHECK(report.error() == make_error_code(Errc::kReadQuorumLost));
  CHECK(ShardBytes(fx) == before);
  CHECK(TempFiles(fx) == 0);
}

TEST_CASE("Healing a deleted blob is kNotFound and resurrects nothing", "[heal]") {
  StoreFixture fx(2, 2, 64);
  const BlobRef ref = fx.Put(RandomBytes(500, 6));
  REQUIRE_FALSE(fx.store().Delete(ref));
  auto report = fx.store().HealBlob(ref);
  REQUIRE_FALSE(report);
  CHECK(report.error() == make_error_code(Errc::kNotFound));
  CHECK(fx.CountAllFiles() == 0);
}

TEST_CASE("A read that finds a corrupt shard queues the blob, and the healer repairs it",
          "[heal][healer]") {
  StoreFixture fx(2, 2, 64, 1, HealerOptions());
  const auto data = RandomBytes(2 * 64 * 6 + 9, 7);
  const BlobRef ref = fx.Put(data);
  const auto before = ShardBytes(fx);
  const std::string f0 = OnlyShard(fx, 0);
  FlipByte(f0, std::filesystem::file_size(f0) / 2);
  CHECK(fx.Get(ref) == data);  // exact, from parity
  REQUIRE(WaitFor([&] { return ReadFile(f0) == before[0]; }));
  CHECK(fx.store().Counters().heal_queued >= 1);
  REQUIRE(WaitFor([&] { return fx.store().Counters().blobs_healed == 1; }));
  CHECK(fx.store().Counters().shards_rewritten == 1);
  CHECK(TempFiles(fx) == 0);
  // The repaired shard carries the blob: lose any m = 2 others and read exact.
  std::filesystem::remove(OnlyShard(fx, 1));
  std::filesystem::remove(OnlyShard(fx, 3));
  CHECK(fx.Get(ref) == data);
}

TEST_CASE("A read that finds a missing shard queues the blob, and the healer restores it",
          "[heal][healer]") {
  StoreFixture fx(4, 2, 64, 1, HealerOptions());
  const auto data = RandomBytes(4 * 64 * 3, 8);
  const BlobRef ref = fx.Put(data);
  const auto before = ShardBytes(fx);
  std::filesystem::remove(OnlyShard(fx, 5));  // a parity shard: Open notices it
  CHECK(fx.Get(ref) == data);
  REQUIRE(WaitFor([&] { return fx.ShardFiles(5).size() == 1; }));
  REQUIRE(WaitFor([&] { return ReadFile(fx.ShardFiles(5)[0]) == before[5]; }));
  CHECK(ShardBytes(fx) == before);
}

TEST_CASE("The heal queue is de-duplicated, bounded, and stops promptly", "[heal][healer]") {
  ChunkStoreOptions options = HealerOptions();
  options.heal_queue_capacity = 2;
  options.heal_bytes_per_second = 1;  // the first heal stalls in its throttle until Stop
  StoreFixture fx(2, 2, 64, 1, options);
  std::vector<BlobRef> refs;
  for (int i = 0; i < 6; ++i) {
    refs.push_back(*fx.TryPut(RandomBytes(300, 100 + i), 37, "b/k" + std::to_string(i)));
    REQUIRE(refs.back().size == 300);
  }
  // Damage shard 0 of every blob (one file per blob on drive 0).
  for (const auto& f : fx.ShardFiles(0)) FlipByte(f, std::filesystem::file_size(f) / 2);
  for (int i = 0; i < 10; ++i) REQUIRE(fx.Get(refs[0]).size() == 300);
  CHECK(fx.store().Counters().heal_queued == 1);
  for (int i = 1; i < 6; ++i) REQUIRE(fx.Get(refs[i]).size() == 300);
  const auto c = fx.store().Counters();
  CHECK(c.heal_queued + c.heal_dropped == 6);
  CHECK(c.heal_queued <= 3);  // two waiting, at most one being healed
  const auto start = std::chrono::steady_clock::now();
  fx.store().StopBackgroundWork();
  CHECK(std::chrono::steady_clock::now() - start < std::chrono::seconds(2));
  CHECK(TempFiles(fx) == 0);  // the stalled heal was abandoned, its temp file removed
}

TEST_CASE("A drive that fails during heal makes nothing worse", "[heal][faults]") {
  const auto op = GENERATE(DriveOp::kCreate, DriveOp::kAppend, DriveOp::kCommit);
  CAPTURE(static_cast<int>(op));
  StoreFixture fx(2, 2, 64);
  const auto data = RandomBytes(2 * 64 * 5 + 1, 9);
  const BlobRef ref = fx.Put(data);
  const auto before = ShardBytes(fx);
  std::filesystem::remove(OnlyShard(fx, 1));
  const std::string f3 = OnlyShard(fx, 3);
  FlipByte(f3, 100);
  const std::string damaged3 = ReadFile(f3);
  fx.plan(3).FailAll(op);  // the drive of one target fails; the other target's drive works
  auto report = fx.store().HealBlob(ref);
  REQUIRE(report);
  CHECK(report->rewritten == std::vector<uint32_t>{1});
  CHECK(report->failed == std::vector<uint32_t>{3});
  CHECK_FALSE(report->healthy());
  CHECK(ReadFile(OnlyShard(fx, 0)) == before[0]);
  CHECK(ReadFile(OnlyShard(fx, 1)) == before[1]);
  CHECK(ReadFile(OnlyShard(fx, 2)) == before[2]);
  CHECK(ReadFile(f3) == damaged3);  // left as it was, not truncated or half-written
  CHECK(TempFiles(fx) == 0);
  CHECK(fx.Get(ref) == data);
  fx.plan(3).FailAll(op, false);  // the drive recovers: the next heal completes
  report = fx.store().HealBlob(ref);
  REQUIRE(report);
  CHECK(report->rewritten == std::vector<uint32_t>{3});
  CHECK(ShardBytes(fx) == before);
}

TEST_CASE("Failing the n-th drive call of a heal never loses or corrupts a good shard",
          "[heal][faults]") {
  const auto op = GENERATE(DriveOp::kOpen, DriveOp::kRead, DriveOp::kCreate, DriveOp::kAppend,
                           DriveOp::kCommit);
  CAPTURE(static_cast<int>(op));
  StoreFixture fx(2, 2, 32);
  const auto data = RandomBytes(2 * 32 * 4 + 5, 10);
  const BlobRef ref = fx.Put(data);
  const auto before = ShardBytes(fx);
  bool healed = false;
  for (int n = 0; n < 80 && !healed; ++n) {
    CAPTURE(n);
    for (const auto& f : fx.ShardFiles(0)) std::filesystem::remove(f);
    for (size_t d = 0; d < fx.num_drives(); ++d) fx.plan(d).FailNth(op, n);
    auto report = fx.store().HealBlob(ref);
    for (size_t d = 0; d < fx.num_drives(); ++d) fx.plan(d).FailNth(op, 1 << 30);
    // Whatever failed: shards 1..3 are untouched and the blob reads exact.
    for (size_t d = 1; d < 4; ++d) REQUIRE(ReadFile(OnlyShard(fx, d)) == before[d]);
    REQUIRE(TempFiles(fx) == 0);
    REQUIRE(fx.Get(ref) == data);
    healed = report && report->healthy() && fx.ShardFiles(0).size() == 1;
    if (fx.ShardFiles(0).size() == 1) REQUIRE(ReadFile(OnlyShard(fx, 0)) == before[0]);
  }
  CHECK(healed);
}

TEST_CASE("Concurrent reads during heals stay exact", "[heal][concurrency]") {
  StoreFixture fx(4, 2, 64, 1, HealerOptions());
  const auto data = RandomBytes(4 * 64 * 40 + 11, 11);
  const BlobRef ref = fx.Put(data);
  std::atomic<bool> stop{false};
  std::atomic<int> reads{0}, bad{0};
  // Open() pins the shards one by one, not as one snapshot: an open that spans the heal of one
  // round and the damage of the next may pin more than m damaged shards, and then an error (never
  // wrong bytes) is the right answer. Errors count as failures only for opens within one round.
  std::atomic<int> round_no{0};
  std::vector<std::thread> readers;
  for (int t = 0; t < 3; ++t) {
    readers.emplace_back([&, t] {
      std::vector<std::byte> out(777);
      while (!stop) {
        const int round_at_open = round_no;
        auto reader = fx.store().Open(ref);
        const bool torn_open = round_no != round_at_open;
        if (!reader) {
          if (!torn_open) ++bad;
          continue;
        }
        for (uint64_t off = t * 13; off < data.size(); off += out.size()) {
          auto got = (*reader)->ReadAt(off, out);
          if (!got) {
            if (!torn_open) ++bad;
            break;
          }
          if (!std::equal(out.begin(), out.begin() + *got, data.begin() + off)) ++bad;
        }
        ++reads;
      }
    });
  }
  for (int round = 0; round < 20; ++round) {
    // Damage up to m shards, then heal explicitly while the readers (and the healer) run.
    // The corrupt copy replaces the file (as a new inode), so readers opened earlier keep the
    // shards they pinned and never see more than m damaged.
    ++round_no;
    const std::string a = OnlyShard(fx, round % 6);
    std::string bytes = ReadFile(a);
    bytes[bytes.size() / 2 + round] ^= 0x5a;
    {
      std::ofstream out(a + ".x", std::ios::binary);
      out << bytes;
    }
    std::filesystem::rename(a + ".x", a);
    std::filesystem::remove(OnlyShard(fx, (round + 3) % 6));
    auto report = fx.store().HealBlob(ref);
    REQUIRE(report);
    REQUIRE(WaitFor([&] { return fx.ShardFiles((round + 3) % 6).size() == 1; }));
  }
  REQUIRE(WaitFor([&] { return reads > 20; }));
  stop = true;
  for (auto& t : readers) t.join();
  CHECK(bad == 0);
  auto final_report = fx.store().HealBlob(ref);
  REQUIRE(final_report);
  CHECK_FALSE(final_report->damaged());
}

}  // namespace
}  // namespace strata::erasure
