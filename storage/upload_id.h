// Multipart upload ids: 12 lower-case hex digits of the initiation time in ms, then 20 random
// hex digits (80 bits from OpenSSL's CSPRNG). URL-safe, unguessable, and, within one key,
// sorted by initiation time, so the index lists a key's uploads oldest first. Thread-safe.
#pragma once

#include <string>
#include <string_view>

#include "storage/errors.h"

namespace strata::storage {

inline constexpr size_t kUploadIdLength = 32;

// kInternal if the random generator fails.
Result<std::string> NewUploadId(int64_t now_ms);
// True if `id` has the shape NewUploadId produces (anything else cannot name an upload).
bool IsWellFormedUploadId(std::string_view id);

}  // namespace strata::storage
