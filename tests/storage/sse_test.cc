#include "storage/sse.h"

#include <catch2/catch.hpp>
#include <random>
#include <string>
#include <vector>

#include "storage/checksum.h"
#include "tests/storage/byte_source_fake.h"
#include "tests/storage/result_string_maker.h"

namespace strata::storage {
namespace {

using testing::TestBody;
using testing::TestPayload;

constexpr size_t kBlock = kSseBlockBytes;
constexpr size_t kStoredBlock = kSseBlockBytes + kSseTagBytes;

std::string Key(char fill) { return std::string(kSseKeyBytes, fill); }

MasterKey Master(unsigned char fill) {
  std::array<unsigned char, MasterKey::kSize> bytes{};
  bytes.fill(fill);
  return MasterKey(bytes);
}

struct Encrypted {
  std::string stored;
  ContentDigests digests;
};

// Encrypts `plain` through NewEncryptingSource, reading with a buffer of `buffer_size` bytes.
Encrypted Encrypt(const std::string& plain, const std::string& key, size_t buffer_size = 1 << 20,
                  size_t piece = 64 * 1024) {
  TestBody body(plain, {}, piece);
  auto source = NewEncryptingSource(body, key);
  Encrypted out;
  std::vector<std::byte> buffer(buffer_size);
  while (true) {
    auto n = source->Read(buffer);
    REQUIRE(n);
    if (*n == 0) break;
    REQUIRE(*n <= buffer_size);
    out.stored.append(reinterpret_cast<const char*>(buffer.data()), *n);
  }
  auto digests = source->Finish();
  REQUIRE(digests);
  out.digests = *digests;
  return out;
}

// A reader over `stored` that counts the stored bytes it fetched.
struct StoredReader {
  StoredReader(std::string stored_bytes, const std::string& key, uint64_t size)
      : stored(std::move(stored_bytes)),
        reader(key, size, [this](uint64_t offset, std::span<std::byte> out) -> Result<size_t> {
          ++raw_calls;
          if (offset >= stored.size()) return size_t{0};
          const size_t n = std::min<size_t>(out.size(), stored.size() - offset);
          std::memcpy(out.data(), stored.data() + offset, n);
          raw_bytes += n;
          return n;
        }) {}

  Result<std::string> Read(uint64_t offset, size_t length) {
    std::string out(length, '\0');
    auto n = reader.ReadAt(offset, std::as_writable_bytes(std::span(out.data(), out.size())));
    if (!n) return n.error();
    out.resize(*n);
    return out;
  }

