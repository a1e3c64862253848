// Per-thread priorities on Linux: sched_setscheduler(0), setpriority(PRIO_PROCESS, tid) and
// ioprio_set(WHO_PROCESS, tid) act on one thread, not the whole process (unlike POSIX says),
// which is what lets a background thread sit beside request threads at a different priority.
#include "erasure/background_priority.h"

#include <sched.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

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

// Set once, never cleared: lowering is one-way too.
thread_local bool does_background_work = false;

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

bool ThreadDoesBackgroundWork() { return does_background_work; }

bool RaiseThreadNice(int nice) {
  if (ThreadNice() >= nice) return true;
  return ::setpriority(PRIO_PROCESS, static_cast<id_t>(Tid()), nice) == 0;
}

bool SetThreadBestEffortIo(int level) {
  if (ThreadIoPriority().io_class == kIoprioClassIdle) return true;  // an operator's idle class
  const int ioprio = (kIoprioClassBestEffort << kIoprioClassShift) | level;
  return ::syscall(SYS_ioprio_set, kIoprioWhoProcess, Tid(), ioprio) == 0;
}

bool LowerThreadPriorityForBackgroundWork() {
  does_background_work = true;
  bool ok = true;
  if (!ThreadIsIdleClass()) {
    const sched_param none{};
    // Refused (a seccomp profile, say): a high nice value is the next best thing.
    if (::sched_setscheduler(0, SCHED_IDLE, &none) != 0) ok = RaiseThreadNice(kBackgroundNice);
  }
  return SetThreadBestEffortIo(kBackgroundIoLevel) && ok;
}

}  // namespace strata::erasure
