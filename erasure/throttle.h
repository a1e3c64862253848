// Internal to erasure/: a byte-rate limiter for background work (heal, scrub), so that it never
// takes more than its share of the drives from foreground requests. Stoppable: a waiting
// Consume() returns as soon as Stop() is called. Thread-safe.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <mutex>

namespace strata::erasure {

class Throttle {
 public:
  // bytes_per_second == 0: no limit.
  explicit Throttle(uint64_t bytes_per_second) : rate_(bytes_per_second) {}

  // Accounts for `bytes` of work and sleeps as long as needed to stay under the rate.
  // Returns false if Stop() was called (the caller should give up its work).
  bool Consume(uint64_t bytes);
  void Stop();
  bool stopped() const;
  // Sleeps up to d, or until Stop(). Returns false if stopped.
  bool SleepFor(std::chrono::steady_clock::duration d);

 private:
  const uint64_t rate_;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  bool stopped_ = false;                        // GUARDED_BY(mu_)
  std::chrono::steady_clock::time_point next_;  // GUARDED_BY(mu_): when the budget is back to 0
};

}  // namespace strata::erasure
