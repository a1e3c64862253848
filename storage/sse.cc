// The SSE stream cipher (AES-256-GCM per 64 KiB block, OpenSSL EVP) and the key handling around
// it. Performance matters here (every encrypted PUT and GET runs through it): one EVP context per
// stream, re-keyed once and re-IV'd per block, no allocation per block, and whole blocks are
// encrypted or decrypted in place in the caller's buffer whenever it is large enough.
#include "storage/sse.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <algorithm>
#include <array>
#include <cstring>
#include <utility>
#include <vector>

#include "storage/coding.h"
#include "storage/stream.h"

namespace strata::storage {
namespace {

constexpr std::string_view kMagic = "SSE1";
constexpr size_t kSaltBytes = kSseHeaderBytes - 4;
constexpr size_t kStoredBlockBytes = kSseBlockBytes + kSseTagBytes;
constexpr size_t kKeyCheckSaltBytes = 16;
constexpr size_t kKeyCheckBytes = kKeyCheckSaltBytes + 32;
constexpr std::string_view kS3Aad = "strata-sse-s3";
constexpr std::string_view kKeyCheckLabel = "strata-sse-c";
constexpr std::string_view kEtagLabel = "strata-etag";
// A range read fetches up to this many stored blocks with one raw read (fewer round trips to
// the drives), so a reader holds at most ~512 KiB of ciphertext.
constexpr size_t kReadBatchBlocks = 8;

using Digest = std::array<unsigned char, 32>;

boost::system::error_code Corrupt() { return make_error_code(Errc::kCorrupt); }

// HMAC-SHA256(key, a | b). False only if OpenSSL fails.
[[nodiscard]] bool HmacSha256(std::string_view key, std::string_view a, std::string_view b,
                              Digest& out) {
  // The inputs here are short labels, salts and digests: a small stack buffer suffices.
  std::array<unsigned char, 128> message{};
  if (a.size() + b.size() > message.size()) return false;
  std::memcpy(message.data(), a.data(), a.size());
  if (!b.empty()) std::memcpy(message.data() + a.size(), b.data(), b.size());
  unsigned int len = 0;
  const unsigned char* r = HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()),
                                message.data(), a.size() + b.size(), out.data(), &len);
  OPENSSL_cleanse(message.data(), message.size());
  return r != nullptr && len == out.size();
}

std::string_view AsView(const Digest& d, size_t n = 32) {
  return {reinterpret_cast<const char*>(d.data()), n};
}

// salt | HMAC-SHA256(customer key, "strata-sse-c" | salt).
Result<std::string> MakeKeyCheck(std::string_view customer_key) {
  auto salt = RandomBytes(kKeyCheckSaltBytes);
  if (!salt) return salt.error();
  Digest mac{};
  if (!HmacSha256(customer_key, kKeyCheckLabel, *salt, mac)) {
    return make_error_code(Errc::kInternal);
  }
  std::string out = std::move(*salt);
  out.append(AsView(mac));
  return out;
}

// ok when `customer_key` is the key `key_check` was made from (compared in constant time).
boost::system::error_code CheckAgainst(std::string_view key_check, std::string_view customer_key) {
  if (customer_key.empty()) return make_error_code(Errc::kSseKeyRequired);
  if (key_check.size() != kKeyCheckBytes) return Corrupt();
  Digest mac{};
  if (!HmacSha256(customer_key, kKeyCheckLabel, key_check.substr(0, kKeyCheckSaltBytes), mac)) {
    return make_error_code(Errc::kInternal);
  }
  if (CRYPTO_memcmp(mac.data(), key_check.data() + kKeyCheckSaltBytes, mac.size()) != 0) {
    return make_error_code(Errc::kSseKeyMismatch);
  }
  return {};
}

struct CtxDeleter {
  void operator()(EVP_CIPHER_CTX* c) const { EVP_CIPHER_CTX_free(c); }
};

// AES-256-GCM over the blocks of one stream: the key schedule is set once, each block only
// sets its nonce (0^4 | be64 index) and AAD (be64 index). Not thread-safe.
class BlockCipher {
 public:
  BlockCipher() = default;
  BlockCipher(const BlockCipher&) = delete;
  BlockCipher& operator=(const BlockCipher&) = delete;
  // EVP_CIPHER_CTX_free cleanses the key schedule.
  ~BlockCipher() = default;

