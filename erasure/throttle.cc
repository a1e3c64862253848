#include "erasure/throttle.h"

#include <algorithm>

namespace strata::erasure {

bool Throttle::Consume(uint64_t bytes) {
  std::unique_lock<std::mutex> lock(mu_);
  if (stopped_) return false;
  if (rate_ == 0) return true;
  const auto now = std::chrono::steady_clock::now();
  // Work done while idle earns no credit beyond now: a burst after a pause is still paced.
  next_ =
      std::max(next_, now) + std::chrono::duration_cast<std::chrono::steady_clock::duration>(
                                 std::chrono::duration<double>(static_cast<double>(bytes) / rate_));
  const auto until = next_;
  cv_.wait_until(lock, until, [&] { return stopped_; });
  return !stopped_;
}

void Throttle::Stop() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stopped_ = true;
  }
  cv_.notify_all();
}

bool Throttle::stopped() const {
  std::lock_guard<std::mutex> lock(mu_);
  return stopped_;
}

bool Throttle::SleepFor(std::chrono::steady_clock::duration d) {
  std::unique_lock<std::mutex> lock(mu_);
  cv_.wait_for(lock, d, [&] { return stopped_; });
  return !stopped_;
}

}  // namespace strata::erasure
