// Per-thread priorities on Linux: sched_setscheduler(0), setpriority(PRIO_PROCESS, tid) and
// ioprio_set(WHO_PROCESS, tid) act on one thread, not the whole process (unlike POSIX says),
// which is what lets a background thread sit beside request threads at a different priority.
#include "erasure/background_priority.h"

#include <sched.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>

namespace strata::erasure {
namespace {

// From linux/ioprio.h (not in glibc).
constexpr int kIoprioWhoProcess = 1;
constexpr int kIoprioClassShift = 13;
constexpr int kIoprioClassBestEffort = 2;
constexpr int kIoprioClassIdle = 3;
constexpr int kIoprioLevelMask = (1 << kIoprioClassShift) - 1;

pid_t Tid() { return static_cast<pid_t>(::syscall(SYS_gettid)); }

}  // namespace

int ThreadNice() {
  errno = 0;  // getpriority may legitimately return -1
  const int nice = ::getpriority(PRIO_PROCESS, static_cast<id_t>(Tid()));
  return errno == 0 ? nice : 0;
}

bool ThreadIsIdleClass() { return ::sched_getscheduler(0) == SCHED_IDLE; }

IoPriority ThreadIoPriority() {
  const long value = ::syscall(SYS_ioprio_get, kIoprioWhoProcess, Tid());
  if (value < 0) return {};
  return IoPriority{static_cast<int>(value >> kIoprioClassShift),
                    static_cast<int>(value & kIoprioLevelMask)};
}

bool LowerThreadPriorityForBackgroundWork() {
  const pid_t tid = Tid();
  bool ok = true;
  if (!ThreadIsIdleClass()) {
    const sched_param none{};
    if (::sched_setscheduler(0, SCHED_IDLE, &none) != 0) {
      // Refused (a seccomp profile, say): a high nice value is the next best thing.
      const int nice = std::max(ThreadNice(), kBackgroundNice);
      if (::setpriority(PRIO_PROCESS, static_cast<id_t>(tid), nice) != 0) ok = false;
    }
  }
  if (ThreadIoPriority().io_class != kIoprioClassIdle) {
    const int ioprio = (kIoprioClassBestEffort << kIoprioClassShift) | kBackgroundIoLevel;
    if (::syscall(SYS_ioprio_set, kIoprioWhoProcess, tid, ioprio) != 0) ok = false;
  }
  return ok;
}

}  // namespace strata::erasure