  // Derives the stream key HMAC-SHA256(base key, salt) and keys the context.
  [[nodiscard]] bool Init(std::string_view base_key, std::string_view salt, bool encrypt) {
    Digest stream_key{};
    bool ok = HmacSha256(base_key, salt, {}, stream_key);
    ctx_.reset(EVP_CIPHER_CTX_new());
    encrypt_ = encrypt;
    ok = ok && ctx_ &&
         EVP_CipherInit_ex(ctx_.get(), EVP_aes_256_gcm(), nullptr, stream_key.data(), nullptr,
                           encrypt ? 1 : 0) == 1;
    OPENSSL_cleanse(stream_key.data(), stream_key.size());
    if (!ok) ctx_.reset();
    return ok;
  }

  // Encrypts n bytes of block `index` from in to out (may be equal) and writes the tag.
  [[nodiscard]] bool Seal(uint64_t index, const std::byte* in, size_t n, std::byte* out,
                          std::byte* tag) {
    int len = 0;
    if (!Start(index) ||
        EVP_EncryptUpdate(ctx_.get(), U(out), &len, U(in), static_cast<int>(n)) != 1 ||
        EVP_EncryptFinal_ex(ctx_.get(), U(out) + len, &len) != 1 ||
        EVP_CIPHER_CTX_ctrl(ctx_.get(), EVP_CTRL_GCM_GET_TAG, kSseTagBytes, tag) != 1) {
      return false;
    }
    return true;
  }

  // Decrypts n bytes of block `index` from in to out (may be equal) and checks the tag; false
  // (and out wiped) when it does not match.
  [[nodiscard]] bool Open(uint64_t index, const std::byte* in, size_t n, const std::byte* tag,
                          std::byte* out) {
    int len = 0;
    // OpenSSL takes the expected tag through a non-const pointer but only reads it.
    bool ok = Start(index) &&
              EVP_DecryptUpdate(ctx_.get(), U(out), &len, U(in), static_cast<int>(n)) == 1 &&
              EVP_CIPHER_CTX_ctrl(ctx_.get(), EVP_CTRL_GCM_SET_TAG, kSseTagBytes,
                                  const_cast<std::byte*>(tag)) == 1 &&
              EVP_DecryptFinal_ex(ctx_.get(), U(out) + len, &len) == 1;
    if (!ok) OPENSSL_cleanse(out, n);
    return ok;
  }

 private:
  static unsigned char* U(std::byte* p) { return reinterpret_cast<unsigned char*>(p); }
  static const unsigned char* U(const std::byte* p) {
    return reinterpret_cast<const unsigned char*>(p);
  }

  [[nodiscard]] bool Start(uint64_t index) {
    if (!ctx_) return false;
    std::array<unsigned char, 12> nonce{};
    for (int i = 0; i < 8; ++i) nonce[4 + i] = static_cast<unsigned char>(index >> (56 - 8 * i));
    int len = 0;
    return EVP_CipherInit_ex(ctx_.get(), nullptr, nullptr, nullptr, nonce.data(),
                             encrypt_ ? 1 : 0) == 1 &&
           EVP_CipherUpdate(ctx_.get(), nullptr, &len, nonce.data() + 4, 8) == 1;
  }

  std::unique_ptr<EVP_CIPHER_CTX, CtxDeleter> ctx_;
  bool encrypt_ = true;
};

// Serves the header, then each block as ciphertext | tag. Blocks small callers cannot take
// whole are staged in buf_ and handed out in pieces.
class EncryptingSource final : public BodySource {
 public:
  EncryptingSource(BodySource& plain, std::string base_key)
      : plain_(plain), buf_(kStoredBlockBytes) {
    auto salt = RandomBytes(kSaltBytes);
    if (!salt) {
      error_ = salt.error();
    } else if (base_key.size() != kSseKeyBytes || !cipher_.Init(base_key, *salt, true)) {
      error_ = make_error_code(Errc::kInternal);
    } else {
      std::memcpy(buf_.data(), kMagic.data(), kMagic.size());
      std::memcpy(buf_.data() + kMagic.size(), salt->data(), kSaltBytes);
      pending_end_ = kSseHeaderBytes;
    }
    OPENSSL_cleanse(base_key.data(), base_key.size());
  }

