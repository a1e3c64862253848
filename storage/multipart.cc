// PartRange, MultipartEtag and the composite checksum.
#include "storage/multipart.h"

#include <algorithm>

#include "storage/checksum.h"
#include "storage/object_store.h"

namespace strata::storage {
namespace {

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// Raw bytes of a hex string; a malformed digit pair contributes a zero byte (the input comes
// from our own records, which always hold 32 valid hex digits).
std::string HexDecodeLenient(std::string_view hex) {
  std::string out;
  out.reserve(hex.size() / 2);
  for (size_t i = 0; i + 1 < hex.size(); i += 2) {
    int hi = HexValue(hex[i]), lo = HexValue(hex[i + 1]);
    out.push_back(static_cast<char>(hi < 0 || lo < 0 ? 0 : (hi << 4) | lo));
  }
  return out;
}

}  // namespace

std::string NormalizeEtag(std::string_view etag) {
  if (etag.size() >= 2 && etag.front() == '"' && etag.back() == '"') {
    etag = etag.substr(1, etag.size() - 2);
  }
  std::string out(etag);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

Checksum CompositeChecksum(ChecksumAlgorithm algorithm,
                           const std::vector<std::string>& raw_part_checksums) {
  auto hasher = NewChecksumHasher(algorithm);
  for (const auto& c : raw_part_checksums) hasher->Update(std::as_bytes(std::span(c)));
  return Checksum{algorithm, hasher->Finish()};
}

std::string MultipartEtag(const std::vector<std::string>& part_md5_hex) {
  auto md5 = NewMd5Hasher();
  for (const auto& hex : part_md5_hex) {
    std::string raw = HexDecodeLenient(hex);
    md5->Update(std::as_bytes(std::span(raw)));
  }
  return HexEncode(md5->Finish()) + "-" + std::to_string(part_md5_hex.size());
}

Result<ByteRange> PartRange(const ObjectInfo& info, uint32_t part_number) {
  if (info.parts.empty()) {
    if (part_number != 1) return make_error_code(Errc::kInvalidArgument);
    return ByteRange{0, info.size};
  }
  // Parts are in ascending part-number order; a completion may skip numbers (1, 3, 7), and
  // partNumber names the uploaded number, not the position.
  uint64_t first = 0;
  for (const auto& p : info.parts) {
    if (p.part_number == part_number) return ByteRange{first, p.size};
    if (p.part_number > part_number) break;
    first += p.size;
  }
  return make_error_code(Errc::kInvalidArgument);
}

}  // namespace strata::storage
