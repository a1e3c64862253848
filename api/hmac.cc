#include "api/hmac.h"

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/params.h>

#include <cstdlib>
#include <optional>

namespace strata::api {

namespace {

// OpenSSL 3 looks an algorithm up by name (a property query under a lock, and allocations)
// every time a legacy handle such as EVP_sha256() or the one-shot HMAC() is used; fetched once,
// the lookup is gone. Those lookups were ~6 % of the server's CPU in a 4 KiB GET loop, where
// each request computes one HMAC and two SHA-256 digests of a few hundred bytes.
const EVP_MD* Sha256Md() {
  static EVP_MD* const md = EVP_MD_fetch(nullptr, "SHA256", nullptr);
  if (md == nullptr) std::abort();  // the default provider always has it
  return md;
}

// An HMAC-SHA256 context per thread, its digest set once; each call only sets the key.
class ThreadHmac {
 public:
  ThreadHmac() {
    static EVP_MAC* const mac = EVP_MAC_fetch(nullptr, "HMAC", nullptr);
    ctx_ = mac != nullptr ? EVP_MAC_CTX_new(mac) : nullptr;
    char digest[] = "SHA256";
    const OSSL_PARAM params[] = {OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, digest, 0),
                                 OSSL_PARAM_construct_end()};
    if (ctx_ == nullptr || EVP_MAC_CTX_set_params(ctx_, params) != 1) std::abort();
  }
  ~ThreadHmac() { EVP_MAC_CTX_free(ctx_); }
  ThreadHmac(const ThreadHmac&) = delete;
  ThreadHmac& operator=(const ThreadHmac&) = delete;

  std::string Mac(std::string_view key, std::string_view data) {
    // A null key would make EVP_MAC_init keep the previous call's key: an empty key is passed
    // as a zero-length one.
    static constexpr unsigned char kNoKey = 0;
    const auto* key_bytes =
        key.empty() ? &kNoKey : reinterpret_cast<const unsigned char*>(key.data());
    // The same key as the last call (a request's signing key, the same all day): a null key
    // restarts from the keyed state the context kept, sparing the key schedule.
    const bool same_key = key_ && *key_ == key;
    if (!same_key) key_.emplace(key);
    unsigned char out[EVP_MAX_MD_SIZE];
    size_t out_len = 0;
    if (EVP_MAC_init(ctx_, same_key ? nullptr : key_bytes, same_key ? 0 : key.size(), nullptr) !=
            1 ||
        EVP_MAC_update(ctx_, reinterpret_cast<const unsigned char*>(data.data()), data.size()) !=
            1 ||
        EVP_MAC_final(ctx_, out, &out_len, sizeof out) != 1) {
      std::abort();  // only on allocation failure inside OpenSSL
    }
    return std::string(reinterpret_cast<const char*>(out), out_len);
  }

 private:
  EVP_MAC_CTX* ctx_ = nullptr;
  std::optional<std::string> key_;  // the key ctx_ holds, once a call has set one
};

}  // namespace

std::string HmacSha256(std::string_view key, std::string_view data) {
  thread_local ThreadHmac hmac;
  return hmac.Mac(key, data);
}

std::string Sha256Digest(std::string_view data) {
  // One digest context per thread, reused: EVP_Digest allocates, initialises and frees one per
  // call, which cost more than hashing the few hundred bytes of a canonical request.
  struct ThreadDigest {
    EVP_MD_CTX* ctx = EVP_MD_CTX_new();
    ~ThreadDigest() { EVP_MD_CTX_free(ctx); }
  };
  thread_local ThreadDigest digest;
  unsigned char out[EVP_MAX_MD_SIZE];
  unsigned int out_len = 0;
  if (digest.ctx == nullptr || EVP_DigestInit_ex2(digest.ctx, Sha256Md(), nullptr) != 1 ||
      EVP_DigestUpdate(digest.ctx, data.data(), data.size()) != 1 ||
      EVP_DigestFinal_ex(digest.ctx, out, &out_len) != 1) {
    std::abort();  // only on allocation failure inside OpenSSL
  }
  return std::string(reinterpret_cast<const char*>(out), out_len);
}

std::string Sha256Hex(std::string_view data) { return HexLower(Sha256Digest(data)); }

std::string HexLower(std::string_view raw) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out(raw.size() * 2, '\0');
  for (size_t i = 0; i < raw.size(); ++i) {
    auto b = static_cast<unsigned char>(raw[i]);
    out[2 * i] = kDigits[b >> 4];
    out[2 * i + 1] = kDigits[b & 0xf];
  }
  return out;
}

bool IsSha256Hex(std::string_view s) {
  if (s.size() != 64) return false;
  for (char c : s) {
    bool hex = (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
    if (!hex) return false;
  }
  return true;
}

bool ConstantTimeEquals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  return CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

struct Sha256Stream::Ctx {
  EVP_MD_CTX* md = nullptr;
};

Sha256Stream::Sha256Stream() : ctx_(std::make_unique<Ctx>()) {
  ctx_->md = EVP_MD_CTX_new();
  if (ctx_->md == nullptr || EVP_DigestInit_ex(ctx_->md, Sha256Md(), nullptr) != 1) {
    std::abort();
  }
}

Sha256Stream::~Sha256Stream() { EVP_MD_CTX_free(ctx_->md); }

void Sha256Stream::Update(std::span<const std::byte> data) {
  if (!data.empty()) EVP_DigestUpdate(ctx_->md, data.data(), data.size());
}

void Sha256Stream::Update(std::string_view data) {
  if (!data.empty()) EVP_DigestUpdate(ctx_->md, data.data(), data.size());
}

std::string Sha256Stream::FinishHex() {
  unsigned char out[EVP_MAX_MD_SIZE];
  unsigned int out_len = 0;
  EVP_DigestFinal_ex(ctx_->md, out, &out_len);
  EVP_DigestInit_ex(ctx_->md, Sha256Md(), nullptr);
  return HexLower(std::string_view(reinterpret_cast<const char*>(out), out_len));
}

}  // namespace strata::api
