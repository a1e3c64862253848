// LEB128 varints (as LevelDB's util/coding.cc) and length-prefixed strings.
#include "storage/coding.h"

namespace strata::storage {

void PutVarint64(std::string& out, uint64_t v) {
  while (v >= 0x80) {
    out.push_back(static_cast<char>((v & 0x7f) | 0x80));
    v >>= 7;
  }
  out.push_back(static_cast<char>(v));
}

void PutLengthPrefixed(std::string& out, std::string_view s) {
  PutVarint64(out, s.size());
  out.append(s);
}

bool Decoder::GetLongVarint64(uint64_t& v) {
  uint64_t result = 0;
  for (unsigned shift = 0; shift <= 63 && !in_.empty(); shift += 7) {
    auto byte = static_cast<uint8_t>(in_[0]);
    in_.remove_prefix(1);
    if (shift == 63 && byte > 1) break;  // would overflow 64 bits
    result |= static_cast<uint64_t>(byte & 0x7f) << shift;
    if ((byte & 0x80) == 0) {
      v = result;
      return true;
    }
  }
  in_ = {};
  return false;
}

bool Decoder::GetLengthPrefixed(std::string& v) {
  std::string_view view;
  if (!GetLengthPrefixed(view)) return false;
  v.assign(view);
  return true;
}

void PutStringPairs(std::string& out, const StringPairs& pairs) {
  PutVarint64(out, pairs.size());
  for (const auto& [first, second] : pairs) {
    PutLengthPrefixed(out, first);
    PutLengthPrefixed(out, second);
  }
}

bool GetStringPairs(Decoder& d, StringPairs& pairs) {
  uint64_t n = 0;
  if (!d.GetVarint64(n) || n > d.remaining() / 2) return false;  // two bytes per pair at least
  pairs.reserve(n);
  for (uint64_t i = 0; i < n; ++i) {
    std::string first, second;
    if (!d.GetLengthPrefixed(first) || !d.GetLengthPrefixed(second)) return false;
    pairs.emplace_back(std::move(first), std::move(second));
  }
  return true;
}

}  // namespace strata::storage
