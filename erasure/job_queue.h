// Internal to erasure/: a FIFO of jobs run by a fixed set of detached threads, for the data
// path's background workers (background.cc) and the trash reaper (local_drive.cc). Meant to be
// leaked at process scope (the threads wait on it until the process exits). Thread-safe.
#pragma once

#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <limits>
#include <mutex>
#include <thread>

#include "erasure/thread_name.h"

namespace strata::erasure {

class JobQueue {
 public:
  // `threads` threads, named `name` (NameThisThread), run the jobs in submission order; Post
  // refuses past `max_pending` queued jobs (back-pressure for the caller to act on). Each
  // thread first runs `thread_start`, if given (e.g. LowerThreadPriorityForBackgroundWork:
  // priorities are per thread on Linux), then its jobs.
  JobQueue(const char* name, unsigned threads,
           size_t max_pending = std::numeric_limits<size_t>::max(),
           std::function<void()> thread_start = {})
      : max_pending_(max_pending) {
    for (unsigned i = 0; i < threads; ++i) {
      std::thread([this, name, thread_start] {
        NameThisThread(name);
        if (thread_start) thread_start();
        Loop();
      }).detach();
    }
  }
  JobQueue(const JobQueue&) = delete;
  JobQueue& operator=(const JobQueue&) = delete;

  // Queues job; false (and job not run) if max_pending jobs are queued already.
  bool Post(std::function<void()> job) {
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (jobs_.size() >= max_pending_) return false;
      jobs_.push_back(std::move(job));
    }
    cv_.notify_one();
    return true;
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

  const size_t max_pending_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<std::function<void()>> jobs_;  // GUARDED_BY(mu_)
};

}  // namespace strata::erasure
