// Digests for ETags and S3 checksums. Cryptographic hashes come from OpenSSL EVP, CRC32 and
// CRC32C from ISA-L (through erasure/), CRC64NVME from crc64nvme.cc. Base64 decoding is
// hand-written because OpenSSL's decoder tolerates whitespace and does not report how much padding
// it saw.
#include "storage/checksum.h"

#include <openssl/evp.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <cstdlib>

#include "erasure/crc32.h"
#include "erasure/crc32c.h"
#include "storage/crc64nvme.h"

namespace strata::storage {
namespace {

bool EqualsIgnoreCase(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) ==
                  std::tolower(static_cast<unsigned char>(y));
         });
}

// EVP_MD_fetch is costly (a provider lookup); fetch each algorithm once per process.
const EVP_MD* FetchMd(const char* name) {
  EVP_MD* md = EVP_MD_fetch(nullptr, name, nullptr);
  if (md == nullptr) std::abort();  // OpenSSL without MD5/SHA: unusable build, fail loudly.
  return md;
}

const EVP_MD* Md5Md() {
  static const EVP_MD* md = FetchMd("MD5");
  return md;
}
const EVP_MD* Sha1Md() {
  static const EVP_MD* md = FetchMd("SHA1");
  return md;
}
const EVP_MD* Sha256Md() {
  static const EVP_MD* md = FetchMd("SHA256");
  return md;
}

class EvpHasher final : public Hasher {
 public:
  explicit EvpHasher(const EVP_MD* md) : ctx_(EVP_MD_CTX_new()) {
    if (ctx_ == nullptr || EVP_DigestInit_ex2(ctx_, md, nullptr) != 1) std::abort();
  }
  ~EvpHasher() override { EVP_MD_CTX_free(ctx_); }
  EvpHasher(const EvpHasher&) = delete;
  EvpHasher& operator=(const EvpHasher&) = delete;

  void Update(std::span<const std::byte> data) override {
    EVP_DigestUpdate(ctx_, data.data(), data.size());
  }

  std::string Finish() override {
    std::array<unsigned char, EVP_MAX_MD_SIZE> out;
    unsigned int len = 0;
    EVP_DigestFinal_ex(ctx_, out.data(), &len);
    return std::string(reinterpret_cast<const char*>(out.data()), len);
  }

 private:
  EVP_MD_CTX* ctx_;
};

std::string BigEndian(uint64_t value, size_t bytes) {
  std::string out(bytes, '\0');
  for (size_t i = 0; i < bytes; ++i) {
    out[bytes - 1 - i] = static_cast<char>(value & 0xff);
    value >>= 8;
  }
  return out;
}

// The CRCs chain: each Update extends the previous result.
class Crc32Hasher final : public Hasher {
 public:
  void Update(std::span<const std::byte> data) override { crc_ = erasure::Crc32(data, crc_); }
  std::string Finish() override { return BigEndian(crc_, 4); }

 private:
  uint32_t crc_ = 0;
};

class Crc32cHasher final : public Hasher {
 public:
  void Update(std::span<const std::byte> data) override { crc_ = erasure::Crc32c(data, crc_); }
  std::string Finish() override { return BigEndian(crc_, 4); }

 private:
  uint32_t crc_ = 0;
};

class Crc64NvmeHasher final : public Hasher {
 public:
  void Update(std::span<const std::byte> data) override { crc_ = Crc64NvmeUpdate(crc_, data); }
  std::string Finish() override { return BigEndian(crc_, 8); }

 private:
  uint64_t crc_ = 0;
};

std::string OneShot(Hasher& hasher, std::string_view data) {
  hasher.Update(std::as_bytes(std::span(data.data(), data.size())));
  return hasher.Finish();
}

int Base64Value(char c) {
  if (c >= 'A' && c <= 'Z') return c - 'A';
  if (c >= 'a' && c <= 'z') return c - 'a' + 26;
  if (c >= '0' && c <= '9') return c - '0' + 52;
  if (c == '+') return 62;
  if (c == '/') return 63;
  return -1;
}

}  // namespace

std::optional<ChecksumAlgorithm> ParseChecksumAlgorithm(std::string_view name) {
  for (auto a :
       {ChecksumAlgorithm::kCrc32, ChecksumAlgorithm::kCrc32c, ChecksumAlgorithm::kCrc64Nvme,
        ChecksumAlgorithm::kSha1, ChecksumAlgorithm::kSha256}) {
    if (EqualsIgnoreCase(name, ChecksumAlgorithmName(a))) return a;
  }
  return std::nullopt;
}

