// ChunkStore::ScrubAll and the background scrubber: enumerate every shard file, verify, heal,
// clean temp files, report what cannot be decoded.
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
using testing::Snapshot;
using testing::StoreFixture;

// A scrub that looks at everything at once: no grace period, no rate limit.
ScrubOptions Now() {
  ScrubOptions options;
  options.grace = std::chrono::seconds(0);
  return options;
}

ChunkStoreOptions IdentityOptions() {
  ChunkStoreOptions options = StoreFixture::QuietOptions();
  options.check_drive_identity = true;
  return options;
}

struct Stored {
  BlobRef ref;
  std::vector<std::byte> data;
};

std::vector<Stored> PutMany(StoreFixture& fx, int count, size_t max_size) {
  std::vector<Stored> out;
  for (int i = 0; i < count; ++i) {
    const size_t size = (i * 7919u) % (max_size + 1);
    Stored s{{}, RandomBytes(size, 1000 + i)};
    auto ref =
        fx.TryPut(s.data, 101, "bucket/key" + std::to_string(i), "label" + std::to_string(i));
    REQUIRE(ref);
    s.ref = *ref;
    out.push_back(std::move(s));
  }
  return out;
}

std::map<std::string, std::string> AllShards(const StoreFixture& fx) {
  std::map<std::string, std::string> out;
  for (size_t d = 0; d < fx.num_drives(); ++d) out.merge(Snapshot(fx.dir(d) + "/chunks"));
  return out;
}

TEST_CASE("Scrubbing a healthy store verifies every blob and writes nothing", "[scrub]") {
  StoreFixture fx(2, 2, 64, 2);
  const auto blobs = PutMany(fx, 20, 700);
  const auto before = AllShards(fx);
  std::map<std::string, ScrubBlob> seen;
  auto report = fx.store().ScrubAll(Now(), [&](const ScrubBlob& b, const ScrubReport&) {
    seen[b.blob_id] = b;
    return true;
  });
  REQUIRE(report);
  CHECK(report->blobs_scanned == 20);
  CHECK(report->blobs_healthy == 20);
  CHECK(report->blobs_healed == 0);
  CHECK(report->bytes_written == 0);
  CHECK(report->clean());
  REQUIRE(seen.size() == 20);
  for (size_t i = 0; i < blobs.size(); ++i) {
    const ScrubBlob& b = seen[blobs[i].ref.blob_id];
    CHECK(b.outcome == ScrubBlob::Outcome::kHealthy);
    CHECK(b.label == "label" + std::to_string(i));
    CHECK(b.size == blobs[i].data.size());
    CHECK(b.set_index == blobs[i].ref.set_index);
  }
  CHECK(AllShards(fx) == before);
  const auto c = fx.store().Counters();
  CHECK(c.blobs_scanned == 20);
  CHECK(c.scrub_passes == 1);
  CHECK(c.bytes_read > 0);
}

TEST_CASE("A scrub pass heals missing and corrupt shards of every blob", "[scrub]") {
  StoreFixture fx(4, 2, 64, 1);
  const auto blobs = PutMany(fx, 12, 4 * 64 * 3);
  const auto before = AllShards(fx);
  // Blob i loses the shard on drive i % 6 and has one flipped on drive (i + 2) % 6.
  for (size_t i = 0; i < blobs.size(); ++i) {
    const std::string id = blobs[i].ref.blob_id;
    const auto path = [&](size_t d) {
      return fx.dir(d) + "/chunks/" + id.substr(0, 2) + "/" + id + "." + std::to_string(d);
    };
    std::filesystem::remove(path(i % 6));
    const std::string f = path((i + 2) % 6);
    FlipByte(f, std::filesystem::file_size(f) - 20);  // in the last block or its CRC
  }
  auto report = fx.store().ScrubAll(Now(), nullptr);
  REQUIRE(report);
  CHECK(report->blobs_scanned == 12);
  CHECK(report->blobs_healed == 12);
  CHECK(report->shards_rewritten == 24);
  CHECK(report->clean());
  CHECK(AllShards(fx) == before);
  CHECK(fx.store().Counters().blobs_healed == 12);
  // A second pass finds nothing left to do.
  report = fx.store().ScrubAll(Now(), nullptr);
  REQUIRE(report);
  CHECK(report->blobs_healthy == 12);
}

