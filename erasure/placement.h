// Placement: which erasure set of a tier holds a blob. Pure and stable across processes,
// builds and platforms (no std::hash), so a name always maps to the same set.
#pragma once

#include <cstdint>
#include <string_view>

namespace strata::erasure {

// 64-bit FNV-1a of key, finished with the SplitMix64 mixer so every bit of the result depends
// on every input byte (plain FNV-1a spreads poorly under a small modulus).
uint64_t StableHash64(std::string_view key);

// Returns the erasure set in [0, num_sets) for placement_key. REQUIRES: num_sets >= 1.
uint32_t ChooseErasureSet(std::string_view placement_key, uint32_t num_sets);

}  // namespace strata::erasure