std::string_view ChecksumAlgorithmName(ChecksumAlgorithm a) {
  switch (a) {
    case ChecksumAlgorithm::kNone:
      return "";
    case ChecksumAlgorithm::kCrc32:
      return "CRC32";
    case ChecksumAlgorithm::kCrc32c:
      return "CRC32C";
    case ChecksumAlgorithm::kCrc64Nvme:
      return "CRC64NVME";
    case ChecksumAlgorithm::kSha1:
      return "SHA1";
    case ChecksumAlgorithm::kSha256:
      return "SHA256";
  }
  return "";
}

std::string_view ChecksumHeaderName(ChecksumAlgorithm a) {
  switch (a) {
    case ChecksumAlgorithm::kNone:
      return "";
    case ChecksumAlgorithm::kCrc32:
      return "x-amz-checksum-crc32";
    case ChecksumAlgorithm::kCrc32c:
      return "x-amz-checksum-crc32c";
    case ChecksumAlgorithm::kCrc64Nvme:
      return "x-amz-checksum-crc64nvme";
    case ChecksumAlgorithm::kSha1:
      return "x-amz-checksum-sha1";
    case ChecksumAlgorithm::kSha256:
      return "x-amz-checksum-sha256";
  }
  return "";
}

size_t ChecksumSize(ChecksumAlgorithm a) {
  switch (a) {
    case ChecksumAlgorithm::kNone:
      return 0;
    case ChecksumAlgorithm::kCrc32:
    case ChecksumAlgorithm::kCrc32c:
      return 4;
    case ChecksumAlgorithm::kCrc64Nvme:
      return 8;
    case ChecksumAlgorithm::kSha1:
      return 20;
    case ChecksumAlgorithm::kSha256:
      return 32;
  }
  return 0;
}

std::unique_ptr<Hasher> NewChecksumHasher(ChecksumAlgorithm a) {
  switch (a) {
    case ChecksumAlgorithm::kCrc32:
      return std::make_unique<Crc32Hasher>();
    case ChecksumAlgorithm::kCrc32c:
      return std::make_unique<Crc32cHasher>();
    case ChecksumAlgorithm::kCrc64Nvme:
      return std::make_unique<Crc64NvmeHasher>();
    case ChecksumAlgorithm::kSha1:
      return std::make_unique<EvpHasher>(Sha1Md());
    case ChecksumAlgorithm::kSha256:
      return std::make_unique<EvpHasher>(Sha256Md());
    case ChecksumAlgorithm::kNone:
      break;
  }
  return nullptr;  // REQUIRES violated.
}

std::unique_ptr<Hasher> NewMd5Hasher() { return std::make_unique<EvpHasher>(Md5Md()); }
std::unique_ptr<Hasher> NewSha256Hasher() { return std::make_unique<EvpHasher>(Sha256Md()); }

std::string Md5(std::string_view data) {
  EvpHasher hasher(Md5Md());
  return OneShot(hasher, data);
}

std::string Sha256(std::string_view data) {
  EvpHasher hasher(Sha256Md());
  return OneShot(hasher, data);
}

std::string HexEncode(std::string_view raw) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  out.reserve(raw.size() * 2);
  for (unsigned char c : raw) {
    out.push_back(kDigits[c >> 4]);
    out.push_back(kDigits[c & 0xf]);
  }
  return out;
}

std::string Base64Encode(std::string_view raw) {
  std::string out(4 * ((raw.size() + 2) / 3) + 1, '\0');  // + NUL written by OpenSSL
  int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                          reinterpret_cast<const unsigned char*>(raw.data()),
                          static_cast<int>(raw.size()));
  out.resize(static_cast<size_t>(n));
  return out;
}

std::optional<std::string> Base64Decode(std::string_view text) {
  if (text.size() % 4 != 0) return std::nullopt;
  size_t padding = 0;
  if (!text.empty() && text.back() == '=') padding = text[text.size() - 2] == '=' ? 2 : 1;
  std::string out;
  out.reserve(text.size() / 4 * 3);
  for (size_t i = 0; i < text.size(); i += 4) {
    bool last = i + 4 == text.size();
    size_t pad = last ? padding : 0;
    uint32_t group = 0;
    for (size_t j = 0; j < 4; ++j) {
      int v = 0;
      if (j < 4 - pad) {
        v = Base64Value(text[i + j]);
        if (v < 0) return std::nullopt;  // bad character, or '=' before the end
      }
      group = (group << 6) | static_cast<uint32_t>(v);
    }
    // Non-canonical encodings (stray bits under the padding) are rejected too.
    if ((pad == 1 && (group & 0xff) != 0) || (pad == 2 && (group & 0xffff) != 0)) {
      return std::nullopt;
    }
    out.push_back(static_cast<char>(group >> 16));
    if (pad < 2) out.push_back(static_cast<char>((group >> 8) & 0xff));
    if (pad < 1) out.push_back(static_cast<char>(group & 0xff));
  }
  return out;
}

}  // namespace strata::storage
