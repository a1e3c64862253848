// Server-side encryption of object data (issue 7): the stream format every encrypted body is
// stored in, and the key handling around it. Internal to storage/; api/ sees only SseRequest and
// the sse fields of ObjectInfo (object_store.h).
//
// Stream format (one per stored body: a single-PUT object, or one part of a multipart object):
//   header: "SSE1" (4) | salt (28, random)                              = kSseHeaderBytes
//   blocks: each up to kSseBlockBytes of plaintext, AES-256-GCM encrypted,
//           ciphertext followed by its 16-byte tag
// The stream key is HMAC-SHA256(base key, salt), so every stream has its own key even when the
// base key is shared (an SSE-C customer key across objects, an upload's data key across its
// parts); block i uses the 96-bit nonce 0^4 | big-endian u64 i, which is then never reused under
// a key. Block i's AAD is the big-endian u64 i too (a block moved to another index fails). The
// plaintext size lives in the trusted object record, so a truncated stream is detected by the
// reader (kCorrupt), and a range read decrypts only the blocks it covers.
// Base keys: SSE-S3 a random 32-byte data key per object or upload, stored wrapped (SealSecret)
// by the server's master key; SSE-C the customer's 32-byte key, never stored: the record keeps
// only a salted HMAC of it to tell a wrong key from the right one.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <span>
#include <string>
#include <string_view>

#include "storage/body_source.h"
#include "storage/errors.h"
#include "storage/identity_crypto.h"
#include "storage/metadata_store.h"
#include "storage/object_store.h"

namespace strata::storage {

inline constexpr size_t kSseHeaderBytes = 32;
inline constexpr size_t kSseBlockBytes = 64 * 1024;
inline constexpr size_t kSseTagBytes = 16;
inline constexpr size_t kSseKeyBytes = 32;

// Bytes stored for `plaintext_size` bytes of plaintext.
uint64_t SseCiphertextSize(uint64_t plaintext_size);

// What a record keeps about its encryption. Encoded into object and upload records.
struct SseEnvelope {
  SseMode mode = SseMode::kNone;
  // kS3: the base (data) key sealed by the master key (SealSecret, aad "strata-sse-s3").
  std::string wrapped_key;
  // kCustomer: salt (16) | HMAC-SHA256(customer key, "strata-sse-c" | salt), to check a key.
  std::string key_check;
};
//   u8 mode | lp wrapped_key | lp key_check   (mode kNone encodes as the single byte 0)
std::string EncodeSseEnvelope(const SseEnvelope& envelope);
// kCorrupt on malformed input, an unknown mode, or fields that do not fit the mode.
Result<SseEnvelope> DecodeSseEnvelope(std::string_view bytes);

// The master key that wraps SSE-S3 data keys. Thread-safe (immutable).
class SseKeyring {
 public:
  explicit SseKeyring(MasterKey master) : master_(std::move(master)) {}
  // A new object's (or upload's) envelope and base key. kS3: a fresh random data key, wrapped.
  // kCustomer: `customer_key` (kSseKeyBytes, else kInvalidArgument) with a fresh key check.
  // kNone: kInvalidArgument.
  struct NewKey {
    SseEnvelope envelope;
    std::string base_key;
  };
  [[nodiscard]] Result<NewKey> Create(SseMode mode, std::string_view customer_key) const;
  // The base key of a stored envelope. kS3: unwrapped (kCorrupt if it does not unwrap; the key
  // given is ignored). kCustomer: `customer_key`, after checking it against key_check:
  // kSseKeyRequired when empty, kSseKeyMismatch when wrong. kNone: kSseNotApplicable if a
  // customer key was given, else an empty string.
  [[nodiscard]] Result<std::string> Open(const SseEnvelope& envelope,
                                         std::string_view customer_key) const;

 private:
  MasterKey master_;
};

// Ties the SSE master key to the index whose objects it wraps keys for: the first call seals a
// check value under "m/sse-key-check"; a later call with another key fails with
// IdentityErrc::kMasterKeyMismatch, so a server started with the wrong key file refuses to start
// instead of answering every SSE-S3 read with an error.
[[nodiscard]] boost::system::error_code CheckSseMasterKey(const MasterKey& key,
                                                          MetadataStore& index);

// Checks a customer key against an envelope without a keyring (HEAD needs no data key):
// as SseKeyring::Open for kCustomer and kNone; kS3 objects accept no customer key
// (kSseNotApplicable when one is given).
[[nodiscard]] boost::system::error_code CheckCustomerKey(const SseEnvelope& envelope,
                                                         std::string_view customer_key);

// S3 does not reveal the MD5 of SSE-C plaintext: such objects' ETags are this 16-byte digest of
// (base key, plaintext MD5) instead, stable for the object and meaningless without the key.
std::string MaskEtagDigest(std::string_view base_key, std::string_view md5);

// Encrypts `plain` (not owned; must outlive the result) into the stream format. Finish()
// returns plain's digests (of the plaintext). A random salt is drawn per stream.
std::unique_ptr<BodySource> NewEncryptingSource(BodySource& plain, std::string base_key);

// Random access to the plaintext of one stored stream whose bytes `raw` reads (ReadAt over the
// stored bytes, short only at their end). Each ReadAt decrypts only the blocks it covers and
// keeps the last one, so sequential small reads decrypt each block once. kCorrupt when a tag
// fails, the header is wrong, or the stream is shorter than plaintext_size needs. Not
// thread-safe.
class SseStreamReader {
 public:
  using RawReadAt = std::function<Result<size_t>(uint64_t offset, std::span<std::byte> out)>;
  SseStreamReader(std::string base_key, uint64_t plaintext_size, RawReadAt raw);
  ~SseStreamReader();
  SseStreamReader(const SseStreamReader&) = delete;
  SseStreamReader& operator=(const SseStreamReader&) = delete;
  // Reads up to out.size() plaintext bytes at offset; short only at plaintext_size.
  [[nodiscard]] Result<size_t> ReadAt(uint64_t offset, std::span<std::byte> out);

 private:
  struct State;
  std::unique_ptr<State> state_;
};

// The whole plaintext of a stream held in memory (inline data).
[[nodiscard]] Result<std::string> SseDecryptAll(std::string_view base_key, std::string_view stored,
                                                uint64_t plaintext_size);

}  // namespace strata::storage
