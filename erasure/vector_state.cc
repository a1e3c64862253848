#include "erasure/vector_state.h"

#if defined(__x86_64__)
#include <cpuid.h>

#include <cstdint>
#endif

namespace strata::erasure {

#if defined(__x86_64__)
namespace {

// XCR0 / XINUSE component bits: the upper 128 bits of ymm0-15, the upper 256 of zmm0-15.
constexpr uint64_t kAvxUpperState = 1u << 2;
constexpr uint64_t kZmmHi256State = 1u << 6;

bool HasAvx() noexcept {
  static const bool has = __builtin_cpu_supports("avx");
  return has;
}

__attribute__((target("avx"))) void VzeroUpper() noexcept { __builtin_ia32_vzeroupper(); }

uint64_t XgetbvInUse() noexcept {
  uint32_t low = 0, high = 0;
  asm volatile("xgetbv" : "=a"(low), "=d"(high) : "c"(1));
  return low | (uint64_t{high} << 32);
}

// XGETBV with ECX = 1 (the in-use bitmap) exists when CPUID.(EAX=0DH, ECX=1):EAX[2] is set.
// The architecture lets a CPU report a component in use that is in its initial state, so the
// bitmap only tells when it reads clean right after a VZEROUPPER.
bool XinuseTellsUpperState() noexcept {
  static const bool tells = [] {
    unsigned a = 0, b = 0, c = 0, d = 0;
    if (!HasAvx() || !__get_cpuid(1, &a, &b, &c, &d) || (c & bit_OSXSAVE) == 0) return false;
    if (__get_cpuid_max(0, nullptr) < 0xD) return false;
    __cpuid_count(0xD, 1, a, b, c, d);
    if ((a & (1u << 2)) == 0) return false;
    VzeroUpper();
    return (XgetbvInUse() & (kAvxUpperState | kZmmHi256State)) == 0;
  }();
  return tells;
}

}  // namespace

void ClearUpperVectorState() noexcept {
  if (HasAvx()) VzeroUpper();
}

std::optional<bool> UpperVectorStateInUse() noexcept {
  if (!XinuseTellsUpperState()) return std::nullopt;
  return (XgetbvInUse() & (kAvxUpperState | kZmmHi256State)) != 0;
}

#else

void ClearUpperVectorState() noexcept {}
std::optional<bool> UpperVectorStateInUse() noexcept { return std::nullopt; }

#endif

}  // namespace strata::erasure
