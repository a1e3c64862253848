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
// The one-byte cases are inline: a listing decodes a dozen fields per key, nearly all of them
// lengths and flags below 128, and the calls were ~7 % of its CPU.
class Decoder {
 public:
  explicit Decoder(std::string_view in) : in_(in) {}
  [[nodiscard]] bool GetByte(uint8_t& v) {
    if (in_.empty()) return false;
    v = static_cast<uint8_t>(in_.front());
    in_.remove_prefix(1);
    return true;
  }
  [[nodiscard]] bool GetVarint64(uint64_t& v) {
    if (!in_.empty() && static_cast<uint8_t>(in_.front()) < 0x80) {
      v = static_cast<uint8_t>(in_.front());
      in_.remove_prefix(1);
      return true;
    }
    return GetLongVarint64(v);
  }
  // The view points into the input.
  [[nodiscard]] bool GetLengthPrefixed(std::string_view& v) {
    uint64_t len = 0;
    if (!GetVarint64(len) || len > in_.size()) {
      in_ = {};
      return false;
    }
    v = in_.substr(0, len);
    in_.remove_prefix(len);
    return true;
  }
  [[nodiscard]] bool GetLengthPrefixed(std::string& v);
  bool done() const { return in_.empty(); }
  size_t remaining() const { return in_.size(); }

 private:
  bool GetLongVarint64(uint64_t& v);  // any length; fails the decoder on overflow or truncation

  std::string_view in_;
};

// A list of string pairs (headers, tags): varint count | (lp first, lp second)*. Getting checks
// the claimed count against the bytes left before allocating.
using StringPairs = std::vector<std::pair<std::string, std::string>>;
void PutStringPairs(std::string& out, const StringPairs& pairs);
[[nodiscard]] bool GetStringPairs(Decoder& d, StringPairs& pairs);

}  // namespace strata::storage