  std::string stored;
  uint64_t raw_calls = 0;
  uint64_t raw_bytes = 0;
  SseStreamReader reader;
};

TEST_CASE("stored size is the header plus the plaintext plus a tag per block", "[sse]") {
  CHECK(SseCiphertextSize(0) == 32);
  CHECK(SseCiphertextSize(1) == 32 + 1 + 16);
  CHECK(SseCiphertextSize(65535) == 32 + 65535 + 16);
  CHECK(SseCiphertextSize(65536) == 32 + 65536 + 16);
  CHECK(SseCiphertextSize(65537) == 32 + 65537 + 32);
  CHECK(SseCiphertextSize(3 * 65536 + 5) == 32 + 3 * 65536 + 5 + 4 * 16);
}

TEST_CASE("encrypted streams round trip at block-boundary sizes", "[sse]") {
  const size_t size = GENERATE(size_t{0}, size_t{1}, size_t{65535}, size_t{65536}, size_t{65537},
                               size_t{3 * 65536 + 5});
  CAPTURE(size);
  const std::string plain = TestPayload(size, 7);
  const std::string key = Key('k');
  Encrypted e = Encrypt(plain, key);
  CHECK(e.stored.size() == SseCiphertextSize(size));
  CHECK(e.stored.substr(0, 4) == "SSE1");
  // Finish reports the plaintext's digests, not the ciphertext's.
  CHECK(e.digests.size == size);
  CHECK(e.digests.md5 == Md5(plain));

  auto all = SseDecryptAll(key, e.stored, size);
  REQUIRE(all);
  CHECK(*all == plain);

  StoredReader r(e.stored, key, size);
  auto read = r.Read(0, size + 10);
  REQUIRE(read);
  CHECK(*read == plain);
}

TEST_CASE("range reads return the right bytes at every awkward offset and length", "[sse]") {
  const size_t size = 3 * 65536 + 5;
  const std::string plain = TestPayload(size, 3);
  const std::string key = Key('r');
  Encrypted e = Encrypt(plain, key);
  const std::vector<uint64_t> offsets = {0,      1,      65535,  65536,    65537,   131071,
                                         131072, 196607, 196608, size - 1, size - 5};
  const std::vector<size_t> lengths = {1, 2, 5, 4096, 65535, 65536, 65537, 131073, size};
  for (uint64_t offset : offsets) {
    for (size_t length : lengths) {
      CAPTURE(offset, length);
      // A fresh reader (no cache) and a shared one (whatever the cache holds) must agree.
      StoredReader fresh(e.stored, key, size);
      auto got = fresh.Read(offset, length);
      REQUIRE(got);
      CHECK(*got == plain.substr(offset, length));
    }
  }
  StoredReader shared(e.stored, key, size);
  std::mt19937 rng(42);
  for (int i = 0; i < 300; ++i) {
    const uint64_t offset = rng() % (size + 3);
    const size_t length = 1 + rng() % (rng() % 2 ? 100 : 200000);
    CAPTURE(offset, length);
    auto got = shared.Read(offset, length);
    REQUIRE(got);
    CHECK(*got == (offset >= size ? std::string() : plain.substr(offset, length)));
  }
}

TEST_CASE("reads at or past the end of the plaintext return 0 bytes", "[sse]") {
  const std::string plain = TestPayload(70000);
  const std::string key = Key('e');
  StoredReader r(Encrypt(plain, key).stored, key, plain.size());
  auto at_end = r.Read(plain.size(), 10);
  REQUIRE(at_end);
  CHECK(at_end->empty());
  auto past = r.Read(plain.size() + 1000, 10);
  REQUIRE(past);
  CHECK(past->empty());
  auto last = r.Read(plain.size() - 1, 10);
  REQUIRE(last);
  CHECK(*last == plain.substr(plain.size() - 1));
  StoredReader empty(Encrypt("", key).stored, key, 0);
  auto none = empty.Read(0, 10);
  REQUIRE(none);
  CHECK(none->empty());
}

TEST_CASE("sequential small reads fetch each stored block once", "[sse]") {
  const size_t size = 3 * 65536 + 5;
  const std::string plain = TestPayload(size, 9);
  const std::string key = Key('s');
  StoredReader r(Encrypt(plain, key).stored, key, size);
  std::string got;
  for (uint64_t offset = 0; offset < size; offset += 1000) {
    auto piece = r.Read(offset, 1000);
    REQUIRE(piece);
    got += *piece;
  }
  CHECK(got == plain);
  CHECK(r.raw_bytes == SseCiphertextSize(size));
}

TEST_CASE("the encrypting source works with tiny output buffers and tiny input pieces", "[sse]") {
  const size_t buffer =
      GENERATE(size_t{1}, size_t{7}, size_t{65551}, size_t{65552}, size_t{65553}, size_t{3 << 20});
  const size_t piece = GENERATE(size_t{13}, size_t{64 * 1024});
  CAPTURE(buffer, piece);
  const size_t size = 2 * 65536 + 3;
  const std::string plain = TestPayload(size, 11);
  const std::string key = Key('t');
  Encrypted e = Encrypt(plain, key, buffer, piece);
  CHECK(e.stored.size() == SseCiphertextSize(size));
  auto all = SseDecryptAll(key, e.stored, size);
  REQUIRE(all);
  CHECK(*all == plain);
  CHECK(e.digests.md5 == Md5(plain));
}

TEST_CASE("stored bytes do not contain the plaintext", "[sse]") {
  std::string plain;
  while (plain.size() < 200000) plain += "the quick brown fox jumps over the lazy dog. ";
  const std::string key = Key('p');
  Encrypted e = Encrypt(plain, key);
  CHECK(e.stored.find("quick brown") == std::string::npos);
  CHECK(e.stored.find("lazy dog") == std::string::npos);
  const std::string payload = TestPayload(100000, 5);
  Encrypted p = Encrypt(payload, key);
  for (size_t at : {size_t{0}, size_t{1000}, size_t{70000}, size_t{99980}}) {
    CHECK(p.stored.find(payload.substr(at, 16)) == std::string::npos);
  }
}

TEST_CASE("two encryptions of the same plaintext under the same key differ", "[sse]") {
  const std::string plain = TestPayload(100000, 2);
  const std::string key = Key('d');
  Encrypted a = Encrypt(plain, key);
  Encrypted b = Encrypt(plain, key);
  REQUIRE(a.stored.size() == b.stored.size());
  CHECK(a.stored.substr(4, 28) != b.stored.substr(4, 28));
  CHECK(a.stored.substr(32, 64) != b.stored.substr(32, 64));
  CHECK(a.stored.substr(a.stored.size() - 64) != b.stored.substr(b.stored.size() - 64));
}

TEST_CASE("a flipped bit in any block gives kCorrupt for reads covering that block", "[sse]") {
  const size_t size = 3 * 65536 + 5;
  const std::string plain = TestPayload(size, 4);
  const std::string key = Key('f');
  const std::string stored = Encrypt(plain, key).stored;
  for (uint64_t block = 0; block < 4; ++block) {
    const size_t block_plain = block == 3 ? 5 : kBlock;
    const size_t start = kSseHeaderBytes + block * kStoredBlock;
    // In the ciphertext, and in the tag.
    for (size_t at : {start + block_plain / 2, start + block_plain + 3}) {
      CAPTURE(block, at);
      std::string bad = stored;
      bad[at] ^= 0x10;
      StoredReader r(bad, key, size);
      auto read = r.Read(block * kBlock, 1);
      REQUIRE_FALSE(read);
      CHECK(read.error() == Errc::kCorrupt);
      auto all = SseDecryptAll(key, bad, size);
      REQUIRE_FALSE(all);
      CHECK(all.error() == Errc::kCorrupt);
      // A range read elsewhere decrypts only its own blocks, and still works.
      const uint64_t other = (block + 1) % 4;
      StoredReader ok(bad, key, size);
      auto good = ok.Read(other * kBlock, 5);
      REQUIRE(good);
      CHECK(*good == plain.substr(other * kBlock, 5));
    }
  }
}

TEST_CASE("a flipped bit in the header salt or magic gives kCorrupt", "[sse]") {
  const std::string plain = TestPayload(1000);
  const std::string key = Key('h');
  const std::string stored = Encrypt(plain, key).stored;
  for (size_t at : {size_t{0}, size_t{3}, size_t{4}, size_t{31}}) {
    CAPTURE(at);
    std::string bad = stored;
    bad[at] ^= 0x01;
    StoredReader r(bad, key, plain.size());
    auto read = r.Read(0, 10);
    REQUIRE_FALSE(read);
    CHECK(read.error() == Errc::kCorrupt);
  }
}

TEST_CASE("swapped blocks give kCorrupt", "[sse]") {
  const size_t size = 2 * 65536;
  const std::string plain = TestPayload(size, 6);
  const std::string key = Key('w');
  const std::string stored = Encrypt(plain, key).stored;
  std::string swapped = stored.substr(0, kSseHeaderBytes) +
                        stored.substr(kSseHeaderBytes + kStoredBlock, kStoredBlock) +
                        stored.substr(kSseHeaderBytes, kStoredBlock);
  REQUIRE(swapped.size() == stored.size());
  StoredReader r(swapped, key, size);
  auto first = r.Read(0, 10);
  REQUIRE_FALSE(first);
  CHECK(first.error() == Errc::kCorrupt);
  auto second = r.Read(kBlock, 10);
  REQUIRE_FALSE(second);
  CHECK(second.error() == Errc::kCorrupt);
  auto all = SseDecryptAll(key, swapped, size);
  REQUIRE_FALSE(all);
  CHECK(all.error() == Errc::kCorrupt);
}

TEST_CASE("a truncated stream gives kCorrupt", "[sse]") {
  const size_t size = 2 * 65536 + 100;
  const std::string plain = TestPayload(size, 8);
  const std::string key = Key('c');
  const std::string stored = Encrypt(plain, key).stored;
  for (size_t cut : {size_t{1}, size_t{16}, size_t{116}, size_t{116 + kStoredBlock},
                     stored.size() - 10, stored.size()}) {
    CAPTURE(cut);
    const std::string truncated = stored.substr(0, stored.size() - cut);
    StoredReader r(truncated, key, size);
    auto tail = r.Read(size - 1, 1);
    REQUIRE_FALSE(tail);
    CHECK(tail.error() == Errc::kCorrupt);
    auto all = SseDecryptAll(key, truncated, size);
    REQUIRE_FALSE(all);
    CHECK(all.error() == Errc::kCorrupt);
  }
  // Dropping whole trailing blocks (at a block boundary) is caught by the trusted size too.
  const std::string two_blocks = stored.substr(0, kSseHeaderBytes + 2 * kStoredBlock);
  StoredReader r(two_blocks, key, size);
  auto tail = r.Read(2 * kBlock, 1);
  REQUIRE_FALSE(tail);
  CHECK(tail.error() == Errc::kCorrupt);
}

TEST_CASE("a wrong key gives kCorrupt", "[sse]") {
  const std::string plain = TestPayload(70000);
  const std::string stored = Encrypt(plain, Key('a')).stored;
  StoredReader r(stored, Key('b'), plain.size());
  auto read = r.Read(0, 100);
  REQUIRE_FALSE(read);
  CHECK(read.error() == Errc::kCorrupt);
  auto all = SseDecryptAll(Key('b'), stored, plain.size());
  REQUIRE_FALSE(all);
  CHECK(all.error() == Errc::kCorrupt);
}

TEST_CASE("decrypting all of a stream whose size does not match the record gives kCorrupt",
          "[sse]") {
  const std::string plain = TestPayload(1000);
  const std::string key = Key('m');
  const std::string stored = Encrypt(plain, key).stored;
  for (uint64_t claimed : {uint64_t{999}, uint64_t{1001}, uint64_t{1} << 62, ~uint64_t{0}}) {
    CAPTURE(claimed);
    auto all = SseDecryptAll(key, stored, claimed);
    REQUIRE_FALSE(all);
    CHECK(all.error() == Errc::kCorrupt);
  }
  auto extra = SseDecryptAll(key, stored + "x", plain.size());
  REQUIRE_FALSE(extra);
  CHECK(extra.error() == Errc::kCorrupt);
}

TEST_CASE("an error from the plaintext source passes up unchanged", "[sse]") {
  TestBody body(TestPayload(200000), {}, 1000);
  body.source().FailAfter(70000, make_error_code(Errc::kIncompleteBody));
  auto source = NewEncryptingSource(body, Key('x'));
  std::vector<std::byte> buffer(4096);
  boost::system::error_code error;
  for (int i = 0; i < 1000 && !error; ++i) {
    auto n = source->Read(buffer);
    if (!n) error = n.error();
  }
  CHECK(error == Errc::kIncompleteBody);
}

TEST_CASE("an error from the stored bytes passes up unchanged", "[sse]") {
  SseStreamReader reader(Key('u'), 100, [](uint64_t, std::span<std::byte>) -> Result<size_t> {
    return make_error_code(Errc::kUnavailable);
  });
  std::array<std::byte, 10> out{};
  auto n = reader.ReadAt(0, out);
  REQUIRE_FALSE(n);
  CHECK(n.error() == Errc::kUnavailable);
}

TEST_CASE("envelopes round trip through encode and decode", "[sse]") {
  SseEnvelope none;
  CHECK(EncodeSseEnvelope(none) == std::string(1, '\0'));
  auto decoded_none = DecodeSseEnvelope(EncodeSseEnvelope(none));
  REQUIRE(decoded_none);
  CHECK(decoded_none->mode == SseMode::kNone);

  SseKeyring keyring(Master(1));
  for (SseMode mode : {SseMode::kS3, SseMode::kCustomer}) {
    CAPTURE(static_cast<int>(mode));
    auto created = keyring.Create(mode, Key('z'));
    REQUIRE(created);
    auto decoded = DecodeSseEnvelope(EncodeSseEnvelope(created->envelope));
    REQUIRE(decoded);
    CHECK(decoded->mode == mode);
    CHECK(decoded->wrapped_key == created->envelope.wrapped_key);
    CHECK(decoded->key_check == created->envelope.key_check);
  }
}

TEST_CASE("hostile envelopes decode to kCorrupt", "[sse]") {
  SseKeyring keyring(Master(1));
  auto s3 = keyring.Create(SseMode::kS3, {});
  auto customer = keyring.Create(SseMode::kCustomer, Key('q'));
  REQUIRE(s3);
  REQUIRE(customer);
  std::vector<std::string> bad = {"", std::string(1, '\3'), std::string(1, '\xff'),
                                  std::string("\0\0", 2)};
  for (const std::string& good :
       {EncodeSseEnvelope(s3->envelope), EncodeSseEnvelope(customer->envelope)}) {
    for (size_t n = 1; n < good.size(); ++n) bad.push_back(good.substr(0, n));
    bad.push_back(good + "x");
  }
  SseEnvelope s3_without_key;
  s3_without_key.mode = SseMode::kS3;
  bad.push_back(EncodeSseEnvelope(s3_without_key));
  SseEnvelope s3_with_check = s3->envelope;
  s3_with_check.key_check = customer->envelope.key_check;
  bad.push_back(EncodeSseEnvelope(s3_with_check));
  SseEnvelope customer_short_check = customer->envelope;
  customer_short_check.key_check.pop_back();
  bad.push_back(EncodeSseEnvelope(customer_short_check));
  SseEnvelope customer_with_wrapped = customer->envelope;
  customer_with_wrapped.wrapped_key = s3->envelope.wrapped_key;
  bad.push_back(EncodeSseEnvelope(customer_with_wrapped));
  // A length prefix claiming far more than is there.
  bad.push_back(std::string("\1\xff\xff\xff\xff\x0f", 6) + "abc");
  for (const std::string& bytes : bad) {
    CAPTURE(HexEncode(bytes));
    auto decoded = DecodeSseEnvelope(bytes);
    REQUIRE_FALSE(decoded);
    CHECK(decoded.error() == Errc::kCorrupt);
  }
}

TEST_CASE("an SSE-S3 key opens with its master key and not with another", "[sse]") {
  SseKeyring keyring(Master(1));
  auto created = keyring.Create(SseMode::kS3, {});
  REQUIRE(created);
  CHECK(created->base_key.size() == kSseKeyBytes);
  CHECK(created->envelope.key_check.empty());
  CHECK(created->envelope.wrapped_key.find(created->base_key) == std::string::npos);
  auto opened = keyring.Open(created->envelope, {});
  REQUIRE(opened);
  CHECK(*opened == created->base_key);
  auto other = keyring.Create(SseMode::kS3, {});
  REQUIRE(other);
  CHECK(other->base_key != created->base_key);

  SseKeyring wrong(Master(2));
  auto failed = wrong.Open(created->envelope, {});
  REQUIRE_FALSE(failed);
  CHECK(failed.error() == Errc::kCorrupt);

  SseEnvelope altered = created->envelope;
  altered.wrapped_key[20] ^= 1;
  auto tampered = keyring.Open(altered, {});
  REQUIRE_FALSE(tampered);
  CHECK(tampered.error() == Errc::kCorrupt);
}

TEST_CASE("an SSE-C key opens only with the customer's key", "[sse]") {
  SseKeyring keyring(Master(1));
  auto created = keyring.Create(SseMode::kCustomer, Key('c'));
  REQUIRE(created);
  CHECK(created->base_key == Key('c'));
  CHECK(created->envelope.wrapped_key.empty());
  CHECK(created->envelope.key_check.size() == 48);
  CHECK(created->envelope.key_check.find(Key('c')) == std::string::npos);

  auto right = keyring.Open(created->envelope, Key('c'));
  REQUIRE(right);
  CHECK(*right == Key('c'));
  // The check does not depend on the master key.
  auto other_master = SseKeyring(Master(9)).Open(created->envelope, Key('c'));
  CHECK(other_master);

  auto wrong = keyring.Open(created->envelope, Key('d'));
  REQUIRE_FALSE(wrong);
  CHECK(wrong.error() == Errc::kSseKeyMismatch);
  auto short_key = keyring.Open(created->envelope, Key('c').substr(0, 31));
  REQUIRE_FALSE(short_key);
  CHECK(short_key.error() == Errc::kSseKeyMismatch);
  auto missing = keyring.Open(created->envelope, {});
  REQUIRE_FALSE(missing);
  CHECK(missing.error() == Errc::kSseKeyRequired);

  // Two checks of the same key use different salts.
  auto again = keyring.Create(SseMode::kCustomer, Key('c'));
  REQUIRE(again);
  CHECK(again->envelope.key_check != created->envelope.key_check);
}

TEST_CASE("creating keys rejects a customer key of the wrong size and mode kNone", "[sse]") {
  SseKeyring keyring(Master(1));
  auto short_key = keyring.Create(SseMode::kCustomer, std::string(31, 'k'));
  REQUIRE_FALSE(short_key);
  CHECK(short_key.error() == Errc::kInvalidArgument);
  auto long_key = keyring.Create(SseMode::kCustomer, std::string(33, 'k'));
  REQUIRE_FALSE(long_key);
  CHECK(long_key.error() == Errc::kInvalidArgument);
  auto none = keyring.Create(SseMode::kNone, {});
  REQUIRE_FALSE(none);
  CHECK(none.error() == Errc::kInvalidArgument);
}

TEST_CASE("opening an unencrypted envelope refuses a customer key", "[sse]") {
  SseKeyring keyring(Master(1));
  auto empty = keyring.Open(SseEnvelope{}, {});
  REQUIRE(empty);
  CHECK(empty->empty());
  auto with_key = keyring.Open(SseEnvelope{}, Key('k'));
  REQUIRE_FALSE(with_key);
  CHECK(with_key.error() == Errc::kSseNotApplicable);
}

TEST_CASE("customer key checks follow the object's mode", "[sse]") {
  SseKeyring keyring(Master(1));
  auto s3 = keyring.Create(SseMode::kS3, {});
  auto customer = keyring.Create(SseMode::kCustomer, Key('c'));
  REQUIRE(s3);
  REQUIRE(customer);
  CHECK_FALSE(CheckCustomerKey(s3->envelope, {}));
  CHECK(CheckCustomerKey(s3->envelope, Key('c')) == Errc::kSseNotApplicable);
  CHECK_FALSE(CheckCustomerKey(customer->envelope, Key('c')));
  CHECK(CheckCustomerKey(customer->envelope, Key('d')) == Errc::kSseKeyMismatch);
  CHECK(CheckCustomerKey(customer->envelope, {}) == Errc::kSseKeyRequired);
  CHECK_FALSE(CheckCustomerKey(SseEnvelope{}, {}));
  CHECK(CheckCustomerKey(SseEnvelope{}, Key('c')) == Errc::kSseNotApplicable);
}

TEST_CASE("CheckSseCustomerKey decodes the object's envelope", "[sse]") {
  SseKeyring keyring(Master(1));
  auto customer = keyring.Create(SseMode::kCustomer, Key('c'));
  REQUIRE(customer);
  ObjectInfo plain;  // empty envelope: not encrypted
  CHECK_FALSE(CheckSseCustomerKey(plain, {}));
  CHECK(CheckSseCustomerKey(plain, Key('c')) == Errc::kSseNotApplicable);
  plain.sse_envelope = EncodeSseEnvelope(SseEnvelope{});
  CHECK(CheckSseCustomerKey(plain, Key('c')) == Errc::kSseNotApplicable);

  ObjectInfo info;
  info.sse = SseMode::kCustomer;
  info.sse_envelope = EncodeSseEnvelope(customer->envelope);
  CHECK_FALSE(CheckSseCustomerKey(info, Key('c')));
  CHECK(CheckSseCustomerKey(info, Key('d')) == Errc::kSseKeyMismatch);
  CHECK(CheckSseCustomerKey(info, {}) == Errc::kSseKeyRequired);

  info.sse_envelope = "\2garbage";
  CHECK(CheckSseCustomerKey(info, Key('c')) == Errc::kCorrupt);
}

TEST_CASE("masked ETag digests are stable per key and differ between keys", "[sse]") {
  const std::string md5 = Md5("hello");
  const std::string a = MaskEtagDigest(Key('a'), md5);
  CHECK(a.size() == 16);
  CHECK(a == MaskEtagDigest(Key('a'), md5));
  CHECK(a != md5);
  CHECK(a != MaskEtagDigest(Key('b'), md5));
  CHECK(a != MaskEtagDigest(Key('a'), Md5("world")));
}

}  // namespace
}  // namespace strata::storage
