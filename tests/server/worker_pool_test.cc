#include "server/worker_pool.h"

#include <atomic>
#include <catch2/catch.hpp>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <set>
#include <thread>

using strata::server::WorkerPool;

namespace {

// A gate the test opens to let blocked tasks finish.
class Gate {
 public:
  void Wait() {
    std::unique_lock lock(mu_);
    cv_.wait(lock, [this] { return open_; });
  }
  void Open() {
    std::lock_guard lock(mu_);
    open_ = true;
    cv_.notify_all();
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  bool open_ = false;
};

bool WaitUntil(const std::function<bool()>& cond) {
  for (int i = 0; i < 500; ++i) {
    if (cond()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return cond();
}

}  // namespace

TEST_CASE("the worker pool runs every submitted task") {
  std::atomic<int> done{0};
  {
    WorkerPool pool(4, 1000);
    for (int i = 0; i < 200; ++i) REQUIRE(pool.Submit([&] { done.fetch_add(1); }));
    pool.Shutdown();
  }
  CHECK(done.load() == 200);
}

TEST_CASE("the worker pool runs tasks on several threads at once") {
  WorkerPool pool(3, 10);
  Gate gate;
  std::atomic<int> running{0};
  for (int i = 0; i < 3; ++i) {
    REQUIRE(pool.Submit([&] {
      running.fetch_add(1);
      gate.Wait();
    }));
  }
  CHECK(WaitUntil([&] { return running.load() == 3; }));
  CHECK(pool.busy() == 3);
  gate.Open();
}

TEST_CASE("each worker runs the start hook once, before any task") {
  std::mutex mu;
  std::set<std::thread::id> started;  // GUARDED_BY(mu)
  std::atomic<int> tasks_on_unstarted_threads{0};
  std::atomic<int> hooks_run_twice{0};
  {
    WorkerPool pool(3, 100, [&] {
      std::lock_guard lock(mu);
      if (!started.insert(std::this_thread::get_id()).second) hooks_run_twice++;
    });
    for (int i = 0; i < 50; ++i) {
      REQUIRE(pool.Submit([&] {
        std::lock_guard lock(mu);
        if (!started.contains(std::this_thread::get_id())) tasks_on_unstarted_threads++;
      }));
    }
    pool.Shutdown();
  }
  CHECK(started.size() == 3);
  CHECK(tasks_on_unstarted_threads.load() == 0);
  CHECK(hooks_run_twice.load() == 0);
}

TEST_CASE("a full worker pool rejects new tasks until one finishes") {
  WorkerPool pool(2, 3);
  Gate gate;
  std::atomic<int> done{0};
  auto blocking = [&] {
    gate.Wait();
    done.fetch_add(1);
  };
  for (int i = 0; i < 5; ++i) REQUIRE(pool.Submit(blocking));  // 2 running + 3 queued
  CHECK_FALSE(pool.Submit(blocking));
  CHECK(WaitUntil([&] { return pool.busy() == 2; }));
  CHECK(pool.queued() == 3);
  gate.Open();
  CHECK(WaitUntil([&] { return done.load() == 5; }));
  CHECK(pool.Submit(blocking));  // room again
  CHECK(WaitUntil([&] { return done.load() == 6; }));
}

TEST_CASE("a pool without queue capacity still takes tasks for its idle threads") {
  WorkerPool pool(1, 0);
  Gate gate;
  REQUIRE(pool.Submit([&] { gate.Wait(); }));
  CHECK_FALSE(pool.Submit([] {}));
  gate.Open();
}

TEST_CASE("shutdown runs queued tasks and then rejects new ones") {
  std::atomic<int> done{0};
  WorkerPool pool(1, 10);
  for (int i = 0; i < 10; ++i) {
    REQUIRE(pool.Submit([&] {
      std::this_thread::sleep_for(std::chrono::milliseconds(2));
      done.fetch_add(1);
    }));
  }
  pool.Shutdown();
  CHECK(done.load() == 10);
  CHECK_FALSE(pool.Submit([] {}));
  pool.Shutdown();  // idempotent
}
