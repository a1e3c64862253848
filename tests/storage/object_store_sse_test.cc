// Encryption at rest through the ObjectStore contract (issue 7): SSE-S3 and SSE-C objects,
// inline, blob and multipart, on the fake chunk store and on the real erasure-coded one. The
// stream cipher itself is tested in sse_test.cc.
#include <catch2/catch.hpp>
#include <memory>
#include <string>
#include <vector>

#include "storage/identity_crypto.h"
#include "storage/object_store.h"
#include "storage/sse.h"
#include "tests/storage/byte_source_fake.h"
#include "tests/storage/object_store_fixture_fake.h"
#include "tests/storage/result_string_maker.h"

namespace strata::storage {
namespace {

using testing::kTestInlineThreshold;
using testing::ReadAllFrom;
using testing::StoreFixture;
using testing::TestBody;
using testing::TestPayload;

constexpr uint64_t kSmallMinPart = 4096;

std::string ChunkStoreUnderTest() { return GENERATE(as<std::string>{}, "fake", "erasure"); }

MasterKey KeyOf(unsigned char fill) {
  std::array<unsigned char, MasterKey::kSize> bytes{};
  bytes.fill(fill);
  return MasterKey(bytes);
}

StoreOptions SseOptions(unsigned char master = 7) {
  auto options = StoreFixture::DefaultOptions();
  options.min_part_size = kSmallMinPart;
  options.sse_keyring = std::make_shared<const SseKeyring>(KeyOf(master));
  return options;
}

const std::string kCustomerKey(32, 'k');
const std::string kOtherKey(32, 'o');

SseRequest S3() { return SseRequest{SseMode::kS3, ""}; }
SseRequest Customer(const std::string& key = kCustomerKey) {
  return SseRequest{SseMode::kCustomer, key};
}

ObjectInfo PutWith(StoreFixture& f, const std::string& key, const std::string& data,
                   SseRequest sse) {
  PutOptions options;
  options.sse = std::move(sse);
  return f.PutOrDie("b", key, data, options);
}

Result<std::string> ReadWith(StoreFixture& f, const std::string& key,
                             const std::string& customer_key) {
  auto reader = f.store().GetVersion("b", key, "", ReadOptions{customer_key});
  if (!reader) return reader.error();
  return ReadAllFrom(**reader);
}

// Every index value, concatenated: inline payloads live here.
std::string WholeIndex(StoreFixture& f) {
  std::string all;
  auto cursor = f.metadata().Scan("");
  for (; cursor->Valid(); cursor->Next()) all.append(cursor->value());
  return all;
}

std::string Md5Hex(const std::string& data) {
  TestBody body(data);
  std::vector<std::byte> sink(data.size() + 1);
  while (true) {
    auto n = body.Read(sink);
    if (!n || *n == 0) break;
  }
  return HexEncode(body.Finish()->md5);
}

TEST_CASE("SSE-S3 objects read back exactly, inline and in blobs, with the plaintext's MD5 as ETag",
          "[sse]") {
  auto kind = ChunkStoreUnderTest();
  INFO(kind);
  StoreFixture f(kind, SseOptions());
  f.MakeBucket("b");
  for (size_t size : {size_t{0}, size_t{1}, size_t{kTestInlineThreshold - 100},
                      size_t{kTestInlineThreshold + 1}, size_t{200 * 1024 + 3}}) {
    INFO(size);
    const std::string data = TestPayload(size, static_cast<uint32_t>(size) + 1);
    const std::string key = "k" + std::to_string(size);
    auto info = PutWith(f, key, data, S3());
    CHECK(info.sse == SseMode::kS3);
    CHECK(info.size == size);
    CHECK(info.etag == Md5Hex(data));
    CHECK(ReadWith(f, key, "").value() == data);
    auto head = f.store().Head("b", key);
    REQUIRE(head);
    CHECK(head->sse == SseMode::kS3);
    CHECK(head->size == size);
  }
}

TEST_CASE("the index never holds the plaintext of an encrypted inline object", "[sse]") {
  StoreFixture f("fake", SseOptions());
  f.MakeBucket("b");
  const std::string secret = "PLAINTEXT-MARKER-" + std::string(200, 'x');
  PutWith(f, "plain", secret, SseRequest{});
  CHECK(WholeIndex(f).find(secret) != std::string::npos);  // the check can see it
  (void)f.store().Delete("b", "plain");
  PutWith(f, "s3", secret, S3());
  PutWith(f, "c", secret, Customer());
  CHECK(WholeIndex(f).find("PLAINTEXT-MARKER") == std::string::npos);
}

TEST_CASE("SSE-C objects need their key: none, a wrong one, or one for a plain object fail",
          "[sse]") {
  auto kind = ChunkStoreUnderTest();
  INFO(kind);
  StoreFixture f(kind, SseOptions());
  f.MakeBucket("b");
  const std::string data = TestPayload(150 * 1024, 3);
  auto info = PutWith(f, "c", data, Customer());
  CHECK(info.sse == SseMode::kCustomer);
  CHECK(info.etag != Md5Hex(data));  // S3 does not reveal SSE-C plaintext digests
  CHECK(ReadWith(f, "c", kCustomerKey).value() == data);
  CHECK(ReadWith(f, "c", "").error() == Errc::kSseKeyRequired);
  CHECK(ReadWith(f, "c", kOtherKey).error() == Errc::kSseKeyMismatch);
  CHECK(CheckSseCustomerKey(info, kCustomerKey) == boost::system::error_code{});
  CHECK(CheckSseCustomerKey(info, kOtherKey) == Errc::kSseKeyMismatch);

  PutWith(f, "p", "plain", SseRequest{});
  CHECK(ReadWith(f, "p", kCustomerKey).error() == Errc::kSseNotApplicable);
  auto s3 = PutWith(f, "s3", "sse-s3", S3());
  CHECK(ReadWith(f, "s3", kCustomerKey).error() == Errc::kSseNotApplicable);
  CHECK(CheckSseCustomerKey(s3, kCustomerKey) == Errc::kSseNotApplicable);
}

TEST_CASE("range reads of an encrypted blob cross cipher blocks correctly", "[sse]") {
  auto kind = ChunkStoreUnderTest();
  INFO(kind);
  StoreFixture f(kind, SseOptions());
  f.MakeBucket("b");
  const std::string data = TestPayload(3 * kSseBlockBytes + 777, 9);
  PutWith(f, "r", data, Customer());
  auto reader = f.store().GetVersion("b", "r", "", ReadOptions{kCustomerKey});
  REQUIRE(reader);
  const uint64_t offsets[] = {0, kSseBlockBytes - 1, kSseBlockBytes, 2 * kSseBlockBytes - 5,
                              data.size() - 1};
  for (uint64_t offset : offsets) {
    INFO(offset);
    std::string out(10, '\0');
    auto n = (*reader)->ReadAt(offset, std::as_writable_bytes(std::span(out)));
    REQUIRE(n);
    out.resize(*n);
    CHECK(out == data.substr(offset, 10));
  }
}

TEST_CASE("a wrong master key cannot read SSE-S3 data", "[sse]") {
  auto options = SseOptions(7);
  StoreFixture f("fake", options);
  f.MakeBucket("b");
  PutWith(f, "k", "secret data", S3());
  // The same index and chunks under another master key: a new fixture cannot share them, so
  // the keyring is checked directly on the stored envelope.
  auto info = f.store().Head("b", "k");
  REQUIRE(info);
  auto envelope = DecodeSseEnvelope(info->sse_envelope);
  REQUIRE(envelope);
  SseKeyring other(KeyOf(8));
  CHECK(other.Open(*envelope, "").error() == Errc::kCorrupt);
  SseKeyring same(KeyOf(7));
  CHECK(same.Open(*envelope, "").has_value());
}

TEST_CASE("encrypted multipart uploads: every part its own stream, SSE-C keys checked per part",
          "[sse]") {
  auto kind = ChunkStoreUnderTest();
  INFO(kind);
  StoreFixture f(kind, SseOptions());
  f.MakeBucket("b");
  for (SseMode mode : {SseMode::kS3, SseMode::kCustomer}) {
    INFO(static_cast<int>(mode));
    MultipartOptions options;
    options.sse = mode == SseMode::kS3 ? S3() : Customer();
    auto upload = f.store().CreateMultipartUpload("b", "mp", options);
    REQUIRE(upload);
    CHECK(upload->sse == mode);
    const std::string key = mode == SseMode::kCustomer ? kCustomerKey : "";
    // Part 2 is small enough to stay inline: both kinds of part must decrypt.
    const std::vector<std::string> parts = {TestPayload(kSmallMinPart + 70000, 1),
                                            TestPayload(kSmallMinPart, 2), TestPayload(300, 3)};
    std::vector<CompletedPart> named;
    for (uint32_t i = 0; i < parts.size(); ++i) {
      TestBody body(parts[i]);
      auto part = f.store().UploadPart("b", "mp", upload->upload_id, i + 1, body, PartOptions{key});
      REQUIRE(part);
      CHECK(part->size == parts[i].size());
      named.push_back({i + 1, part->etag, std::nullopt});
    }
    if (mode == SseMode::kCustomer) {
      TestBody no_key("x");
      CHECK(f.store().UploadPart("b", "mp", upload->upload_id, 9, no_key).error() ==
            Errc::kSseKeyRequired);
      TestBody wrong("x");
      CHECK(f.store()
                .UploadPart("b", "mp", upload->upload_id, 9, wrong, PartOptions{kOtherKey})
                .error() == Errc::kSseKeyMismatch);
    } else {
      TestBody keyed("x");
      CHECK(f.store()
                .UploadPart("b", "mp", upload->upload_id, 9, keyed, PartOptions{kCustomerKey})
                .error() == Errc::kSseNotApplicable);
    }
    auto done = f.store().CompleteMultipartUpload("b", "mp", upload->upload_id, named, {});
    REQUIRE(done);
    CHECK(done->sse == mode);
    const std::string whole = parts[0] + parts[1] + parts[2];
    CHECK(ReadWith(f, "mp", key).value() == whole);
    // A read spanning the end of part 1 and the start of part 2.
    auto reader = f.store().GetVersion("b", "mp", "", ReadOptions{key});
    REQUIRE(reader);
    std::string out(20, '\0');
    const uint64_t at = parts[0].size() - 10;
    auto n = (*reader)->ReadAt(at, std::as_writable_bytes(std::span(out)));
    REQUIRE(n);
    CHECK(out.substr(0, *n) == whole.substr(at, 20));
  }
}

TEST_CASE("an encrypted version moved to another tier still decrypts", "[sse]") {
  auto kind = ChunkStoreUnderTest();
  INFO(kind);
  StoreFixture f(kind, SseOptions());
  f.MakeBucket("b");
  const std::string data = TestPayload(100 * 1024, 4);
  auto info = PutWith(f, "t", data, Customer());
  auto moved = f.store().TransitionVersion("b", "t", info.version_id, "STANDARD_IA", {});
  REQUIRE(moved);
  CHECK(moved->storage_class == "STANDARD_IA");
  CHECK(moved->sse == SseMode::kCustomer);
  CHECK(ReadWith(f, "t", kCustomerKey).value() == data);
  CHECK(ReadWith(f, "t", kOtherKey).error() == Errc::kSseKeyMismatch);
}

TEST_CASE("an index accepts only the SSE master key it first saw", "[sse]") {
  auto index = NewMemoryMetadataStore();
  CHECK(CheckSseMasterKey(KeyOf(1), *index) == boost::system::error_code{});
  CHECK(CheckSseMasterKey(KeyOf(1), *index) == boost::system::error_code{});
  CHECK(CheckSseMasterKey(KeyOf(2), *index) == IdentityErrc::kMasterKeyMismatch);
}

TEST_CASE("encrypted writes without a keyring fail and store nothing", "[sse]") {
  StoreFixture f("fake");
  f.MakeBucket("b");
  TestBody body("data");
  PutOptions options;
  options.sse = S3();
  CHECK(f.store().Put("b", "k", body, options).error() == Errc::kInternal);
  CHECK(f.store().Head("b", "k").error() == Errc::kNoSuchKey);
  CHECK(f.BlobCount() == 0);
}

}  // namespace
}  // namespace strata::storage