  Result<size_t> Read(std::span<std::byte> out) override {
    if (error_) return error_;
    size_t total = 0;
    while (total < out.size()) {
      if (pending_begin_ < pending_end_) {
        const size_t n = std::min(out.size() - total, pending_end_ - pending_begin_);
        std::memcpy(out.data() + total, buf_.data() + pending_begin_, n);
        pending_begin_ += n;
        total += n;
        continue;
      }
      if (ended_) break;
      // A caller buffer that holds a whole stored block gets it encrypted in place; otherwise
      // the block is staged in buf_.
      std::span<std::byte> rest = out.subspan(total);
      const bool direct = rest.size() >= kStoredBlockBytes;
      std::byte* block = direct ? rest.data() : buf_.data();
      auto n = ReadFull(plain_, {block, kSseBlockBytes});
      if (!n) {
        error_ = n.error();
        return n.error();
      }
      if (*n < kSseBlockBytes) ended_ = true;  // ReadFull is short only at the end
      if (*n == 0) break;
      if (!cipher_.Seal(next_block_, block, *n, block, block + *n)) {
        error_ = make_error_code(Errc::kInternal);
        return error_;
      }
      ++next_block_;
      if (direct) {
        total += *n + kSseTagBytes;
      } else {
        pending_begin_ = 0;
        pending_end_ = *n + kSseTagBytes;
      }
    }
    return total;
  }

  Result<ContentDigests> Finish() override { return plain_.Finish(); }

 private:
  BodySource& plain_;
  BlockCipher cipher_;
  std::vector<std::byte> buf_;  // header, then one stored block at a time
  size_t pending_begin_ = 0;
  size_t pending_end_ = 0;
  uint64_t next_block_ = 0;
  bool ended_ = false;
  boost::system::error_code error_;
};

}  // namespace

uint64_t SseCiphertextSize(uint64_t plaintext_size) {
  const uint64_t blocks = (plaintext_size + kSseBlockBytes - 1) / kSseBlockBytes;
  return kSseHeaderBytes + plaintext_size + blocks * kSseTagBytes;
}

std::string EncodeSseEnvelope(const SseEnvelope& envelope) {
  std::string out(1, static_cast<char>(envelope.mode));
  if (envelope.mode == SseMode::kNone) return out;
  PutLengthPrefixed(out, envelope.wrapped_key);
  PutLengthPrefixed(out, envelope.key_check);
  return out;
}

Result<SseEnvelope> DecodeSseEnvelope(std::string_view bytes) {
  Decoder d(bytes);
  uint8_t mode = 0;
  if (!d.GetByte(mode)) return Corrupt();
  SseEnvelope envelope;
  switch (mode) {
    case static_cast<uint8_t>(SseMode::kNone):
      if (!d.done()) return Corrupt();
      return envelope;
    case static_cast<uint8_t>(SseMode::kS3):
    case static_cast<uint8_t>(SseMode::kCustomer):
      envelope.mode = static_cast<SseMode>(mode);
      break;
    default:
      return Corrupt();
  }
  if (!d.GetLengthPrefixed(envelope.wrapped_key) || !d.GetLengthPrefixed(envelope.key_check) ||
      !d.done()) {
    return Corrupt();
  }
  // Each mode carries exactly its own field. A wrapped key's exact size is checked by Open.
  const bool fits =
      envelope.mode == SseMode::kS3
          ? !envelope.wrapped_key.empty() && envelope.key_check.empty()
          : envelope.wrapped_key.empty() && envelope.key_check.size() == kKeyCheckBytes;
  if (!fits) return Corrupt();
  return envelope;
}

Result<SseKeyring::NewKey> SseKeyring::Create(SseMode mode, std::string_view customer_key) const {
  NewKey out;
  out.envelope.mode = mode;
  switch (mode) {
    case SseMode::kS3: {
      auto key = RandomBytes(kSseKeyBytes);
      if (!key) return key.error();
      auto wrapped = SealSecret(master_, *key, kS3Aad);
      if (!wrapped) {
        OPENSSL_cleanse(key->data(), key->size());
        return make_error_code(Errc::kInternal);
      }
      out.envelope.wrapped_key = std::move(*wrapped);
      out.base_key = std::move(*key);
      return out;
    }
    case SseMode::kCustomer: {
      if (customer_key.size() != kSseKeyBytes) return make_error_code(Errc::kInvalidArgument);
      auto check = MakeKeyCheck(customer_key);
      if (!check) return check.error();
      out.envelope.key_check = std::move(*check);
      out.base_key = std::string(customer_key);
      return out;
    }
    case SseMode::kNone:
      break;
  }
  return make_error_code(Errc::kInvalidArgument);
}

