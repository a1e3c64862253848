// The two job pools of background.h: which pool a job lands in, the priority it runs at there,
// and a blob writer's jobs following the thread that created the writer.
#include "erasure/background.h"

#include <sched.h>

#include <catch2/catch.hpp>
#include <future>
#include <mutex>
#include <thread>
#include <vector>

#include "erasure/background_priority.h"
#include "erasure/chunk_store.h"
#include "tests/erasure/test_util.h"

namespace strata::erasure {
namespace {

using testing::RandomBytes;
using testing::TempDir;

struct Seen {
  int policy = -1;
  IoPriority io;
  bool marked = false;
};

Seen SeeThisThread() {
  return Seen{::sched_getscheduler(0), ThreadIoPriority(), ThreadDoesBackgroundWork()};
}

// Submits a job that reports the thread it ran on, and waits for it.
Seen RunAndSee(JobPriority priority) {
  std::promise<Seen> seen;
  RunInBackground(priority, [&seen] { seen.set_value(SeeThisThread()); });
  return seen.get_future().get();
}

// Runs fn on a fresh thread lowered for background work (one-way: never the test's thread).
template <typename Fn>
void OnBackgroundThread(Fn fn) {
  std::thread([&fn] {
    LowerThreadPriorityForBackgroundWork();
    fn();
  }).join();
}

TEST_CASE("a job submitted by a thread doing background work runs at SCHED_IDLE and I/O 7") {
  Seen seen;
  JobPriority chosen = JobPriority::kNormal;
  OnBackgroundThread([&] {
    chosen = CallerJobPriority();
    std::promise<Seen> got;
    RunInBackground([&got] { got.set_value(SeeThisThread()); });
    seen = got.get_future().get();
  });
  CHECK(chosen == JobPriority::kBackground);
  CHECK(seen.policy == SCHED_IDLE);
  CHECK(seen.io.io_class == 2);
  CHECK(seen.io.level == kBackgroundIoLevel);
  CHECK(seen.marked);  // what the job submits goes to the background pool as well
}

TEST_CASE("a job submitted by a foreground thread runs at normal priority") {
  REQUIRE_FALSE(ThreadDoesBackgroundWork());
  CHECK(CallerJobPriority() == JobPriority::kNormal);
  // Several, so that more than one of the pool's threads is likely to be seen.
  for (int i = 0; i < 8; ++i) {
    std::promise<Seen> got;
    RunInBackground([&got] { got.set_value(SeeThisThread()); });
    const Seen seen = got.get_future().get();
    CHECK(seen.policy == SCHED_OTHER);
    CHECK_FALSE(seen.marked);
    CHECK(seen.io.io_class != 3);
    CHECK_FALSE((seen.io.io_class == 2 && seen.io.level == kBackgroundIoLevel));
  }
  // Even right after background jobs ran: the pools never share threads.
  CHECK(RunAndSee(JobPriority::kBackground).policy == SCHED_IDLE);
  CHECK(RunAndSee(JobPriority::kNormal).policy == SCHED_OTHER);
  CHECK_FALSE(ThreadDoesBackgroundWork());  // submitting changed nothing for the caller
}

TEST_CASE("a normal job submitted by a lowered thread still runs at normal priority") {
  // Threads inherit their creator's priority: the normal pool must not be started by this one.
  Seen seen;
  OnBackgroundThread([&] { seen = RunAndSee(JobPriority::kNormal); });
  CHECK(seen.policy == SCHED_OTHER);
  CHECK_FALSE(seen.marked);
}

TEST_CASE("a job submitted from a background job runs on the background pool too") {
  std::promise<Seen> inner;
  RunInBackground(JobPriority::kBackground,
                  [&inner] { RunInBackground([&inner] { inner.set_value(SeeThisThread()); }); });
  CHECK(inner.get_future().get().policy == SCHED_IDLE);
}

// A drive over a real folder that records, for every shard write and commit, whether the
// calling thread ran under SCHED_IDLE and whether it was the writer's owner. Thread-safe.
struct CallLog {
  std::mutex mu;
  std::thread::id owner;
  int idle = 0;
  int normal = 0;
  int off_owner = 0;
  void Record() {
    std::lock_guard<std::mutex> lock(mu);
    (::sched_getscheduler(0) == SCHED_IDLE ? idle : normal)++;
    if (std::this_thread::get_id() != owner) ++off_owner;
  }
};

class LoggingWriter final : public ChunkWriter {
 public:
  LoggingWriter(std::unique_ptr<ChunkWriter> base, CallLog& log)
      : base_(std::move(base)), log_(log) {}
  boost::system::error_code Append(std::span<const std::byte> data) override {
    log_.Record();
    return base_->Append(data);
  }
  boost::system::error_code AppendGather(
      std::span<const std::span<const std::byte>> pieces) override {
    log_.Record();
    return base_->AppendGather(pieces);
  }
  boost::system::error_code Commit() override {
    log_.Record();
    return base_->Commit();
  }

