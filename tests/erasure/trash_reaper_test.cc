// The trash reaper: deleted chunks leave the drive's trash in the background and their space
// comes back; a trash left by an interrupted process is emptied when the drive opens again.
#include "erasure/trash_reaper.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include <algorithm>
#include <catch2/catch.hpp>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <string>
#include <thread>

#include "erasure/background_priority.h"
#include "erasure/drive.h"
#include "tests/erasure/test_util.h"

namespace strata::erasure {
namespace {

using testing::EventuallyEmpty;
using testing::FilesUnder;
using testing::TempDir;
using testing::WriteChunk;

uint64_t FreeBytes(const std::string& dir) {
  struct statvfs sv;
  REQUIRE(::statvfs(dir.c_str(), &sv) == 0);
  return uint64_t{sv.f_bavail} * sv.f_frsize;
}

std::string Id(int i) {
  std::string id = "0123456789abcdef0123456789abcdef";
  const std::string n = std::to_string(i);
  id.replace(id.size() - n.size(), n.size(), n);
  return id;
}

TEST_CASE("Deleted chunks leave the trash in the background and their space comes back",
          "[reaper]") {
  TempDir tmp;
  auto drive = OpenLocalDrive(tmp.Sub("d"));
  REQUIRE(drive);
  constexpr int kChunks = 400;
  const std::vector<std::byte> data = testing::RandomBytes(128 << 10, 7);  // 50 MiB in all
  for (int i = 0; i < kChunks; ++i) WriteChunk(**drive, {Id(i), 0}, data);
  const uint64_t free_before = FreeBytes(tmp.path());
  for (int i = 0; i < kChunks; ++i) REQUIRE_FALSE((*drive)->DeleteChunk({Id(i), 0}));
  // Deleted at once for readers, whatever the reaper has done yet.
  CHECK(FilesUnder(tmp.Sub("d/chunks")).empty());
  REQUIRE(EventuallyEmpty(tmp.Sub("d/trash")));
  // Other processes share the file system: ask for most of the 50 MiB, not all of it.
  const uint64_t freed = FreeBytes(tmp.path()) - std::min(free_before, FreeBytes(tmp.path()));
  CHECK(freed >= uint64_t{kChunks} * data.size() * 3 / 4);
}

TEST_CASE("Large deleted chunks are freed in steps and leave nothing behind", "[reaper]") {
  TempDir tmp;
  auto drive = OpenLocalDrive(tmp.Sub("d"));
  REQUIRE(drive);
  constexpr int kChunks = 4;
  // Several steps and a partial one each.
  const std::vector<std::byte> data = testing::RandomBytes(3 * kReapStepBytes + 12345, 9);
  for (int i = 0; i < kChunks; ++i) WriteChunk(**drive, {Id(i), 0}, data);
  for (int i = 0; i < kChunks; ++i) REQUIRE_FALSE((*drive)->DeleteChunk({Id(i), 0}));
  CHECK(EventuallyEmpty(tmp.Sub("d/trash")));
  CHECK(FilesUnder(tmp.Sub("d/chunks")).empty());
}

TEST_CASE("A reader that opened a chunk before its delete reads all of it after the reap",
          "[reaper]") {
  TempDir tmp;
  auto drive = OpenLocalDrive(tmp.Sub("d"));
  REQUIRE(drive);
  const std::vector<std::byte> data = testing::RandomBytes(4 * kReapStepBytes + 777, 11);
  WriteChunk(**drive, {Id(1), 0}, data);
  const auto files = FilesUnder(tmp.Sub("d/chunks"));
  REQUIRE(files.size() == 1);
  // A GET in flight: it opened the shard before the DELETE and reads it afterwards.
  const int fd = ::open(files[0].c_str(), O_RDONLY | O_CLOEXEC);
  REQUIRE(fd >= 0);
  struct stat before;
  REQUIRE(::fstat(fd, &before) == 0);
  REQUIRE_FALSE((*drive)->DeleteChunk({Id(1), 0}));
  REQUIRE(EventuallyEmpty(tmp.Sub("d/trash")));  // the name is gone; the reader's file must not be
  struct stat after;
  REQUIRE(::fstat(fd, &after) == 0);
  CHECK(after.st_size == before.st_size);
  std::vector<std::byte> read(static_cast<size_t>(after.st_size));
  CHECK(::pread(fd, read.data(), read.size(), 0) == static_cast<ssize_t>(read.size()));
  // The chunk file holds the appended bytes (and maybe framing): they are all still there.
  CHECK(std::search(read.begin(), read.end(), data.begin(), data.end()) != read.end());
  ::close(fd);
}

TEST_CASE("A trash left by an interrupted reap is emptied when the drive opens again", "[reaper]") {
  TempDir tmp;
  {
    auto drive = OpenLocalDrive(tmp.Sub("d"));
    REQUIRE(drive);
  }
  // What a crash between DeleteChunk's rename and the reaper's unlinks leaves behind.
  std::filesystem::create_directories(tmp.Sub("d/trash"));
  const std::string block(64 << 10, 'x');
  for (int i = 0; i < 300; ++i) {
    std::ofstream(tmp.Sub("d/trash/" + Id(i) + ".1." + std::to_string(i) + ".del")) << block;
  }
  REQUIRE(FilesUnder(tmp.Sub("d/trash")).size() == 300);
  // A chunk committed before the crash stays.
  {
    auto drive = OpenLocalDrive(tmp.Sub("d"));
    REQUIRE(drive);
    auto w = (*drive)->CreateChunk({Id(9999), 2});
    REQUIRE(w);
    REQUIRE_FALSE((*w)->Commit());
  }
  auto reopened = OpenLocalDrive(tmp.Sub("d"));
  REQUIRE(reopened);
  CHECK(EventuallyEmpty(tmp.Sub("d/trash")));
  CHECK(FilesUnder(tmp.Sub("d/chunks")).size() == 1);
  CHECK((*reopened)->ChunkSize({Id(9999), 2}).value() == 0);
}

TEST_CASE("Reaper threads run at nice 19 and best-effort I/O level 7", "[reaper]") {
  int nice = 0;
  IoPriority io;
  std::thread([&] {
    (void)LowerThreadPriorityForReaping();
    nice = ThreadNice();
    io = ThreadIoPriority();
  }).join();
  CHECK(nice == kReaperNice);
  // Some sandboxes refuse ioprio_set; the priority then stays unset, never raised.
  if (io.io_class == 2) CHECK(io.level == kReaperIoLevel);
  CHECK(ThreadNice() < kReaperNice);  // per thread: the test's own thread is untouched
}

}  // namespace
}  // namespace strata::erasure
