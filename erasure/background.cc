// A fixed set of threads over one FIFO queue. More threads than cores: some jobs wait on the
// disk (fdatasync), and those must not hold back encoding jobs for other blobs.
#include "erasure/background.h"

#include <algorithm>
#include <thread>

#include "erasure/job_queue.h"

namespace strata::erasure {

void RunInBackground(std::function<void()> job) {
  // Leaked on purpose: detached threads wait on it until the process exits.
  static JobQueue* workers = new JobQueue(std::max(4u, 2 * std::thread::hardware_concurrency()));
  workers->Post(std::move(job));  // unbounded: never refused
}

}  // namespace strata::erasure
