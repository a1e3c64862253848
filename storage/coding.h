// Binary encoding primitives for metadata records: LEB128 varints and length-prefixed strings.
// Internal to storage/. Decoding is bounds-checked: malformed input fails, never over-reads.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace strata::storage {

void PutVarint64(std::string& out, uint64_t v);
void PutLengthPrefixed(std::string& out, std::string_view s);
inline uint64_t ZigZag(int64_t v) {
  return (static_cast<uint64_t>(v) << 1) ^ static_cast<uint64_t>(v >> 63);
}
inline int64_t UnZigZag(uint64_t v) {
  return static_cast<int64_t>(v >> 1) ^ -static_cast<int64_t>(v & 1);
}

// Reads fields front to back from a view. Every getter returns false on malformed or
// truncated input and leaves the decoder failed. Not thread-safe.
class Decoder {
 public:
  explicit Decoder(std::string_view in) : in_(in) {}
  [[nodiscard]] bool GetByte(uint8_t& v);
  [[nodiscard]] bool GetVarint64(uint64_t& v);
  // The view points into the input.
  [[nodiscard]] bool GetLengthPrefixed(std::string_view& v);
  [[nodiscard]] bool GetLengthPrefixed(std::string& v);
  bool done() const { return in_.empty(); }
  size_t remaining() const { return in_.size(); }

 private:
  std::string_view in_;
};

// A list of string pairs (headers, tags): varint count | (lp first, lp second)*. Getting checks
// the claimed count against the bytes left before allocating.
using StringPairs = std::vector<std::pair<std::string, std::string>>;
void PutStringPairs(std::string& out, const StringPairs& pairs);
[[nodiscard]] bool GetStringPairs(Decoder& d, StringPairs& pairs);

}  // namespace strata::storage
