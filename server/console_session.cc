#include "server/console_session.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>
#include <openssl/sha.h>

#include <cstring>

namespace strata::server {
namespace {

constexpr size_t kIdBytes = 16;
constexpr size_t kPayloadBytes = 8 + kIdBytes;
constexpr size_t kMacBytes = 32;
constexpr size_t kTokenBytes = kPayloadBytes + kMacBytes;
constexpr std::string_view kAlphabet =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

int64_t UnixSeconds(ConsoleSessions::TimePoint t) {
  return std::chrono::duration_cast<std::chrono::seconds>(t.time_since_epoch()).count();
}

int DecodeChar(char c) {
  if (c >= 'A' && c <= 'Z') return c - 'A';
  if (c >= 'a' && c <= 'z') return c - 'a' + 26;
  if (c >= '0' && c <= '9') return c - '0' + 52;
  if (c == '-') return 62;
  if (c == '_') return 63;
  return -1;
}

bool Mac(std::span<const std::byte> key, std::span<const std::byte> data,
         std::span<std::byte, kMacBytes> out) {
  unsigned int len = 0;
  const unsigned char* r = HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()),
                                reinterpret_cast<const unsigned char*>(data.data()), data.size(),
                                reinterpret_cast<unsigned char*>(out.data()), &len);
  return r != nullptr && len == kMacBytes;
}

}  // namespace

std::string Base64UrlEncode(std::span<const std::byte> data) {
  std::string out;
  out.reserve((data.size() * 4 + 2) / 3);
  size_t i = 0;
  for (; i + 3 <= data.size(); i += 3) {
    const uint32_t v = (std::to_integer<uint32_t>(data[i]) << 16) |
                       (std::to_integer<uint32_t>(data[i + 1]) << 8) |
                       std::to_integer<uint32_t>(data[i + 2]);
    out += kAlphabet[(v >> 18) & 63];
    out += kAlphabet[(v >> 12) & 63];
    out += kAlphabet[(v >> 6) & 63];
    out += kAlphabet[v & 63];
  }
  const size_t rest = data.size() - i;
  if (rest == 1) {
    const uint32_t v = std::to_integer<uint32_t>(data[i]) << 16;
    out += kAlphabet[(v >> 18) & 63];
    out += kAlphabet[(v >> 12) & 63];
  } else if (rest == 2) {
    const uint32_t v =
        (std::to_integer<uint32_t>(data[i]) << 16) | (std::to_integer<uint32_t>(data[i + 1]) << 8);
    out += kAlphabet[(v >> 18) & 63];
    out += kAlphabet[(v >> 12) & 63];
    out += kAlphabet[(v >> 6) & 63];
  }
  return out;
}

std::optional<std::string> Base64UrlDecode(std::string_view text) {
  if (text.size() % 4 == 1) return std::nullopt;
  std::string out;
  out.reserve(text.size() / 4 * 3 + 2);
  uint32_t acc = 0;
  int bits = 0;
  for (char c : text) {
    const int v = DecodeChar(c);
    if (v < 0) return std::nullopt;
    acc = (acc << 6) | static_cast<uint32_t>(v);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out += static_cast<char>((acc >> bits) & 0xff);
    }
  }
  // Leftover bits must be zero: one byte string has exactly one encoding.
  if ((acc & ((1u << bits) - 1)) != 0) return std::nullopt;
  return out;
}

bool SecretsEqual(std::string_view a, std::string_view b) {
  unsigned char ha[SHA256_DIGEST_LENGTH];
  unsigned char hb[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const unsigned char*>(a.data()), a.size(), ha);
  SHA256(reinterpret_cast<const unsigned char*>(b.data()), b.size(), hb);
  return CRYPTO_memcmp(ha, hb, sizeof(ha)) == 0;
}

std::optional<std::string_view> CookieValue(std::string_view header, std::string_view name) {
  while (!header.empty()) {
    const size_t semi = header.find(';');
    std::string_view part = header.substr(0, semi);
    header = semi == std::string_view::npos ? std::string_view() : header.substr(semi + 1);
    while (!part.empty() && (part.front() == ' ' || part.front() == '\t')) part.remove_prefix(1);
    while (!part.empty() && (part.back() == ' ' || part.back() == '\t')) part.remove_suffix(1);
    const size_t eq = part.find('=');
    if (eq == std::string_view::npos) continue;
    if (part.substr(0, eq) == name) return part.substr(eq + 1);
  }
  return std::nullopt;
}

ConsoleSessions::ConsoleSessions() {
  ok_ =
      RAND_bytes(reinterpret_cast<unsigned char*>(key_.data()), static_cast<int>(key_.size())) == 1;
}

ConsoleSessions::ConsoleSessions(std::span<const std::byte, kKeyBytes> key) : ok_(true) {
  std::memcpy(key_.data(), key.data(), kKeyBytes);
}

std::string ConsoleSessions::Issue(TimePoint now) const {
  if (!ok_) return "";
  std::array<std::byte, kTokenBytes> token{};
  const uint64_t expiry = static_cast<uint64_t>(
      UnixSeconds(now) + std::chrono::duration_cast<std::chrono::seconds>(kLifetime).count());
  for (int i = 0; i < 8; ++i) token[i] = static_cast<std::byte>(expiry >> (56 - 8 * i));
  if (RAND_bytes(reinterpret_cast<unsigned char*>(token.data() + 8), kIdBytes) != 1) return "";
  if (!Mac(key_, std::span(token).first<kPayloadBytes>(),
           std::span(token).subspan<kPayloadBytes, kMacBytes>())) {
    return "";
  }
  return Base64UrlEncode(token);
}

std::optional<ConsoleSessions::Decoded> ConsoleSessions::Check(std::string_view token,
                                                               TimePoint now) const {
  // The length is checked before anything is decoded: a huge cookie costs nothing.
  if (!ok_ || token.size() != kTokenChars) return std::nullopt;
  auto raw = Base64UrlDecode(token);
  if (!raw || raw->size() != kTokenBytes) return std::nullopt;
  const auto* bytes = reinterpret_cast<const std::byte*>(raw->data());
  std::array<std::byte, kMacBytes> want{};
  if (!Mac(key_, std::span(bytes, kPayloadBytes), want)) return std::nullopt;
  if (CRYPTO_memcmp(want.data(), bytes + kPayloadBytes, kMacBytes) != 0) return std::nullopt;
  Decoded d;
  uint64_t expiry = 0;
  for (int i = 0; i < 8; ++i) expiry = (expiry << 8) | std::to_integer<uint64_t>(bytes[i]);
  d.expiry = static_cast<int64_t>(expiry);
  if (d.expiry <= UnixSeconds(now)) return std::nullopt;
  std::memcpy(d.id.data(), bytes + 8, kIdBytes);
  return d;
}

bool ConsoleSessions::Verify(std::string_view token, TimePoint now) const {
  auto d = Check(token, now);
  if (!d) return false;
  std::lock_guard lock(mu_);
  return !revoked_.contains(d->id);
}

void ConsoleSessions::Revoke(std::string_view token, TimePoint now) {
  auto d = Check(token, now);
  std::lock_guard lock(mu_);
  const int64_t t = UnixSeconds(now);
  std::erase_if(revoked_, [t](const auto& entry) { return entry.second <= t; });
  if (d) revoked_.emplace(d->id, d->expiry);
}

}  // namespace strata::server
