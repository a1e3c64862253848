// A wake-up one thread waits on and another signals with a value, notified after the signaller
// has released the wake-up's own lock: a waiter woken under a held lock goes straight back to
// sleep on it (an extra sleep and wake-up per waiter; each wake-up is an inter-processor
// interrupt on a VM). Group commits use one per waiting appender (the index journal's, the
// audit log's) and signal them after releasing their own locks too.
//
// Held by shared_ptr: the signaller keeps its reference through notify_one, after which the
// waiter, which may return as soon as it sees the value, may already be gone.
#pragma once

#include <condition_variable>
#include <mutex>
#include <utility>

namespace strata::storage {

// State: an enum whose value kIdle means "not signalled".
template <class State, State kIdle>
class WakeSignal {
 public:
  // Sets the value, then notifies after unlocking.
  void Signal(State s) {
    {
      std::lock_guard lock(mu_);
      state_ = s;
    }
    cv_.notify_one();
  }

  // Waits for a signal; returns its value and resets to kIdle for the next wait.
  State Await() {
    std::unique_lock lock(mu_);
    cv_.wait(lock, [this] { return state_ != kIdle; });
    return std::exchange(state_, kIdle);
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  State state_ = kIdle;  // GUARDED_BY(mu_)
};

}  // namespace strata::storage
