// The large-object data path: deletes through the trash, the pipelined writer (encode and write
// on a background stage), and whole blocks read straight into the caller's buffer.
#include <catch2/catch.hpp>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <string>
#include <thread>

#include "erasure/drive.h"
#include "tests/erasure/store_fixture.h"
#include "tests/erasure/test_util.h"

namespace strata::erasure {
namespace {

using testing::DriveOp;
using testing::EventuallyEmpty;
using testing::FilesUnder;
using testing::FlipByte;
using testing::RandomBytes;
using testing::StoreFixture;
using testing::TempDir;
using testing::WriteChunk;

const std::string kId = "0123456789abcdef0123456789abcdef";

TEST_CASE("Deleting a large chunk frees its name at once and its file in the background",
          "[drive][trash]") {
  TempDir tmp;
  auto drive = OpenLocalDrive(tmp.Sub("d"));
  REQUIRE(drive);
  const ChunkId id{kId, 1};
  WriteChunk(**drive, id, RandomBytes(3 << 20, 1));
  REQUIRE_FALSE((*drive)->DeleteChunk(id));
  auto size = (*drive)->ChunkSize(id);
  REQUIRE_FALSE(size);
  CHECK(size.error() == make_error_code(Errc::kNotFound));
  auto listed = (*drive)->ListChunks(kId.substr(0, 2));
  REQUIRE(listed);
  CHECK(listed->empty());
  CHECK(FilesUnder(tmp.Sub("d/chunks")).empty());
  CHECK(EventuallyEmpty(tmp.Sub("d/trash")));
  auto again = (*drive)->DeleteChunk(id);
  CHECK(again == make_error_code(Errc::kNotFound));
}

TEST_CASE("A small chunk goes through the trash too", "[drive][trash]") {
  TempDir tmp;
  auto drive = OpenLocalDrive(tmp.Sub("d"));
  REQUIRE(drive);
  WriteChunk(**drive, ChunkId{kId, 0}, RandomBytes(1000, 2));
  REQUIRE_FALSE((*drive)->DeleteChunk(ChunkId{kId, 0}));
  CHECK(FilesUnder(tmp.Sub("d/chunks")).empty());
  CHECK(EventuallyEmpty(tmp.Sub("d")));
}

TEST_CASE("An open reader keeps reading a large chunk after it went to the trash",
          "[drive][trash]") {
  TempDir tmp;
  auto drive = OpenLocalDrive(tmp.Sub("d"));
  REQUIRE(drive);
  const auto data = RandomBytes(2 << 20, 3);
  WriteChunk(**drive, ChunkId{kId, 2}, data);
  auto reader = (*drive)->OpenChunk(ChunkId{kId, 2});
  REQUIRE(reader);
  REQUIRE_FALSE((*drive)->DeleteChunk(ChunkId{kId, 2}));
  REQUIRE(EventuallyEmpty(tmp.Sub("d/trash")));
  std::vector<std::byte> out(data.size());
  auto got = (*reader)->ReadAt(0, out);
  REQUIRE(got);
  CHECK(*got == data.size());
  CHECK(out == data);
}

TEST_CASE("Opening a drive empties what an earlier process left in its trash", "[drive][trash]") {
  TempDir tmp;
  std::filesystem::create_directories(tmp.Sub("d/trash"));
  for (const char* name : {"/0123.0.7.del", "/abcd.3.0.del"}) {
    std::ofstream(tmp.Sub("d/trash") + name) << "left by a crash";
  }
  auto drive = OpenLocalDrive(tmp.Sub("d"));
  REQUIRE(drive);
  CHECK(EventuallyEmpty(tmp.Sub("d/trash")));
}

TEST_CASE("Files in the trash are never listed as chunks", "[drive][trash]") {
  TempDir tmp;
  auto drive = OpenLocalDrive(tmp.Sub("d"));
  REQUIRE(drive);
  WriteChunk(**drive, ChunkId{kId, 0}, RandomBytes(2 << 20, 4));
  auto reader = (*drive)->OpenChunk(ChunkId{kId, 0});  // holds the inode, not the name
  REQUIRE(reader);
  REQUIRE_FALSE((*drive)->DeleteChunk(ChunkId{kId, 0}));
  // Whether or not the background unlink ran yet, nothing of the blob is listed.
  auto has = (*drive)->HasChunks();
  REQUIRE(has);
  CHECK_FALSE(*has);
  auto listed = (*drive)->ListChunks(kId.substr(0, 2));
  REQUIRE(listed);
  CHECK(listed->empty());
}

TEST_CASE("A chunk written in odd-sized appends past the switch to O_DIRECT reads back exactly",
          "[drive][direct]") {
  TempDir tmp;
  auto drive = OpenLocalDrive(tmp.Sub("d"));
  REQUIRE(drive);
  const size_t size = GENERATE(size_t{(1 << 20) + 1}, size_t{3 << 20}, size_t{5'000'017});
  CAPTURE(size);
  const auto data = RandomBytes(size, 11);
  auto w = (*drive)->CreateChunk(ChunkId{kId, 0});
  REQUIRE(w);
  for (size_t off = 0; off < data.size(); off += 100'003) {
    const size_t n = std::min<size_t>(100'003, data.size() - off);
    // Two pieces per append, as the blob writer's block + CRC.
    const std::span<const std::byte> pieces[2] = {std::span(data).subspan(off, n / 2),
                                                  std::span(data).subspan(off + n / 2, n - n / 2)};
    REQUIRE_FALSE((*w)->AppendGather(pieces));
  }
  REQUIRE_FALSE((*w)->Commit());
  auto reader = (*drive)->OpenChunk(ChunkId{kId, 0});
  REQUIRE(reader);
  CHECK((*reader)->size() == data.size());
  std::vector<std::byte> out(data.size() + 10);
  auto got = (*reader)->ReadAt(0, out);
  REQUIRE(got);
  CHECK(*got == data.size());
  out.resize(data.size());
  CHECK(out == data);
}

TEST_CASE("Deleting a large blob leaves its readers working and no files behind",
          "[store][trash]") {
  StoreFixture fx(2, 2, 256 * 1024);
  const auto data = RandomBytes(5 << 20, 5);  // 2.5 MiB per shard: through the trash
  const BlobRef ref = fx.Put(data, 1 << 20);
  auto reader = fx.store().Open(ref);
  REQUIRE(reader);
  REQUIRE_FALSE(fx.store().Delete(ref));
  for (size_t d = 0; d < fx.num_drives(); ++d) {
    CHECK(fx.ShardFiles(d).empty());
    CHECK(EventuallyEmpty(fx.dir(d) + "/trash"));
  }
  std::vector<std::byte> out(data.size());
  auto got = (*reader)->ReadAt(0, out);
  REQUIRE(got);
  CHECK(out == data);
  auto reopened = fx.store().Open(ref);
  REQUIRE_FALSE(reopened);
  CHECK(reopened.error() == make_error_code(Errc::kNotFound));
}

TEST_CASE("A drive failing mid-stream of a many-stripe blob is dropped and the blob reads back",
          "[store][pipeline]") {
  StoreFixture fx(2, 2, 4096);
  const auto data = RandomBytes(2 * 4096 * 40 + 123, 6);  // 40 full stripes and a tail
  fx.plan(3).FailNth(DriveOp::kAppend, 17);
  const BlobRef ref = fx.Put(data, 10000);
  CHECK(fx.Get(ref) == data);
  CHECK(FilesUnder(fx.dir(3)).empty());
  CHECK(fx.ShardFiles(0).size() == 1);
}

TEST_CASE("Losing the write quorum mid-stream fails the write and leaves no files",
          "[store][pipeline]") {
  StoreFixture fx(2, 2, 4096);
  const auto data = RandomBytes(2 * 4096 * 40, 7);
  for (size_t d : {0, 3}) fx.plan(d).FailNth(DriveOp::kAppend, 9);
  auto writer = fx.store().Create(Placement{"hot", "bucket/key", "l"});
  REQUIRE(writer);
  boost::system::error_code first_error;
  for (size_t off = 0; off < data.size() && !first_error; off += 8192) {
    first_error = (*writer)->Append(std::span(data).subspan(off, 8192));
  }
  // The stage reports the loss on a later Append, or at the latest at Commit.
  if (!first_error) {
    auto ref = (*writer)->Commit();
    REQUIRE_FALSE(ref);
    first_error = ref.error();
  }
  CHECK(first_error == make_error_code(Errc::kWriteQuorumLost));
  CHECK((*writer)->Append(std::span(data).first(10)) == first_error);  // stays failed
  writer->reset();
  CHECK(fx.CountAllFiles() == 0);
}

TEST_CASE("A writer abandoned with stripes in flight leaves no files", "[store][pipeline]") {
  StoreFixture fx(2, 2, 4096);
  const auto data = RandomBytes(2 * 4096 * 64, 8);
  {
    auto writer = fx.store().Create(Placement{"hot", "bucket/key", "l"});
    REQUIRE(writer);
    REQUIRE_FALSE((*writer)->Append(data));
  }
  CHECK(fx.CountAllFiles() == 0);
}

TEST_CASE("Many concurrent multi-stripe writers store exact blobs", "[store][pipeline]") {
  StoreFixture fx(2, 2, 8192);
  std::vector<std::thread> threads;
  std::vector<std::vector<std::byte>> datas(8);
  std::vector<Result<BlobRef>> refs(8, make_error_code(Errc::kInvalidArgument));
  for (int t = 0; t < 8; ++t) {
    datas[t] = RandomBytes(2 * 8192 * 25 + 77 * t, 100 + t);
    threads.emplace_back(
        [&, t] { refs[t] = fx.TryPut(datas[t], 5000, "b/k" + std::to_string(t)); });
  }
  for (auto& th : threads) th.join();
  for (int t = 0; t < 8; ++t) {
    REQUIRE(refs[t]);
    CHECK(fx.Get(*refs[t]) == datas[t]);
  }
}

TEST_CASE("A corrupt block read whole into the caller's buffer is rebuilt, never returned",
          "[store][degraded]") {
  StoreFixture fx(2, 2, 4096);
  const auto data = RandomBytes(2 * 4096 * 6, 9);
  const BlobRef ref = fx.Put(data, 4096);
  // Flip a byte in the last data block of shard 0 (the header sits before the blocks).
  const auto files = fx.ShardFiles(0);
  REQUIRE(files.size() == 1);
  const auto size = std::filesystem::file_size(files[0]);
  FlipByte(files[0], size - 12 - 4 - 100);  // footer, block CRC, then inside the block
  for (size_t piece : {size_t{4096}, size_t{2 * 4096}, data.size()}) {
    CAPTURE(piece);
    auto reader = fx.store().Open(ref);
    REQUIRE(reader);
    std::vector<std::byte> out(data.size());
    for (size_t off = 0; off < data.size(); off += piece) {
      auto got = (*reader)->ReadAt(off, std::span(out).subspan(off, piece));
      REQUIRE(got);
      CHECK(*got == piece);
    }
    CHECK(out == data);
  }
}

}  // namespace
}  // namespace strata::erasure
