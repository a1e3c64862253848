// Version ids from an inverted clock, a per-ms sequence and OpenSSL's RAND_bytes.
#include "storage/version_id.h"

#include <openssl/rand.h>

#include <array>
#include <cstdio>

#include "storage/checksum.h"

namespace strata::storage {

Result<std::string> VersionIdGenerator::Next(int64_t now_ms) {
  std::array<unsigned char, 8> random{};
  if (RAND_bytes(random.data(), static_cast<int>(random.size())) != 1) {
    return make_error_code(Errc::kInternal);
  }
  int64_t ms = 0;
  uint32_t seq = 0;
  {
    std::lock_guard lock(mu_);
    if (now_ms > last_ms_) {
      last_ms_ = now_ms < 0 ? 0 : now_ms;
      seq_ = 0;
    } else if (++seq_ > 0xffff) {  // 65536 ids in one ms: borrow the next ms
      ++last_ms_;
      seq_ = 0;
    }
    ms = last_ms_;
    seq = seq_;
  }
  constexpr uint64_t kMaxMs = 0xffffffffffffull;
  char head[17];
  std::snprintf(head, sizeof(head), "%012llx%04x",
                static_cast<unsigned long long>(kMaxMs - (static_cast<uint64_t>(ms) & kMaxMs)),
                static_cast<unsigned>(0xffff - seq));
  return std::string(head) +
         HexEncode(std::string_view(reinterpret_cast<const char*>(random.data()), random.size()));
}

bool IsWellFormedVersionId(std::string_view id) {
  if (id.size() != kVersionIdLength) return false;
  for (char c : id) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  }
  return true;
}

}  // namespace strata::storage
