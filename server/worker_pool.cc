#include "server/worker_pool.h"

#include <algorithm>

#include "erasure/thread_name.h"

namespace strata::server {

WorkerPool::WorkerPool(size_t threads, size_t queue_capacity, std::function<void()> thread_start)
    : capacity_(queue_capacity) {
  threads = std::max<size_t>(1, threads);
  threads_.reserve(threads);
  for (size_t i = 0; i < threads; ++i)
    threads_.emplace_back([this, thread_start] {
      erasure::NameThisThread("http-worker");
      if (thread_start) thread_start();
      Run();
    });
}

WorkerPool::~WorkerPool() { Shutdown(); }

bool WorkerPool::Submit(std::function<void()> task) {
  {
    std::lock_guard lock(mu_);
    // At most threads + capacity tasks in the pool: idle threads take tasks without queueing.
    if (stopping_ || queue_.size() + busy_ >= threads_.size() + capacity_) return false;
    queue_.push_back(std::move(task));
  }
  cv_.notify_one();
  return true;
}

void WorkerPool::Shutdown() {
  {
    std::lock_guard lock(mu_);
    if (stopping_ && threads_.empty()) return;
    stopping_ = true;
  }
  cv_.notify_all();
  for (std::thread& t : threads_) {
    if (t.joinable()) t.join();
  }
  threads_.clear();
}

size_t WorkerPool::queued() const {
  std::lock_guard lock(mu_);
  return queue_.size();
}

size_t WorkerPool::busy() const {
  std::lock_guard lock(mu_);
  return busy_;
}

void WorkerPool::Run() {
  std::unique_lock lock(mu_);
  for (;;) {
    cv_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
    // Queued work still runs after Shutdown(): each task owns a request a client waits for.
    if (queue_.empty()) return;
    std::function<void()> task = std::move(queue_.front());
    queue_.pop_front();
    ++busy_;
    lock.unlock();
    task();
    task = nullptr;  // destroy captures outside the lock
    lock.lock();
    --busy_;
  }
}

}  // namespace strata::server
