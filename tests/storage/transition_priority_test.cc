// TransitionVersion's copy runs at background priority on a thread of its own (issue 8), while
// the calling thread (the lifecycle worker, which commits under key locks) keeps its priority.
#include <sched.h>

#include <catch2/catch.hpp>
#include <mutex>
#include <thread>

#include "tests/storage/byte_source_fake.h"
#include "tests/storage/result_string_maker.h"
#include "tests/storage/versioning_helpers_fake.h"

namespace strata::storage {
namespace {

using testing::StoreFixture;
using testing::TestPayload;

StoreOptions Options() {
  auto options = StoreFixture::DefaultOptions();
  options.storage_class_tiers["GLACIER"] = "hdd";
  return options;
}

// What the copy's stop polls saw of the thread they ran on.
struct CopyThreads {
  std::mutex mu;
  int polls = 0;
  int idle = 0;
  int on_caller = 0;
};

TEST_CASE("a transition copies at background priority and the caller keeps its priority") {
  StoreFixture f(GENERATE(as<std::string>{}, "fake", "erasure"), Options());
  auto& s = f.store();
  f.MakeBucket("b");
  const std::string data = TestPayload(3 << 20, 5);  // several copy blocks: several polls
  f.PutOrDie("b", "k", data);
  REQUIRE(::sched_getscheduler(0) == SCHED_OTHER);
  const auto caller = std::this_thread::get_id();
  CopyThreads seen;
  TransitionOptions options;
  options.stop = [&] {
    std::lock_guard<std::mutex> lock(seen.mu);
    ++seen.polls;
    if (::sched_getscheduler(0) == SCHED_IDLE) ++seen.idle;
    if (std::this_thread::get_id() == caller) ++seen.on_caller;
    return false;
  };
  auto info = s.TransitionVersion("b", "k", "null", "GLACIER", options);
  REQUIRE(info);
  CHECK(seen.polls >= 3);
  CHECK(seen.idle == seen.polls - seen.on_caller);  // every poll of the copy thread
  CHECK(seen.idle >= 3);
  CHECK(::sched_getscheduler(0) == SCHED_OTHER);  // the caller was never lowered
  CHECK(info->storage_class == "GLACIER");
  CHECK(s.Head("b", "k")->storage_class == "GLACIER");
  CHECK(f.ReadAll("b", "k").value() == data);
  CHECK(f.BlobCount() == 1);
}

TEST_CASE("a transition that fails in its copy leaves nothing behind at either priority") {
  StoreFixture f("fake", Options());
  auto& s = f.store();
  f.MakeBucket("b");
  const std::string data = TestPayload(3 << 20, 6);
  f.PutOrDie("b", "k", data);
  f.fake()->FailAppendAt(1);  // the second block of the copy
  CHECK_FALSE(s.TransitionVersion("b", "k", "null", "GLACIER", {}));
  CHECK(s.Head("b", "k")->storage_class == "STANDARD");
  CHECK(f.ReadAll("b", "k").value() == data);
  CHECK(f.BlobCount() == 1);
  CHECK(f.fake()->open_writers() == 0);
  CHECK(::sched_getscheduler(0) == SCHED_OTHER);
}

}  // namespace
}  // namespace strata::storage
