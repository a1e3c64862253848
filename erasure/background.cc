// A fixed set of threads over one FIFO queue. More threads than cores: some jobs wait on the
// disk (fdatasync), and those must not hold back encoding jobs for other blobs.
#include "erasure/background.h"

#include <algorithm>
#include <condition_variable>
#include <deque>
#include <mutex>
#include <thread>

namespace strata::erasure {
namespace {

class Workers {
 public:
  Workers() {
    const unsigned n = std::max(4u, 2 * std::thread::hardware_concurrency());
    for (unsigned i = 0; i < n; ++i) std::thread([this] { Loop(); }).detach();
  }

  void Post(std::function<void()> job) {
    {
      std::lock_guard<std::mutex> lock(mu_);
      jobs_.push_back(std::move(job));
    }
    cv_.notify_one();
  }

 private:
  void Loop() {
    while (true) {
      std::function<void()> job;
      {
        std::unique_lock<std::mutex> lock(mu_);
        cv_.wait(lock, [this] { return !jobs_.empty(); });
        job = std::move(jobs_.front());
        jobs_.pop_front();
      }
      job();
    }
  }

  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<std::function<void()>> jobs_;  // GUARDED_BY(mu_)
};

}  // namespace

void RunInBackground(std::function<void()> job) {
  // Leaked on purpose: detached threads wait on it until the process exits.
  static Workers* workers = new Workers;
  workers->Post(std::move(job));
}

}  // namespace strata::erasure
