// LocalDrive commits that share directory fsyncs: concurrent commits into one prefix folder and
// into new prefix folders all land, whole, under their final names.
#include <catch2/catch.hpp>
#include <string>
#include <thread>
#include <vector>

#include "erasure/drive.h"
#include "tests/erasure/test_util.h"

namespace strata::erasure {
namespace {

using testing::FilesUnder;
using testing::RandomBytes;
using testing::TempDir;

TEST_CASE("Concurrent commits into one prefix folder and into new ones all read back",
          "[drive][dir_sync]") {
  TempDir tmp;
  auto drive = OpenLocalDrive(tmp.Sub("d"));
  REQUIRE(drive);
  constexpr int kThreads = 16;
  std::vector<std::thread> threads;
  std::vector<int> failures(kThreads, 0);
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 8; ++i) {
        // Half share the folder "aa", half go to a folder of their own, made by this commit.
        const std::string prefix = t % 2 == 0 ? "aa" : "b" + std::string(1, char('a' + t));
        const std::string id = prefix + std::to_string(t * 100 + i);
        const auto data = RandomBytes(1000 + static_cast<size_t>(t * 8 + i), t * 8 + i);
        auto w = (*drive)->CreateChunk({id, 1});
        if (!w || (*w)->Append(data) || (*w)->Commit()) {
          ++failures[t];
          continue;
        }
        std::vector<std::byte> back(data.size() + 1);
        auto n = (*drive)->ReadChunk({id, 1}, 0, back);
        if (!n || *n != data.size() || !std::equal(data.begin(), data.end(), back.begin())) {
          ++failures[t];
        }
      }
    });
  }
  for (auto& th : threads) th.join();
  for (int t = 0; t < kThreads; ++t) CHECK(failures[t] == 0);
  CHECK(FilesUnder(tmp.Sub("d/chunks")).size() == kThreads * 8);
  CHECK(FilesUnder(tmp.Sub("d/tmp")).empty());
}

}  // namespace
}  // namespace strata::erasure
