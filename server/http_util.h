// Small pure helpers of the HTTP layer: dates and request ids. Thread-safe.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <string>

namespace strata::server {

// "Wed, 25 Nov 2026 11:53:07 GMT" (RFC 1123, as HTTP's Date header wants), locale-independent.
// (erasure::FormatImfFixdate, which api::FormatHttpDate writes with too.)
std::string HttpDate(std::chrono::system_clock::time_point t);

// Request ids: 16 upper-case hex characters, unique per process (a counter mixed with a random
// per-process seed, so ids of two runs do not collide in logs). Thread-safe.
class RequestIdGenerator {
 public:
  RequestIdGenerator();
  std::string Next();
  // A longer opaque id for x-amz-id-2, derived from a request id.
  std::string HostId(const std::string& request_id) const;

 private:
  uint64_t seed_;
  std::atomic<uint64_t> counter_{0};
};

}  // namespace strata::server
