// Byte streams: how request bodies flow down and object data flows up without being held whole.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

#include "storage/errors.h"

namespace strata::storage {

// A pull stream. Not thread-safe.
class ByteSource {
 public:
  virtual ~ByteSource() = default;
  // Fills up to out.size() bytes; returns 0 only at end of stream. May block. An error is final:
  // the caller abandons the stream and passes the code up unchanged (it may come from any layer,
  // e.g. a bad chunk signature from api/).
  [[nodiscard]] virtual Result<size_t> Read(std::span<std::byte> out) = 0;
};

// Reads until out is full or the stream ends; returns bytes read.
[[nodiscard]] Result<size_t> ReadFull(ByteSource& source, std::span<std::byte> out);

}  // namespace strata::storage
