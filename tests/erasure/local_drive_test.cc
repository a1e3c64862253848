#include <catch2/catch.hpp>
#include <filesystem>
#include <string>

#include "erasure/drive.h"
#include "tests/erasure/test_util.h"

namespace strata::erasure {
namespace {

using testing::FilesUnder;
using testing::RandomBytes;
using testing::TempDir;

const std::string kId = "0123456789abcdef0123456789abcdef";

std::span<const std::byte> Bytes(const std::vector<std::byte>& v) { return v; }

void WriteChunk(Drive& drive, const ChunkId& id, const std::vector<std::byte>& data) {
  auto w = drive.CreateChunk(id);
  REQUIRE(w);
  REQUIRE_FALSE((*w)->Append(Bytes(data)));
  REQUIRE_FALSE((*w)->Commit());
}

std::vector<std::byte> ReadAll(ChunkReader& r) {
  std::vector<std::byte> out(r.size());
  auto got = r.ReadAt(0, out);
  REQUIRE(got);
  out.resize(*got);
  return out;
}

TEST_CASE("OpenLocalDrive creates the folder and its chunks and tmp subfolders", "[drive]") {
  TempDir tmp;
  const std::string dir = tmp.Sub("a/b/drive");
  auto drive = OpenLocalDrive(dir);
  REQUIRE(drive);
  CHECK((*drive)->path() == dir);
  CHECK(std::filesystem::is_directory(dir + "/chunks"));
  CHECK(std::filesystem::is_directory(dir + "/tmp"));
  CHECK(OpenLocalDrive(dir));  // reopening an existing drive is fine
}

TEST_CASE("A committed chunk lands at its final path and reads back", "[drive]") {
  TempDir tmp;
  auto drive = OpenLocalDrive(tmp.path());
  REQUIRE(drive);
  const auto data = RandomBytes(10000, 1);
  auto w = (*drive)->CreateChunk({kId, 3});
  REQUIRE(w);
  REQUIRE_FALSE((*w)->Append(std::span(data).first(4000)));
  const std::span<const std::byte> pieces[] = {std::span(data).subspan(4000, 1000),
                                               std::span(data).subspan(5000)};
  REQUIRE_FALSE((*w)->AppendGather(pieces));
  // Not visible before Commit.
  CHECK((*drive)->OpenChunk({kId, 3}).error() == make_error_code(Errc::kNotFound));
  REQUIRE_FALSE((*w)->Commit());
  w->reset();

  CHECK(std::filesystem::is_regular_file(tmp.path() + "/chunks/01/" + kId + ".3"));
  CHECK(FilesUnder(tmp.path() + "/tmp").empty());
  auto r = (*drive)->OpenChunk({kId, 3});
  REQUIRE(r);
  CHECK((*r)->size() == data.size());
  CHECK(ReadAll(**r) == data);
  auto size = (*drive)->ChunkSize({kId, 3});
  REQUIRE(size);
  CHECK(*size == data.size());

  std::vector<std::byte> part(100);
  auto got = (*drive)->ReadChunk({kId, 3}, 9950, part);
  REQUIRE(got);
  CHECK(*got == 50);  // short only at the end
  CHECK(std::equal(part.begin(), part.begin() + 50, data.begin() + 9950));
}

TEST_CASE("A chunk writer destroyed without Commit leaves no file", "[drive]") {
  TempDir tmp;
  auto drive = OpenLocalDrive(tmp.path());
  REQUIRE(drive);
  {
    auto w = (*drive)->CreateChunk({kId, 0});
    REQUIRE(w);
    REQUIRE_FALSE((*w)->Append(Bytes(RandomBytes(100, 2))));
    CHECK(FilesUnder(tmp.path() + "/tmp").size() == 1);
  }
  CHECK(FilesUnder(tmp.path()).empty());
}

TEST_CASE("Missing chunks are reported as kNotFound", "[drive]") {
  TempDir tmp;
  auto drive = OpenLocalDrive(tmp.path());
  REQUIRE(drive);
  const auto not_found = make_error_code(Errc::kNotFound);
  CHECK((*drive)->OpenChunk({kId, 0}).error() == not_found);
  CHECK((*drive)->ChunkSize({kId, 0}).error() == not_found);
  CHECK((*drive)->DeleteChunk({kId, 0}) == not_found);
  std::vector<std::byte> buf(4);
  CHECK((*drive)->ReadChunk({kId, 0}, 0, buf).error() == not_found);
}

TEST_CASE("Chunk ids that could escape the drive folder are rejected", "[drive]") {
  TempDir tmp;
  auto drive = OpenLocalDrive(tmp.Sub("drive"));
  REQUIRE(drive);
  const std::string bad =
      GENERATE(std::string(""), std::string("a"), std::string(".."), std::string("../../etc"),
               std::string("ab/cd"), std::string("ABCD"), std::string("ab.cd"),
               std::string("ab\0cd", 5), std::string(65, 'a'));
  CAPTURE(bad);
  const auto invalid = make_error_code(Errc::kInvalidArgument);
  CHECK_FALSE(IsValidBlobId(bad));
  CHECK((*drive)->CreateChunk({bad, 0}).error() == invalid);
  CHECK((*drive)->OpenChunk({bad, 0}).error() == invalid);
  CHECK((*drive)->DeleteChunk({bad, 0}) == invalid);
  CHECK(FilesUnder(tmp.path()).empty());
  CHECK(IsValidBlobId(kId));
  CHECK(IsValidBlobId(std::string(64, 'z')));
}

TEST_CASE("An open chunk reader keeps reading the old bytes after delete or replace", "[drive]") {
  TempDir tmp;
  auto drive = OpenLocalDrive(tmp.path());
  REQUIRE(drive);
  const auto old_data = RandomBytes(5000, 3);
  WriteChunk(**drive, {kId, 1}, old_data);
  auto pinned = (*drive)->OpenChunk({kId, 1});
  REQUIRE(pinned);

  SECTION("delete") {
    REQUIRE_FALSE((*drive)->DeleteChunk({kId, 1}));
    CHECK((*drive)->OpenChunk({kId, 1}).error() == make_error_code(Errc::kNotFound));
  }
  SECTION("replace") {
    const auto new_data = RandomBytes(300, 4);
    WriteChunk(**drive, {kId, 1}, new_data);
    auto fresh = (*drive)->OpenChunk({kId, 1});
    REQUIRE(fresh);
    CHECK(ReadAll(**fresh) == new_data);
  }
  CHECK((*pinned)->size() == old_data.size());
  CHECK(ReadAll(**pinned) == old_data);
}

}  // namespace
}  // namespace strata::erasure
