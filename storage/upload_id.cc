// Upload ids from the time and OpenSSL's RAND_bytes (a CSPRNG, so ids cannot be guessed).
#include "storage/upload_id.h"

#include <openssl/rand.h>

#include <array>
#include <cstdio>

#include "storage/checksum.h"

namespace strata::storage {

Result<std::string> NewUploadId(int64_t now_ms) {
  std::array<unsigned char, 10> random{};
  if (RAND_bytes(random.data(), static_cast<int>(random.size())) != 1) {
    return make_error_code(Errc::kInternal);
  }
  char time_hex[13];
  // 12 hex digits cover ms until the year 10889; negative clocks clamp to 0.
  std::snprintf(time_hex, sizeof(time_hex), "%012llx",
                static_cast<unsigned long long>(now_ms < 0 ? 0 : now_ms) & 0xffffffffffffull);
  return std::string(time_hex) +
         HexEncode(std::string_view(reinterpret_cast<const char*>(random.data()), random.size()));
}

bool IsWellFormedUploadId(std::string_view id) {
  if (id.size() != kUploadIdLength) return false;
  for (char c : id) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  }
  return true;
}

}  // namespace strata::storage
