#include "erasure/background_priority.h"

#include <sys/syscall.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <thread>

namespace strata::erasure {
namespace {

struct Seen {
  bool lowered = false;
  bool idle_class = false;
  int nice = 0;
  IoPriority io;
};

// Runs the call on a fresh thread (it is one-way for that thread) and reports what it saw.
Seen LowerOnNewThread(int calls = 1) {
  Seen seen;
  std::thread([&] {
    for (int i = 0; i < calls; ++i) seen.lowered = LowerThreadPriorityForBackgroundWork();
    seen.idle_class = ThreadIsIdleClass();
    seen.nice = ThreadNice();
    seen.io = ThreadIoPriority();
  }).join();
  return seen;
}

TEST_CASE("a thread lowered for background work runs under SCHED_IDLE at best-effort I/O 7") {
  const Seen seen = LowerOnNewThread();
  REQUIRE(seen.lowered);
  CHECK(seen.idle_class);
  CHECK(seen.io.io_class == 2);
  CHECK(seen.io.level == kBackgroundIoLevel);
}

TEST_CASE("lowering one thread leaves the other threads of the process at their priority") {
  const int mine = ThreadNice();
  const IoPriority my_io = ThreadIoPriority();
  REQUIRE_FALSE(ThreadIsIdleClass());
  REQUIRE(LowerOnNewThread().lowered);
  CHECK_FALSE(ThreadIsIdleClass());
  CHECK(ThreadNice() == mine);
  CHECK(ThreadIoPriority().io_class == my_io.io_class);
  CHECK(ThreadIoPriority().level == my_io.level);
  // And a thread started afterwards is not lowered either.
  bool fresh_idle = true;
  std::thread([&] { fresh_idle = ThreadIsIdleClass(); }).join();
  CHECK_FALSE(fresh_idle);
}

TEST_CASE("lowering a thread twice succeeds and leaves it where the first call put it") {
  const Seen seen = LowerOnNewThread(/*calls=*/2);
  REQUIRE(seen.lowered);
  CHECK(seen.idle_class);
  CHECK(seen.io.level == kBackgroundIoLevel);
}

TEST_CASE("a thread already in the idle I/O class stays there") {
  IoPriority after;
  bool lowered = false;
  std::thread([&] {
    // IOPRIO_CLASS_IDLE << 13, for this thread (IOPRIO_WHO_PROCESS, 0).
    REQUIRE(::syscall(SYS_ioprio_set, 1, 0, 3 << 13) == 0);
    lowered = LowerThreadPriorityForBackgroundWork();
    after = ThreadIoPriority();
  }).join();
  CHECK(lowered);
  CHECK(after.io_class == 3);
}

}  // namespace
}  // namespace strata::erasure