TEST_CASE("A wiped drive is rebuilt by one scrub, after which any m others can be lost",
          "[scrub][format]") {
  StoreFixture fx(2, 2, 64, 1, IdentityOptions());
  const auto blobs = PutMany(fx, 15, 2 * 64 * 4);
  const auto before = AllShards(fx);
  fx.Close();
  std::filesystem::remove_all(fx.dir(1));  // the drive is replaced by an empty one
  std::filesystem::create_directories(fx.dir(1));
  fx.Reopen();
  REQUIRE(fx.store().DriveStatuses()[1].state == DriveState::kFormatted);
  auto report = fx.store().ScrubAll(Now(), nullptr);
  REQUIRE(report);
  CHECK(report->blobs_healed == 15);
  CHECK(report->clean());
  CHECK(AllShards(fx) == before);
  // Every pair of the other three drives (and the rebuilt one with another) may now be lost.
  for (size_t a = 0; a < 4; ++a) {
    for (size_t b = a + 1; b < 4; ++b) {
      CAPTURE(a, b);
      fx.plan(a).FailAll(DriveOp::kOpen);
      fx.plan(b).FailAll(DriveOp::kOpen);
      for (const auto& s : blobs) REQUIRE(fx.Get(s.ref) == s.data);
      fx.plan(a).FailAll(DriveOp::kOpen, false);
      fx.plan(b).FailAll(DriveOp::kOpen, false);
    }
  }
}

TEST_CASE("A drive wiped under a running store is formatted again and rebuilt by a scrub",
          "[scrub][format]") {
  StoreFixture fx(2, 2, 64, 1, IdentityOptions());
  const auto blobs = PutMany(fx, 5, 300);
  const auto before = AllShards(fx);
  std::filesystem::remove_all(fx.dir(2));
  std::filesystem::create_directories(fx.dir(2));
  auto report = fx.store().ScrubAll(Now(), nullptr);
  REQUIRE(report);
  CHECK(report->drives[2].state == DriveState::kFormatted);
  CHECK(report->blobs_healed == 5);
  CHECK(AllShards(fx) == before);
}

TEST_CASE("Scrub removes stale temp files and keeps young ones", "[scrub]") {
  StoreFixture fx(2, 1, 64);
  (void)PutMany(fx, 2, 100);
  const std::string old_tmp = fx.dir(0) + "/tmp/abc.0.7.tmp";
  const std::string young_tmp = fx.dir(1) + "/tmp/abd.1.8.tmp";
  std::ofstream(old_tmp) << "left by a crash";
  std::ofstream(young_tmp) << "being written";
  std::filesystem::last_write_time(
      old_tmp, std::filesystem::file_time_type::clock::now() - std::chrono::hours(2));
  auto report = fx.store().ScrubAll(Now(), nullptr);
  REQUIRE(report);
  CHECK(report->temp_files_removed == 1);
  CHECK_FALSE(std::filesystem::exists(old_tmp));
  CHECK(std::filesystem::exists(young_tmp));
  CHECK(fx.store().Counters().temp_files_removed == 1);
}

TEST_CASE("Orphans that cannot be decoded are reported and left alone", "[scrub]") {
  StoreFixture fx(4, 2, 64);
  const auto blobs = PutMany(fx, 3, 500);
  const std::string id = blobs[1].ref.blob_id;
  for (size_t d : {0u, 2u, 3u}) {  // 3 of 6 left: fewer than k = 4
    std::filesystem::remove(fx.dir(d) + "/chunks/" + id.substr(0, 2) + "/" + id + "." +
                            std::to_string(d));
  }
  // And a stray file that is no shard at all, named like one.
  std::filesystem::create_directories(fx.dir(5) + "/chunks/zz");
  std::ofstream(fx.dir(5) + "/chunks/zz/zzzz.5") << "garbage";
  const auto before = AllShards(fx);
  std::vector<std::string> unrecoverable;
  auto report = fx.store().ScrubAll(Now(), [&](const ScrubBlob& b, const ScrubReport&) {
    if (b.outcome == ScrubBlob::Outcome::kUnrecoverable) unrecoverable.push_back(b.blob_id);
    return true;
  });
  REQUIRE(report);
  CHECK(report->blobs_unrecoverable == 2);
  CHECK(report->blobs_healthy == 2);
  CHECK_FALSE(report->clean());
  std::sort(unrecoverable.begin(), unrecoverable.end());
  CHECK(unrecoverable == std::vector<std::string>({id, "zzzz"}));
  CHECK(AllShards(fx) == before);
}

TEST_CASE("Blobs younger than the grace period are skipped", "[scrub]") {
  StoreFixture fx(2, 2, 64);
  const auto blobs = PutMany(fx, 4, 300);
  std::filesystem::remove(fx.ShardFiles(0)[0]);
  ScrubOptions options;
  options.grace = std::chrono::minutes(5);
  auto report = fx.store().ScrubAll(options, nullptr);
  REQUIRE(report);
  CHECK(report->blobs_skipped == 4);
  CHECK(report->blobs_scanned == 0);
  CHECK(fx.ShardFiles(0).size() == 3);
}

