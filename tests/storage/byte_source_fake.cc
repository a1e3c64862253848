#include "tests/storage/byte_source_fake.h"

#include <algorithm>
#include <cstring>

namespace strata::storage::testing {

Result<size_t> StringSource::Read(std::span<std::byte> out) {
  if (pos_ >= fail_after_) return error_;
  size_t n = std::min({out.size(), data_.size() - pos_, piece_, fail_after_ - pos_});
  std::memcpy(out.data(), data_.data() + pos_, n);
  pos_ += n;
  return n;
}

std::string TestPayload(size_t n, uint32_t seed) {
  std::string out(n, '\0');
  uint32_t x = seed * 2654435761u + 12345;
  for (size_t i = 0; i < n; ++i) {
    x ^= x << 13;
    x ^= x >> 17;
    x ^= x << 5;
    out[i] = static_cast<char>(x);
  }
  return out;
}

}  // namespace strata::storage::testing
