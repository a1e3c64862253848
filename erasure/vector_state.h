// ISA-L's AVX-512 routines (ec_encode_data, crc32_iscsi, crc32_gzip_refl, from a few KiB up)
// return with the upper halves of zmm0-15 still in use: they end without VZEROUPPER. Until the
// thread's next VZEROUPPER, an Intel core then runs every legacy-SSE instruction of that thread
// with a false dependency on those halves, and glibc's string functions and the compiler's own
// SSE code are full of them. A worker that had served PUTs (the index journal's CRC32C over a
// group commit) took 40 % more CPU for the same 1000-key listing page afterwards. So every
// ISA-L call is followed by ClearUpperVectorState().
#pragma once

#include <optional>

namespace strata::erasure {

// VZEROUPPER when the CPU has AVX; nothing otherwise (and on other architectures).
void ClearUpperVectorState() noexcept;

// Whether the calling thread's upper vector state (AVX or ZMM_Hi256) is in use, from XGETBV's
// XINUSE bitmap; nullopt when the CPU cannot tell (no bitmap, or one that does not read clean
// after VZEROUPPER). For tests.
std::optional<bool> UpperVectorStateInUse() noexcept;

}  // namespace strata::erasure
