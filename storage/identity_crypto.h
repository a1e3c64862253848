// Secrets at rest for the identity store: the master key file and AES-256-GCM sealing (OpenSSL
// EVP), plus the CSPRNG the store draws access key ids and secrets from. Thread-safe.
#pragma once

#include <array>
#include <cstddef>
#include <string>
#include <string_view>

#include "storage/errors.h"
#include "storage/identity_errors.h"

namespace strata::storage {

// 32 bytes; wiped when destroyed.
class MasterKey {
 public:
  static constexpr size_t kSize = 32;
  explicit MasterKey(const std::array<unsigned char, kSize>& bytes) : bytes_(bytes) {}
  MasterKey(const MasterKey&) = default;
  MasterKey& operator=(const MasterKey&) = default;
  ~MasterKey();
  const unsigned char* data() const { return bytes_.data(); }

 private:
  std::array<unsigned char, kSize> bytes_;
};

// Reads the master key file, or creates it when absent: 32 bytes from the CSPRNG, mode 0600,
// synced (written to "<path>.tmp", then linked into place, so a crash never leaves a short key).
// Refuses, with IdentityErrc::kBadMasterKeyFile and *detail saying why, a file that is not a
// regular file, that group or others may access (mode & 077), or that is not exactly 32 bytes.
// `*created` (optional) tells whether the file was made by this call.
[[nodiscard]] Result<MasterKey> LoadOrCreateMasterKey(const std::string& path, std::string* detail,
                                                      bool* created = nullptr);

// AES-256-GCM with a fresh random 96-bit nonce: nonce(12) | ciphertext | tag(16). `aad` is
// authenticated but not stored: the same aad must be given to OpenSecret.
[[nodiscard]] Result<std::string> SealSecret(const MasterKey& key, std::string_view plaintext,
                                             std::string_view aad);
// The plaintext, or IdentityErrc::kCannotDecrypt for a wrong key, a different aad, or altered
// or truncated input.
[[nodiscard]] Result<std::string> OpenSecret(const MasterKey& key, std::string_view sealed,
                                             std::string_view aad);

// `n` bytes from OpenSSL's CSPRNG (kInternal if it fails).
[[nodiscard]] Result<std::string> RandomBytes(size_t n);

}  // namespace strata::storage
