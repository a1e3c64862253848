// ReadFull: the loop every caller of ByteSource::Read would otherwise write.
#include "storage/stream.h"

namespace strata::storage {

Result<size_t> ReadFull(ByteSource& source, std::span<std::byte> out) {
  size_t total = 0;
  while (total < out.size()) {
    auto n = source.Read(out.subspan(total));
    if (!n) return n.error();
    if (*n == 0) break;
    total += *n;
  }
  return total;
}

}  // namespace strata::storage
