// Sign-in tokens of the web console (/console, console_handler.h): stateless, self-verifying
// cookies, so no session table grows with logins.
//
//   token = base64url(expiry | id | HMAC-SHA256(key, expiry | id)), no padding (75 characters)
//   expiry: Unix seconds, 8 bytes big-endian; id: 16 random bytes; key: 32 random bytes made
//   once per server start, so a restart signs everyone out and another server's tokens fail.
//
// Logout revokes a token's id until its expiry (a small table: only the root account can sign
// in, so only it can add entries). Thread-safe.
#pragma once

#include <array>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <map>
#include <mutex>
#include <optional>
#include <span>
#include <string>
#include <string_view>

namespace strata::server {

class ConsoleSessions {
 public:
  using TimePoint = std::chrono::system_clock::time_point;
  static constexpr std::chrono::hours kLifetime{12};
  static constexpr size_t kKeyBytes = 32;
  static constexpr size_t kTokenChars = 75;  // base64url of 8 + 16 + 32 bytes

  // A fresh random key (OpenSSL RAND_bytes). If the system has no randomness, ok() is false:
  // Issue returns "" and Verify rejects everything.
  ConsoleSessions();
  // A given key (tests; two servers with different keys).
  explicit ConsoleSessions(std::span<const std::byte, kKeyBytes> key);

  bool ok() const { return ok_; }

  // A new token valid until now + kLifetime; "" only when !ok() or RAND_bytes fails.
  std::string Issue(TimePoint now) const;

  // True iff `token` was issued with this key, is well formed, has not expired at `now`
  // (expiry > now) and was not revoked. Constant-time MAC comparison; any input is safe.
  bool Verify(std::string_view token, TimePoint now) const;

  // Makes a valid token invalid until its expiry (logout). Tokens that do not verify are
  // ignored. Expired entries are dropped on each call.
  void Revoke(std::string_view token, TimePoint now);

 private:
  struct Decoded {
    int64_t expiry = 0;
    std::array<std::byte, 16> id{};
  };
  std::optional<Decoded> Check(std::string_view token, TimePoint now) const;

  std::array<std::byte, kKeyBytes> key_{};
  bool ok_ = false;
  mutable std::mutex mu_;
  std::map<std::array<std::byte, 16>, int64_t> revoked_;  // id -> expiry; GUARDED_BY(mu_)
};

// The value of cookie `name` in a Cookie header ("a=1; b=2"), or nullopt.
std::optional<std::string_view> CookieValue(std::string_view cookie_header, std::string_view name);

// Compares two secrets in time independent of their contents (both are hashed first, so the
// lengths do not leak through an early exit either).
bool SecretsEqual(std::string_view a, std::string_view b);

// RFC 4648 base64url without padding; Decode is strict (nullopt on any other character, or a
// length that is not a base64 length).
std::string Base64UrlEncode(std::span<const std::byte> data);
std::optional<std::string> Base64UrlDecode(std::string_view text);

}  // namespace strata::server
