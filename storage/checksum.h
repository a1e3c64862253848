// Content digests: MD5 for ETags, and the S3 integrity checksums (x-amz-checksum-*).
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>

namespace strata::storage {

// On disk: never renumber.
enum class ChecksumAlgorithm : uint8_t {
  kNone = 0,
  kCrc32 = 1,
  kCrc32c = 2,
  kCrc64Nvme = 3,
  kSha1 = 4,
  kSha256 = 5,
};

// "CRC32", "crc32c", "CRC64NVME", "SHA1", "SHA256" (case-insensitive); nullopt otherwise.
std::optional<ChecksumAlgorithm> ParseChecksumAlgorithm(std::string_view name);
std::string_view ChecksumAlgorithmName(ChecksumAlgorithm a);  // "CRC32", ...
std::string_view ChecksumHeaderName(ChecksumAlgorithm a);     // "x-amz-checksum-crc32", ...
size_t ChecksumSize(ChecksumAlgorithm a);                     // raw digest bytes

// An incremental digest. Not thread-safe.
class Hasher {
 public:
  virtual ~Hasher() = default;
  virtual void Update(std::span<const std::byte> data) = 0;
  // Raw digest bytes (big-endian for the CRCs, as S3 encodes them). Call once.
  virtual std::string Finish() = 0;
};

std::unique_ptr<Hasher> NewChecksumHasher(ChecksumAlgorithm a);  // REQUIRES: a != kNone
std::unique_ptr<Hasher> NewMd5Hasher();
std::unique_ptr<Hasher> NewSha256Hasher();

// One-shot helpers.
std::string Md5(std::string_view data);
std::string Sha256(std::string_view data);

std::string HexEncode(std::string_view raw);  // lower-case
std::string Base64Encode(std::string_view raw);
// Strict: rejects bad characters, bad padding and bad length.
std::optional<std::string> Base64Decode(std::string_view text);

}  // namespace strata::storage