 private:
  std::unique_ptr<ChunkWriter> base_;
  CallLog& log_;
};

class LoggingDrive final : public Drive {
 public:
  LoggingDrive(std::unique_ptr<Drive> base, CallLog& log) : base_(std::move(base)), log_(log) {}
  const std::string& path() const override { return base_->path(); }
  Result<std::unique_ptr<ChunkWriter>> CreateChunk(const ChunkId& id) override {
    auto w = base_->CreateChunk(id);
    if (!w) return w.error();
    return std::unique_ptr<ChunkWriter>(new LoggingWriter(std::move(*w), log_));
  }
  Result<std::unique_ptr<ChunkReader>> OpenChunk(const ChunkId& id) override {
    return base_->OpenChunk(id);
  }
  Result<size_t> ReadChunk(const ChunkId& id, uint64_t offset, std::span<std::byte> out) override {
    return base_->ReadChunk(id, offset, out);
  }
  boost::system::error_code DeleteChunk(const ChunkId& id) override {
    return base_->DeleteChunk(id);
  }

 private:
  std::unique_ptr<Drive> base_;
  CallLog& log_;
};

// A 2+2 store over temp folders whose shard writes and commits go to `log`.
std::unique_ptr<ChunkStore> LoggingStore(const TempDir& tmp, CallLog& log) {
  TierSpec spec;
  spec.name = "hot";
  spec.data_shards = 2;
  spec.parity_shards = 2;
  spec.block_size = 4096;
  for (int i = 0; i < 4; ++i) {
    auto drive = OpenLocalDrive(tmp.Sub("d" + std::to_string(i)));
    REQUIRE(drive);
    spec.drives.push_back(std::make_unique<LoggingDrive>(std::move(*drive), log));
  }
  std::vector<TierSpec> specs;
  specs.push_back(std::move(spec));
  ChunkStoreOptions options;
  options.start_healer = false;
  auto store = NewErasureChunkStore(std::move(specs), options);
  REQUIRE(store);
  return std::move(*store);
}

// Writes `data` as one blob in 5000-byte appends (many full stripes: the stage runs).
BlobRef WriteBlob(ChunkStore& store, const std::vector<std::byte>& data) {
  auto writer = store.Create(Placement{"hot", "key", "label"});
  REQUIRE(writer);
  for (size_t at = 0; at < data.size(); at += 5000) {
    REQUIRE_FALSE(
        (*writer)->Append(std::span(data).subspan(at, std::min<size_t>(5000, data.size() - at))));
  }
  auto ref = (*writer)->Commit();
  REQUIRE(ref);
  return *ref;
}

std::vector<std::byte> ReadBlob(ChunkStore& store, const BlobRef& ref) {
  auto reader = store.Open(ref);
  REQUIRE(reader);
  std::vector<std::byte> out(ref.size);
  auto n = (*reader)->ReadAt(0, out);
  REQUIRE(n);
  out.resize(*n);
  return out;
}

TEST_CASE("a blob written by background work is encoded and committed at background priority") {
  TempDir tmp;
  CallLog log;
  auto store = LoggingStore(tmp, log);
  const auto data = RandomBytes(200 * 1000 + 17, 1);
  BlobRef ref;
  OnBackgroundThread([&] {
    log.owner = std::this_thread::get_id();
    ref = WriteBlob(*store, data);
  });
  CHECK(log.idle > 4 * 20);  // the header, ~25 stripes and the commit of each of 4 shards
  CHECK(log.normal == 0);
  CHECK(log.off_owner > 0);  // the stage and the parallel commits ran as jobs
  CHECK(ReadBlob(*store, ref) == data);
}

TEST_CASE("a blob written by a foreground thread never runs at background priority") {
  TempDir tmp;
  CallLog log;
  auto store = LoggingStore(tmp, log);
  const auto data = RandomBytes(200 * 1000 + 17, 2);
  log.owner = std::this_thread::get_id();
  const BlobRef ref = WriteBlob(*store, data);
  CHECK(log.normal > 4 * 20);
  CHECK(log.idle == 0);
  CHECK(log.off_owner > 0);
  CHECK(ReadBlob(*store, ref) == data);
}

TEST_CASE("foreground and background writers running at once all commit their blobs intact") {
  TempDir tmp;
  CallLog log;
  auto store = LoggingStore(tmp, log);
  constexpr int kEach = 6;
  std::vector<std::vector<std::byte>> data;
  for (int i = 0; i < 2 * kEach; ++i) data.push_back(RandomBytes(100 * 1000 + i, 10 + i));
  std::vector<BlobRef> refs(data.size());
  std::vector<std::thread> threads;
  for (int i = 0; i < 2 * kEach; ++i) {
    threads.emplace_back([&, i] {
      if (i % 2 == 1) LowerThreadPriorityForBackgroundWork();
      refs[i] = WriteBlob(*store, data[i]);
    });
  }
  for (auto& t : threads) t.join();
  for (size_t i = 0; i < data.size(); ++i) CHECK(ReadBlob(*store, refs[i]) == data[i]);
  CHECK(log.idle > 0);
  CHECK(log.normal > 0);
}

}  // namespace
}  // namespace strata::erasure
