// BlobRef's binary encoding, stored in storage/'s metadata records:
//   version u8 (= 1) | blob id: varint length + bytes | tier: varint length + bytes |
//   set index, k, m, block size, size: varints
// Decode treats its input as hostile: every length is bounded before use, and trailing or
// missing bytes are errors.
#include <cstdint>
#include <string>
#include <string_view>

#include "erasure/chunk_store.h"
#include "erasure/shard_format.h"

namespace strata::erasure {
namespace {

// On disk: never renumber.
constexpr uint8_t kBlobRefVersion1 = 1;

void PutVarint(std::string& out, uint64_t v) {
  while (v >= 0x80) {
    out.push_back(static_cast<char>((v & 0x7f) | 0x80));
    v >>= 7;
  }
  out.push_back(static_cast<char>(v));
}

bool GetVarint(std::string_view& in, uint64_t& v) {
  v = 0;
  for (int shift = 0; shift < 64 && !in.empty(); shift += 7) {
    const uint8_t b = static_cast<uint8_t>(in.front());
    in.remove_prefix(1);
    if (shift == 63 && b > 1) return false;  // overflows 64 bits
    v |= uint64_t{b & 0x7fu} << shift;
    if ((b & 0x80) == 0) return b != 0 || shift == 0;  // canonical: no trailing zero group
  }
  return false;
}

bool GetString(std::string_view& in, size_t max_len, std::string& out) {
  uint64_t len = 0;
  if (!GetVarint(in, len) || len > max_len || len > in.size()) return false;
  out.assign(in.substr(0, len));
  in.remove_prefix(len);
  return true;
}

bool GetU32(std::string_view& in, uint32_t& out) {
  uint64_t v = 0;
  if (!GetVarint(in, v) || v > UINT32_MAX) return false;
  out = static_cast<uint32_t>(v);
  return true;
}

}  // namespace

std::string BlobRef::Encode() const {
  std::string out;
  out.reserve(16 + blob_id.size() + tier.size());
  out.push_back(static_cast<char>(kBlobRefVersion1));
  PutVarint(out, blob_id.size());
  out += blob_id;
  PutVarint(out, tier.size());
  out += tier;
  PutVarint(out, set_index);
  PutVarint(out, data_shards);
  PutVarint(out, parity_shards);
  PutVarint(out, block_size);
  PutVarint(out, size);
  return out;
}

Result<BlobRef> BlobRef::Decode(std::string_view in) {
  const auto bad = make_error_code(Errc::kCorrupt);
  if (in.empty() || static_cast<uint8_t>(in.front()) != kBlobRefVersion1) return bad;
  in.remove_prefix(1);
  BlobRef ref;
  if (!GetString(in, 64, ref.blob_id) || !GetString(in, kMaxTierNameSize, ref.tier) ||
      !GetU32(in, ref.set_index) || !GetU32(in, ref.data_shards) ||
      !GetU32(in, ref.parity_shards) || !GetU32(in, ref.block_size) || !GetVarint(in, ref.size) ||
      !in.empty()) {
    return bad;
  }
  if (!IsValidBlobId(ref.blob_id) || ref.data_shards < 1 ||
      ref.data_shards + uint64_t{ref.parity_shards} > 255 || ref.block_size == 0) {
    return bad;
  }
  return ref;
}

}  // namespace strata::erasure
