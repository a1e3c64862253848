// Blob ids: random 128-bit names, 32 lowercase hex digits. IsValidBlobId() is in drive.h.
#pragma once

#include <string>

#include "erasure/errors.h"

namespace strata::erasure {

// Returns a fresh random blob id (from the kernel's CSPRNG), or kDriveFailed if the kernel
// cannot supply randomness. Thread-safe.
[[nodiscard]] Result<std::string> NewBlobId();

}  // namespace strata::erasure