TEST_CASE("A dry run reports damage and repairs nothing", "[scrub]") {
  StoreFixture fx(2, 2, 64);
  const auto blobs = PutMany(fx, 3, 300);
  const std::string f = fx.ShardFiles(3)[0];
  FlipByte(f, std::filesystem::file_size(f) / 2);
  const auto before = AllShards(fx);
  ScrubOptions options = Now();
  options.dry_run = true;
  auto report = fx.store().ScrubAll(options, nullptr);
  REQUIRE(report);
  CHECK(report->blobs_heal_failed == 1);
  CHECK(report->blobs_healthy == 2);
  CHECK(report->bytes_written == 0);
  CHECK(AllShards(fx) == before);
}

TEST_CASE("The scrub's rate limit paces its reads", "[scrub]") {
  StoreFixture fx(2, 2, 1024);
  (void)PutMany(fx, 4, 2 * 1024 * 16);  // sizes up to 32 KiB each, about 100 KiB in all
  ScrubOptions options = Now();
  options.max_bytes_per_second = 400 * 1024;
  const auto start = std::chrono::steady_clock::now();
  auto report = fx.store().ScrubAll(options, nullptr);
  const auto took = std::chrono::steady_clock::now() - start;
  REQUIRE(report);
  CHECK(report->blobs_healthy == 4);
  // Every stripe read is paced: total bytes / rate is a lower bound (minus one stripe's burst).
  const double expected = static_cast<double>(report->bytes_read) / options.max_bytes_per_second;
  CHECK(std::chrono::duration<double>(took).count() >= expected * 0.5);
  CHECK(std::chrono::duration<double>(took).count() < expected * 3 + 1);
}

TEST_CASE("A drive failing during a scrub leaves every blob as readable as before",
          "[scrub][faults]") {
  StoreFixture fx(2, 2, 64);
  const auto blobs = PutMany(fx, 6, 500);
  for (const auto& f : fx.ShardFiles(0)) std::filesystem::remove(f);
  fx.plan(0).FailAll(DriveOp::kCommit);  // the drive to heal onto fails every commit
  auto report = fx.store().ScrubAll(Now(), nullptr);
  REQUIRE(report);
  CHECK(report->blobs_heal_failed == 6);
  CHECK(FilesUnder(fx.dir(0) + "/tmp").empty());
  for (const auto& s : blobs) CHECK(fx.Get(s.ref) == s.data);
  fx.plan(0).FailAll(DriveOp::kCommit, false);
  report = fx.store().ScrubAll(Now(), nullptr);
  REQUIRE(report);
  CHECK(report->blobs_healed == 6);
  CHECK(fx.ShardFiles(0).size() == 6);
}

TEST_CASE("A progress callback returning false ends the pass early", "[scrub]") {
  StoreFixture fx(2, 2, 64);
  (void)PutMany(fx, 10, 100);
  int calls = 0;
  auto report = fx.store().ScrubAll(Now(), [&](const ScrubBlob&, const ScrubReport& so_far) {
    ++calls;
    CHECK(so_far.blobs_scanned == static_cast<uint64_t>(calls));
    return calls < 3;
  });
  REQUIRE(report);
  CHECK(calls == 3);
  CHECK(report->blobs_scanned == 3);
  CHECK(fx.store().Counters().scrub_passes == 0);  // an unfinished pass does not count
}

TEST_CASE("The background scrubber heals without being asked, and stops", "[scrub][healer]") {
  ChunkStoreOptions options = StoreFixture::QuietOptions();
  options.scrub_interval = std::chrono::seconds(1);
  options.scrub = Now();
  StoreFixture fx(2, 2, 64, 1, options);
  const auto blobs = PutMany(fx, 3, 400);
  const auto before = AllShards(fx);
  for (const auto& f : fx.ShardFiles(1)) std::filesystem::remove(f);
  // Generous: under ASan on a loaded 2-core machine one pass once took longer than 10 s.
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  while ((AllShards(fx) != before || fx.store().Counters().scrub_passes == 0) &&
         std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  CHECK(AllShards(fx) == before);
  CHECK(fx.store().Counters().scrub_passes >= 1);
  const auto start = std::chrono::steady_clock::now();
  fx.store().StopBackgroundWork();
  CHECK(std::chrono::steady_clock::now() - start < std::chrono::seconds(2));
}

}  // namespace
}  // namespace strata::erasure
