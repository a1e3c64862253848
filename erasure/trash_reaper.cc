// The reaper's threads and its folder scan. Per-file jobs: the queue's cost per job (a
// std::function and a lock, ~1 us) is small against an unlink (100 us to several ms), and a
// job per file lets the threads share a long folder evenly.
#include "erasure/trash_reaper.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "erasure/background_priority.h"
#include "erasure/job_queue.h"

namespace strata::erasure {
namespace {

JobQueue& Reaper() {
  // Leaked on purpose: the detached threads wait on it until the process exits.
  static JobQueue* reaper = new JobQueue("reaper", kReaperThreads, kMaxPendingUnlinks,
                                         [] { (void)LowerThreadPriorityForReaping(); });
  return *reaper;
}

// Frees a large file's blocks from its end in steps of kReapStepBytes, then unlinks it. The
// discard that frees blocks here is synchronous and the device serves it in the same queue as
// the foreground's cache flushes: unlinking a 32 MiB shard at once (~18 ms) held every
// fdatasync behind it for as long (a 64 MiB DELETE took 12-20 ms instead of ~2). In steps, a
// flush waits for one step at most.
// Only a file nobody else has open: a GET that opened the shard before the DELETE keeps
// reading it through its descriptor, so its bytes must stay until the last close (the plain
// unlink's semantics). A write lease is granted only when no other descriptor is open on the
// file, so it answers exactly that; new opens cannot come (the name is in the trash).
void ShrinkAndUnlink(const std::string& path) {
  const int fd = ::open(path.c_str(), O_WRONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK);
  if (fd >= 0) {
    struct stat st;
    const off_t step = static_cast<off_t>(kReapStepBytes);
    if (::fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && st.st_size > step &&
        ::fcntl(fd, F_SETLEASE, F_WRLCK) == 0) {
      for (off_t size = st.st_size; size > step;) {
        size = (size - 1) / step * step;
        if (::ftruncate(fd, size) != 0) break;  // the unlink below frees the rest
      }
      (void)::fcntl(fd, F_SETLEASE, F_UNLCK);
    }
    ::close(fd);
  }
  (void)::unlink(path.c_str());
}

}  // namespace

bool LowerThreadPriorityForReaping() {
  const bool nice_ok = RaiseThreadNice(kReaperNice);
  return SetThreadBestEffortIo(kReaperIoLevel) && nice_ok;
}

bool ReapLater(const std::string& path) {
  return Reaper().Post([path] { ShrinkAndUnlink(path); });
}

void ReapFolderLater(const std::string& trash_dir) {
  (void)Reaper().Post([trash_dir] {
    DIR* d = ::opendir(trash_dir.c_str());
    if (d == nullptr) return;
    while (const dirent* e = ::readdir(d)) {
      if (e->d_name[0] == '.') continue;
      const std::string path = trash_dir + "/" + e->d_name;
      if (!ReapLater(path)) ShrinkAndUnlink(path);
    }
    ::closedir(d);
  });
}

}  // namespace strata::erasure