Result<std::string> SseKeyring::Open(const SseEnvelope& envelope,
                                     std::string_view customer_key) const {
  switch (envelope.mode) {
    case SseMode::kS3: {
      // Any failure to unwrap (another master key, altered bytes) means the record is unusable.
      auto key = OpenSecret(master_, envelope.wrapped_key, kS3Aad);
      if (!key) return Corrupt();
      if (key->size() != kSseKeyBytes) {
        OPENSSL_cleanse(key->data(), key->size());
        return Corrupt();
      }
      return key;
    }
    case SseMode::kCustomer:
      if (auto ec = CheckAgainst(envelope.key_check, customer_key)) return ec;
      return std::string(customer_key);
    case SseMode::kNone:
      if (!customer_key.empty()) return make_error_code(Errc::kSseNotApplicable);
      return std::string();
  }
  return Corrupt();
}

boost::system::error_code CheckCustomerKey(const SseEnvelope& envelope,
                                           std::string_view customer_key) {
  if (envelope.mode == SseMode::kCustomer) return CheckAgainst(envelope.key_check, customer_key);
  if (!customer_key.empty()) return make_error_code(Errc::kSseNotApplicable);
  return {};
}

boost::system::error_code CheckSseCustomerKey(const ObjectInfo& info,
                                              std::string_view customer_key) {
  SseEnvelope envelope;  // an empty envelope: a record from before issue 7, not encrypted
  if (!info.sse_envelope.empty()) {
    auto decoded = DecodeSseEnvelope(info.sse_envelope);
    if (!decoded) return decoded.error();
    envelope = std::move(*decoded);
  }
  return CheckCustomerKey(envelope, customer_key);
}

std::string MaskEtagDigest(std::string_view base_key, std::string_view md5) {
  Digest mac{};
  // Only fails for an md5 longer than 117 bytes or an OpenSSL failure; both are bugs, and an
  // empty result makes the caller's ETag visibly wrong rather than unmasked.
  if (!HmacSha256(base_key, kEtagLabel, md5, mac)) return {};
  return std::string(AsView(mac, 16));
}

std::unique_ptr<BodySource> NewEncryptingSource(BodySource& plain, std::string base_key) {
  return std::make_unique<EncryptingSource>(plain, std::move(base_key));
}

struct SseStreamReader::State {
  std::string base_key;  // cleared once the header has keyed the cipher
  uint64_t plaintext_size = 0;
  RawReadAt raw;
  bool keyed = false;
  BlockCipher cipher;
  std::vector<std::byte> stored;  // ciphertext of up to kReadBatchBlocks blocks
  std::vector<std::byte> cache;   // plaintext of block cached_index
  uint64_t cached_index = UINT64_MAX;

  ~State() { OPENSSL_cleanse(base_key.data(), base_key.size()); }

  uint64_t BlockCount() const { return (plaintext_size + kSseBlockBytes - 1) / kSseBlockBytes; }
  // Plaintext bytes in block i (i < BlockCount()).
  size_t BlockPlainBytes(uint64_t i) const {
    return static_cast<size_t>(
        std::min<uint64_t>(kSseBlockBytes, plaintext_size - i * kSseBlockBytes));
  }

  // Fills `out` from stored offset `offset`; kCorrupt if the stream ends first.
  boost::system::error_code RawReadFull(uint64_t offset, std::span<std::byte> out) {
    size_t got = 0;
    while (got < out.size()) {
      auto n = raw(offset + got, out.subspan(got));
      if (!n) return n.error();
      if (*n == 0) return Corrupt();
      got += std::min(*n, out.size() - got);
    }
    return {};
  }

  boost::system::error_code CheckHeader(std::span<const std::byte> header) {
    if (std::memcmp(header.data(), kMagic.data(), kMagic.size()) != 0) return Corrupt();
    std::string_view salt(reinterpret_cast<const char*>(header.data()) + kMagic.size(), kSaltBytes);
    if (base_key.size() != kSseKeyBytes || !cipher.Init(base_key, salt, false)) {
      return make_error_code(Errc::kInternal);
    }
    OPENSSL_cleanse(base_key.data(), base_key.size());
    base_key.clear();
    keyed = true;
    return {};
  }

