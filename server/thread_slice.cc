// sched_setattr/sched_getattr have no glibc wrapper in Debian 12 (glibc 2.36): raw system calls
// with the kernel's struct sched_attr (include/uapi/linux/sched/types.h), whose first 48 bytes
// (SCHED_ATTR_SIZE_VER0) every kernel since 3.14 knows.
#include "server/thread_slice.h"

#include <sched.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cstdint>

namespace strata::server {
namespace {

struct SchedAttr {
  uint32_t size = sizeof(SchedAttr);
  uint32_t sched_policy = 0;
  uint64_t sched_flags = 0;
  int32_t sched_nice = 0;
  uint32_t sched_priority = 0;
  uint64_t sched_runtime = 0;  // fair threads (6.12+): the requested slice, in ns
  uint64_t sched_deadline = 0;
  uint64_t sched_period = 0;
};
static_assert(sizeof(SchedAttr) == 48, "SCHED_ATTR_SIZE_VER0");

bool GetAttr(SchedAttr& attr) {
  return ::syscall(SYS_sched_getattr, 0, &attr, sizeof attr, 0) == 0;
}

}  // namespace

bool RequestThreadSlice(std::chrono::microseconds slice) {
  SchedAttr attr;
  if (!GetAttr(attr) || attr.sched_policy != SCHED_OTHER) return false;
  // sched_setattr sets the nice value too (SCHED_FLAG_KEEP_PARAMS would skip the slice with
  // it): the current one is passed back, so an operator's `nice` stays and no privilege is
  // needed.
  attr.size = sizeof attr;  // sched_getattr wrote back the size the kernel filled in
  attr.sched_flags = 0;
  attr.sched_runtime =
      static_cast<uint64_t>(std::chrono::duration_cast<std::chrono::nanoseconds>(slice).count());
  return ::syscall(SYS_sched_setattr, 0, &attr, 0) == 0;
}

std::optional<std::chrono::nanoseconds> ThreadSlice() {
  SchedAttr attr;
  if (!GetAttr(attr) || attr.sched_policy != SCHED_OTHER || attr.sched_runtime == 0) {
    return std::nullopt;
  }
  return std::chrono::nanoseconds(attr.sched_runtime);
}

}  // namespace strata::server
