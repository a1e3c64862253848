// LineWriter's deferred lines (the access log's): written in batches by the flusher, in
// order with the immediate ones, whole under concurrency, and all of them by the destructor.
#include <unistd.h>

#include <catch2/catch.hpp>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "server/log.h"

using strata::server::LineWriter;

namespace {

class TempLog {
 public:
  TempLog()
      : path_(std::filesystem::temp_directory_path() /
              ("strata-line-writer-test-" + std::to_string(::getpid()) + "-" +
               std::to_string(counter_++) + ".log")) {
    std::filesystem::remove(path_);
  }
  ~TempLog() { std::filesystem::remove(path_); }
  const std::filesystem::path& path() const { return path_; }
  std::string Read() const {
    std::ifstream in(path_);
    return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  }

 private:
  static inline int counter_ = 0;
  std::filesystem::path path_;
};

std::unique_ptr<LineWriter> Open(const TempLog& log) {
  std::string error;
  auto w = LineWriter::OpenFile(log.path().string(), &error);
  REQUIRE(w);
  return w;
}

}  // namespace

TEST_CASE("deferred lines reach the file without a flush, within the flush interval") {
  TempLog log;
  auto w = Open(log);
  w->WriteDeferred("{\"a\":1}");
  w->WriteDeferred("{\"b\":2}");
  // kDeferredFlush is 50 ms; a loaded (sanitized) test machine gets far more slack.
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (log.Read().size() < 16 && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  CHECK(log.Read() == "{\"a\":1}\n{\"b\":2}\n");
}

TEST_CASE("an immediate line goes out after the deferred ones before it") {
  TempLog log;
  auto w = Open(log);
  w->WriteDeferred("first");
  w->WriteDeferred("second");
  w->Write("third (immediate)");
  // No waiting: Write itself wrote the deferred lines ahead of its own.
  CHECK(log.Read() == "first\nsecond\nthird (immediate)\n");
  w->WriteDeferred("fourth");
  w->Flush();
  CHECK(log.Read() == "first\nsecond\nthird (immediate)\nfourth\n");
}

TEST_CASE("destroying the writer writes the deferred lines") {
  TempLog log;
  {
    auto w = Open(log);
    for (int i = 0; i < 100; ++i) w->WriteDeferred("line " + std::to_string(i));
  }
  std::ostringstream want;
  for (int i = 0; i < 100; ++i) want << "line " << i << "\n";
  CHECK(log.Read() == want.str());
}

TEST_CASE("lines from many threads are whole and in each thread's order, past the limit") {
  TempLog log;
  constexpr int kThreads = 8;
  constexpr int kLines = 4000;
  {
    auto w = Open(log);
    std::vector<std::thread> threads;
    for (int t = 0; t < kThreads; ++t) {
      threads.emplace_back([&w, t] {
        for (int i = 0; i < kLines; ++i) {
          // Lengths vary so that batches end mid-way through lines of every size; every 500th
          // line is immediate. 8 x 4000 lines of ~100 bytes pass kDeferredLimit several times.
          std::string line = "t" + std::to_string(t) + " " + std::to_string(i) + " " +
                             std::string(static_cast<size_t>(20 + (i * 37 + t) % 150), 'x');
          if (i % 500 == 0) {
            w->Write(line);
          } else {
            w->WriteDeferred(line);
          }
        }
      });
    }
    for (auto& th : threads) th.join();
  }
  std::istringstream in(log.Read());
  std::map<int, int> next;  // thread -> the sequence number expected next
  std::string line;
  int total = 0;
  while (std::getline(in, line)) {
    int t = -1;
    int i = -1;
    char pad[200] = {};
    REQUIRE(std::sscanf(line.c_str(), "t%d %d %199s", &t, &i, pad) == 3);
    REQUIRE(t >= 0);
    REQUIRE(t < kThreads);
    CHECK(i == next[t]);
    CHECK(std::string(pad) == std::string(static_cast<size_t>(20 + (i * 37 + t) % 150), 'x'));
    next[t] = i + 1;
    ++total;
  }
  CHECK(total == kThreads * kLines);
}

TEST_CASE("a writer whose writes fail neither blocks nor keeps the lines") {
  // /dev/full fails every write with ENOSPC: errors are ignored, and memory stays bounded (a
  // caller past kDeferredLimit writes, and drops, the batch itself).
  std::string error;
  auto w = LineWriter::OpenFile("/dev/full", &error);
  REQUIRE(w);
  const std::string line(1000, 'y');
  for (size_t i = 0; i < 3 * LineWriter::kDeferredLimit / line.size(); ++i) {
    w->WriteDeferred(line);
  }
  w->Write("immediate");
  w->Flush();
  w.reset();  // joins the flusher: returns, though nothing was ever written
  SUCCEED("the writer flushed and stopped");
}
