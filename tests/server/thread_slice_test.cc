// RequestThreadSlice on real threads of this process: the slice the kernel reports afterwards,
// the nice value kept, and threads under another policy left alone. On kernels that do not
// report slices (before 6.12) only the calls' results are checked.
#include "server/thread_slice.h"

#include <sched.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <chrono>
#include <thread>

namespace strata::server {
namespace {

using namespace std::chrono_literals;

id_t Tid() { return static_cast<id_t>(::syscall(SYS_gettid)); }

// Runs `body` on a thread of its own (scheduling attributes are per thread: the test runner's
// thread stays as it was).
template <class F>
void OnNewThread(F body) {
  std::thread thread(body);
  thread.join();
}

TEST_CASE("a worker's requested slice is what the kernel reports, its nice value kept") {
  OnNewThread([] {
    const bool reported = ThreadSlice().has_value();
    REQUIRE(::setpriority(PRIO_PROCESS, Tid(), 3) == 0);  // raising nice needs no privilege
    CHECK(RequestThreadSlice(300us));
    errno = 0;
    CHECK(::getpriority(PRIO_PROCESS, Tid()) == 3);
    CHECK(::sched_getscheduler(0) == SCHED_OTHER);
    if (!reported) {
      WARN("this kernel does not report time slices (before 6.12): values not checked");
      return;
    }
    CHECK(ThreadSlice() == std::chrono::nanoseconds(300us));
    // The kernel's floor: 100 us.
    CHECK(RequestThreadSlice(20us));
    CHECK(ThreadSlice() == std::chrono::nanoseconds(100us));
  });
}

TEST_CASE("a thread under another policy keeps it and is refused a slice") {
  OnNewThread([] {
    const sched_param none{};
    if (::sched_setscheduler(0, SCHED_IDLE, &none) != 0) {
      WARN("SCHED_IDLE refused here: nothing to check");
      return;
    }
    CHECK_FALSE(RequestThreadSlice(200us));
    CHECK(::sched_getscheduler(0) == SCHED_IDLE);
    CHECK_FALSE(ThreadSlice().has_value());
  });
}

}  // namespace
}  // namespace strata::server
