// A fixed set of threads running tasks from a bounded queue. The server runs every S3 request on
// it, because the layers below are synchronous and may block on disk or on the request body.
// Thread-safe.
#pragma once

#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace strata::server {

class WorkerPool {
 public:
  // Starts `threads` threads (>= 1). At most threads + queue_capacity tasks are in the pool at a
  // time (running or waiting). Each thread first runs `thread_start` (if set; it must not throw):
  // per-thread setup such as scheduling attributes.
  WorkerPool(size_t threads, size_t queue_capacity, std::function<void()> thread_start = {});
  ~WorkerPool();  // Shutdown()
  WorkerPool(const WorkerPool&) = delete;
  WorkerPool& operator=(const WorkerPool&) = delete;

  // Queues `task`. Returns false, without running it, when the pool is full or shut
  // down (the server then answers 503 SlowDown). A task must not throw.
  [[nodiscard]] bool Submit(std::function<void()> task);

  // Stops taking tasks, runs the ones already queued, and joins the threads. Idempotent.
  // REQUIRES: not called from a worker thread.
  void Shutdown();

  size_t threads() const { return threads_.size(); }
  size_t queued() const;  // tasks waiting (not running)
  size_t busy() const;    // tasks running

 private:
  void Run();

  const size_t capacity_;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::deque<std::function<void()>> queue_;  // GUARDED_BY(mu_)
  size_t busy_ = 0;                          // GUARDED_BY(mu_)
  bool stopping_ = false;                    // GUARDED_BY(mu_)
  std::vector<std::thread> threads_;
};

}  // namespace strata::server
