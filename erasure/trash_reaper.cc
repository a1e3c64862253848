// The reaper's threads and its folder scan. Per-file jobs: the queue's cost per job (a
// std::function and a lock, ~1 us) is small against an unlink (100 us to several ms), and a
// job per file lets the threads share a long folder evenly.
#include "erasure/trash_reaper.h"

#include <dirent.h>
#include <unistd.h>

#include "erasure/background_priority.h"
#include "erasure/job_queue.h"

namespace strata::erasure {
namespace {

JobQueue& Reaper() {
  // Leaked on purpose: the detached threads wait on it until the process exits.
  static JobQueue* reaper = new JobQueue(kReaperThreads, kMaxPendingUnlinks,
                                         [] { (void)LowerThreadPriorityForReaping(); });
  return *reaper;
}

}  // namespace

bool LowerThreadPriorityForReaping() {
  const bool nice_ok = RaiseThreadNice(kReaperNice);
  return SetThreadBestEffortIo(kReaperIoLevel) && nice_ok;
}

bool ReapLater(const std::string& path) {
  return Reaper().Post([path] { (void)::unlink(path.c_str()); });
}

void ReapFolderLater(const std::string& trash_dir) {
  (void)Reaper().Post([trash_dir] {
    DIR* d = ::opendir(trash_dir.c_str());
    if (d == nullptr) return;
    while (const dirent* e = ::readdir(d)) {
      if (e->d_name[0] == '.') continue;
      const std::string path = trash_dir + "/" + e->d_name;
      if (!ReapLater(path)) (void)::unlink(path.c_str());
    }
    ::closedir(d);
  });
}

}  // namespace strata::erasure