  // Reads and decrypts blocks first..last (none of them cached); `dest(i)` says where block i's
  // plaintext goes (nullptr: into the cache).
  template <class Dest>
  boost::system::error_code LoadBlocks(uint64_t first, uint64_t last, Dest dest) {
    const size_t count = static_cast<size_t>(last - first + 1);
    const size_t body = (count - 1) * kStoredBlockBytes + BlockPlainBytes(last) + kSseTagBytes;
    // A first read from the start also fetches the header, saving a round trip.
    const size_t prefix = keyed ? 0 : (first == 0 ? kSseHeaderBytes : 0);
    if (!keyed && first != 0) {
      std::array<std::byte, kSseHeaderBytes> header{};
      if (auto ec = RawReadFull(0, header)) return ec;
      if (auto ec = CheckHeader(header)) return ec;
    }
    if (stored.size() < prefix + body) stored.resize(prefix + body);
    const uint64_t start = kSseHeaderBytes + first * kStoredBlockBytes - prefix;
    if (auto ec = RawReadFull(start, {stored.data(), prefix + body})) return ec;
    if (prefix != 0) {
      if (auto ec = CheckHeader({stored.data(), kSseHeaderBytes})) return ec;
    }
    for (uint64_t i = first; i <= last; ++i) {
      const size_t n = BlockPlainBytes(i);
      const std::byte* in = stored.data() + prefix + (i - first) * kStoredBlockBytes;
      std::byte* out = dest(i);
      if (out == nullptr) {
        if (cache.size() < kSseBlockBytes) cache.resize(kSseBlockBytes);
        cached_index = UINT64_MAX;
        out = cache.data();
      }
      if (!cipher.Open(i, in, n, in + n, out)) return Corrupt();
      if (out == cache.data()) cached_index = i;
    }
    return {};
  }
};

SseStreamReader::SseStreamReader(std::string base_key, uint64_t plaintext_size, RawReadAt raw)
    : state_(std::make_unique<State>()) {
  state_->base_key = std::move(base_key);
  state_->plaintext_size = plaintext_size;
  state_->raw = std::move(raw);
}

SseStreamReader::~SseStreamReader() = default;

Result<size_t> SseStreamReader::ReadAt(uint64_t offset, std::span<std::byte> out) {
  State& s = *state_;
  if (offset >= s.plaintext_size || out.empty()) return size_t{0};
  const size_t len = static_cast<size_t>(std::min<uint64_t>(out.size(), s.plaintext_size - offset));
  const uint64_t end = offset + len;
  const uint64_t first = offset / kSseBlockBytes;
  const uint64_t last = (end - 1) / kSseBlockBytes;
  // Blocks wholly inside the request decrypt straight into out; partial ones (only the first
  // and the last can be) go through the cache.
  auto dest = [&](uint64_t i) -> std::byte* {
    const uint64_t b = i * kSseBlockBytes;
    if (b >= offset && b + s.BlockPlainBytes(i) <= end) return out.data() + (b - offset);
    return nullptr;
  };
  auto copy_from_cache = [&](uint64_t i) {
    const uint64_t b = i * kSseBlockBytes;
    const uint64_t from = std::max(b, offset);
    const uint64_t to = std::min<uint64_t>(b + s.BlockPlainBytes(i), end);
    std::memcpy(out.data() + (from - offset), s.cache.data() + (from - b), to - from);
  };
  uint64_t i = first;
  while (i <= last) {
    if (i == s.cached_index) {
      copy_from_cache(i);
      ++i;
      continue;
    }
    uint64_t batch_last = std::min<uint64_t>(last, i + kReadBatchBlocks - 1);
    if (s.cached_index > i && s.cached_index <= batch_last) batch_last = s.cached_index - 1;
    // The cache holds one block: a partial first block is copied out before a partial last
    // block replaces it, so the two never share a batch.
    if (batch_last == last && last != i && dest(i) == nullptr && dest(last) == nullptr) {
      batch_last = last - 1;
    }
    if (auto ec = s.LoadBlocks(i, batch_last, dest)) return ec;
    if (dest(i) == nullptr) copy_from_cache(i);
    if (batch_last != i && dest(batch_last) == nullptr) copy_from_cache(batch_last);
    i = batch_last + 1;
  }
  return len;
}

Result<std::string> SseDecryptAll(std::string_view base_key, std::string_view stored,
                                  uint64_t plaintext_size) {
  // Checked before allocating: plaintext_size comes from a record, stored from a drive.
  if (plaintext_size > stored.size() || stored.size() != SseCiphertextSize(plaintext_size)) {
    return Corrupt();
  }
  SseStreamReader reader(std::string(base_key), plaintext_size,
                         [stored](uint64_t offset, std::span<std::byte> out) -> Result<size_t> {
                           if (offset >= stored.size()) return size_t{0};
                           const size_t n = std::min<size_t>(out.size(), stored.size() - offset);
                           std::memcpy(out.data(), stored.data() + offset, n);
                           return n;
                         });
  std::string plain(static_cast<size_t>(plaintext_size), '\0');
  auto n = reader.ReadAt(0, std::as_writable_bytes(std::span(plain.data(), plain.size())));
  if (!n) return n.error();
  if (*n != plain.size()) return Corrupt();
  return plain;
}

}  // namespace strata::storage
