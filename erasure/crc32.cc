#include "erasure/crc32.h"

#include <isa-l/crc.h>

#include "erasure/vector_state.h"

namespace strata::erasure {

uint32_t Crc32(std::span<const std::byte> data, uint32_t crc) {
  // crc32_gzip_refl inverts on the way in and out itself (zlib style): results chain directly.
  // Its length is a uint64_t, so any span goes in whole.
  crc = crc32_gzip_refl(crc, reinterpret_cast<const unsigned char*>(data.data()), data.size());
  ClearUpperVectorState();  // vector_state.h
  return crc;
}

}  // namespace strata::erasure
