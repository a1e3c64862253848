#include "erasure/crc32c.h"

#include <isa-l/crc.h>

#include <algorithm>
#include <climits>

#include "erasure/vector_state.h"

namespace strata::erasure {

uint32_t Crc32c(std::span<const std::byte> data, uint32_t crc) {
  // ISA-L's crc32_iscsi neither pre- nor post-inverts; the standard CRC32C does both.
  uint32_t state = ~crc;
  // ISA-L takes an int length: feed very large spans in pieces.
  while (!data.empty()) {
    const size_t n = std::min<size_t>(data.size(), INT_MAX);
    state = crc32_iscsi(reinterpret_cast<unsigned char*>(const_cast<std::byte*>(data.data())),
                        static_cast<int>(n), state);
    data = data.subspan(n);
  }
  ClearUpperVectorState();  // vector_state.h
  return ~state;
}

}  // namespace strata::erasure
