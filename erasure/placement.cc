#include "erasure/placement.h"

namespace strata::erasure {

uint64_t StableHash64(std::string_view key) {
  uint64_t h = 0xcbf29ce484222325ULL;  // FNV-1a 64 offset basis
  for (unsigned char c : key) {
    h ^= c;
    h *= 0x100000001b3ULL;  // FNV-1a 64 prime
  }
  // SplitMix64 finalizer.
  h ^= h >> 30;
  h *= 0xbf58476d1ce4e5b9ULL;
  h ^= h >> 27;
  h *= 0x94d049bb133111ebULL;
  h ^= h >> 31;
  return h;
}

uint32_t ChooseErasureSet(std::string_view placement_key, uint32_t num_sets) {
  return static_cast<uint32_t>(StableHash64(placement_key) % num_sets);
}

}  // namespace strata::erasure
