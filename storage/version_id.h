// Version ids: 32 lower-case hex digits = 12 of (2^48 - 1 - ms) | 4 of (0xffff - seq) | 16 random
// (64 bits from OpenSSL's CSPRNG). Inverting time and sequence makes a newer id sort FIRST, so
// "v/<bucket>\0<key>\0<id>" lists a key's versions newest first. URL-safe and unguessable.
// The generator is monotonic within a process (a clock going back or many ids in one ms still
// yield strictly decreasing ids). Thread-safe.
#pragma once

#include <cstdint>
#include <mutex>
#include <string>
#include <string_view>

#include "storage/errors.h"

namespace strata::storage {

inline constexpr size_t kVersionIdLength = 32;
inline constexpr std::string_view kNullVersionId = "null";

class VersionIdGenerator {
 public:
  // An id sorting before every id this generator returned. kInternal if RAND fails.
  Result<std::string> Next(int64_t now_ms);

 private:
  std::mutex mu_;
  int64_t last_ms_ = -1;
  uint32_t seq_ = 0;
};

// True if `id` has the generator's shape (anything else but "null" names no version).
bool IsWellFormedVersionId(std::string_view id);

}  // namespace strata::storage
