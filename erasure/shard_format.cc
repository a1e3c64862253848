#include "erasure/shard_format.h"

#include <cstring>

#include "erasure/crc32c.h"

namespace strata::erasure {
namespace {

constexpr char kHeaderMagic[8] = {'S', 'T', 'R', 'S', 'H', 'A', 'R', 'D'};
constexpr char kFooterMagic[4] = {'S', 'E', 'N', 'D'};

void PutU8(std::string& out, uint32_t v) { out.push_back(static_cast<char>(v & 0xff)); }
void PutU16(std::string& out, uint32_t v) {
  for (int i = 0; i < 2; ++i) out.push_back(static_cast<char>((v >> (8 * i)) & 0xff));
}
void PutU32(std::string& out, uint32_t v) {
  for (int i = 0; i < 4; ++i) out.push_back(static_cast<char>((v >> (8 * i)) & 0xff));
}

uint64_t GetLe(const std::byte* p, int n) {
  uint64_t v = 0;
  for (int i = n - 1; i >= 0; --i) v = (v << 8) | static_cast<uint8_t>(p[i]);
  return v;
}

std::span<const std::byte> AsBytes(const std::string& s) {
  return std::as_bytes(std::span<const char>(s.data(), s.size()));
}

}  // namespace

std::string EncodeShardHeader(const ShardHeader& h) {
  std::string out;
  const size_t total =
      kShardHeaderFixedSize + h.blob_id.size() + h.tier.size() + h.label.size() + 4;
  out.reserve(total);
  out.append(kHeaderMagic, sizeof(kHeaderMagic));
  PutU16(out, kShardFormatVersion1);
  PutU32(out, static_cast<uint32_t>(total));
  PutU8(out, h.data_shards);
  PutU8(out, h.parity_shards);
  PutU8(out, h.shard_index);
  PutU8(out, static_cast<uint32_t>(h.blob_id.size()));
  PutU8(out, static_cast<uint32_t>(h.tier.size()));
  PutU32(out, h.block_size);
  PutU32(out, static_cast<uint32_t>(h.label.size()));
  out += h.blob_id;
  out += h.tier;
  out += h.label;
  PutU32(out, Crc32c(AsBytes(out)));
  return out;
}

Result<uint32_t> ShardHeaderLength(std::span<const std::byte> prefix) {
  const auto corrupt = make_error_code(Errc::kCorrupt);
  if (prefix.size() < kShardHeaderFixedSize) return corrupt;
  if (std::memcmp(prefix.data(), kHeaderMagic, sizeof(kHeaderMagic)) != 0) return corrupt;
  if (GetLe(prefix.data() + 8, 2) != kShardFormatVersion1) return corrupt;
  const uint64_t total = GetLe(prefix.data() + 10, 4);
  const uint64_t id_len = GetLe(prefix.data() + 17, 1);
  const uint64_t tier_len = GetLe(prefix.data() + 18, 1);
  const uint64_t label_len = GetLe(prefix.data() + 23, 4);
  if (label_len > kMaxLabelSize) return corrupt;
  if (total != kShardHeaderFixedSize + id_len + tier_len + label_len + 4) return corrupt;
  return static_cast<uint32_t>(total);
}

Result<ShardHeader> DecodeShardHeader(std::span<const std::byte> bytes) {
  const auto corrupt = make_error_code(Errc::kCorrupt);
  auto total = ShardHeaderLength(bytes);
  if (!total) return total.error();
  if (bytes.size() != *total) return corrupt;
  const size_t body = bytes.size() - 4;
  if (Crc32c(bytes.first(body)) != GetLe(bytes.data() + body, 4)) return corrupt;
  const std::byte* p = bytes.data();
  ShardHeader h;
  h.data_shards = static_cast<uint32_t>(GetLe(p + 14, 1));
  h.parity_shards = static_cast<uint32_t>(GetLe(p + 15, 1));
  h.shard_index = static_cast<uint32_t>(GetLe(p + 16, 1));
  const size_t id_len = static_cast<size_t>(GetLe(p + 17, 1));
  const size_t tier_len = static_cast<size_t>(GetLe(p + 18, 1));
  h.block_size = static_cast<uint32_t>(GetLe(p + 19, 4));
  const size_t label_len = static_cast<size_t>(GetLe(p + 23, 4));
  const char* s = reinterpret_cast<const char*>(p + kShardHeaderFixedSize);
  h.blob_id.assign(s, id_len);
  h.tier.assign(s + id_len, tier_len);
  h.label.assign(s + id_len + tier_len, label_len);
  if (h.data_shards < 1 || h.data_shards + h.parity_shards > 255 ||
      h.shard_index >= h.data_shards + h.parity_shards || h.block_size == 0) {
    return corrupt;
  }
  return h;
}

std::array<std::byte, kShardFooterSize> EncodeShardFooter(uint64_t blob_size) {
  std::array<std::byte, kShardFooterSize> out{};
  for (int i = 0; i < 8; ++i) out[i] = static_cast<std::byte>((blob_size >> (8 * i)) & 0xff);
  std::memcpy(out.data() + 8, kFooterMagic, sizeof(kFooterMagic));
  const uint32_t crc = Crc32c(std::span<const std::byte>(out.data(), 12));
  for (int i = 0; i < 4; ++i) out[12 + i] = static_cast<std::byte>((crc >> (8 * i)) & 0xff);
  return out;
}

Result<uint64_t> DecodeShardFooter(std::span<const std::byte> bytes) {
  const auto corrupt = make_error_code(Errc::kCorrupt);
  if (bytes.size() != kShardFooterSize) return corrupt;
  if (std::memcmp(bytes.data() + 8, kFooterMagic, sizeof(kFooterMagic)) != 0) return corrupt;
  if (Crc32c(bytes.first(12)) != GetLe(bytes.data() + 12, 4)) return corrupt;
  return GetLe(bytes.data(), 8);
}

}  // namespace strata::erasure
