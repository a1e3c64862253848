// Small SHA-256 / HMAC-SHA256 helpers over OpenSSL 3, for SigV4. Every function is thread-safe.
#pragma once

#include <cstddef>
#include <memory>
#include <span>
#include <string>
#include <string_view>

namespace strata::api {

// Raw 32-byte HMAC-SHA256 of `data` under `key`.
std::string HmacSha256(std::string_view key, std::string_view data);
// Raw 32-byte SHA-256 of `data`.
std::string Sha256Digest(std::string_view data);
// Lower-case hex of SHA-256(data): what SigV4 puts in canonical requests.
std::string Sha256Hex(std::string_view data);
// Lower-case hex of raw bytes.
std::string HexLower(std::string_view raw);
// True if `s` is exactly 64 hex digits (either case).
bool IsSha256Hex(std::string_view s);
// Compares two strings in time independent of where they differ (CRYPTO_memcmp); false when the
// lengths differ (lengths are not secret here).
bool ConstantTimeEquals(std::string_view a, std::string_view b);

// Incremental SHA-256. Not thread-safe.
class Sha256Stream {
 public:
  Sha256Stream();
  ~Sha256Stream();
  Sha256Stream(const Sha256Stream&) = delete;
  Sha256Stream& operator=(const Sha256Stream&) = delete;

  void Update(std::span<const std::byte> data);
  void Update(std::string_view data);
  // Lower-case hex digest; resets the stream for reuse.
  std::string FinishHex();

 private:
  struct Ctx;
  std::unique_ptr<Ctx> ctx_;
};

}  // namespace strata::api
