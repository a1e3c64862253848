#include "storage/checksum.h"

#include <catch2/catch.hpp>

#include "erasure/vector_state.h"
#include "tests/storage/byte_source_fake.h"
#include "tests/storage/result_string_maker.h"

namespace strata::storage {
namespace {

std::string Digest(ChecksumAlgorithm a, std::string_view data) {
  auto h = NewChecksumHasher(a);
  h->Update(std::as_bytes(std::span(data.data(), data.size())));
  return h->Finish();
}

std::string Hex(std::string_view raw) { return HexEncode(raw); }

TEST_CASE("CRCs of 123456789 match the catalogue check values, big-endian") {
  CHECK(Hex(Digest(ChecksumAlgorithm::kCrc32, "123456789")) == "cbf43926");
  CHECK(Hex(Digest(ChecksumAlgorithm::kCrc32c, "123456789")) == "e3069283");
  CHECK(Hex(Digest(ChecksumAlgorithm::kCrc64Nvme, "123456789")) == "ae8b14860a799888");
}

TEST_CASE("CRCs of the empty input are zero") {
  CHECK(Hex(Digest(ChecksumAlgorithm::kCrc32, "")) == "00000000");
  CHECK(Hex(Digest(ChecksumAlgorithm::kCrc32c, "")) == "00000000");
  CHECK(Hex(Digest(ChecksumAlgorithm::kCrc64Nvme, "")) == "0000000000000000");
}

TEST_CASE("MD5, SHA1 and SHA256 match the standard vectors for empty and abc") {
  CHECK(Hex(Md5("")) == "d41d8cd98f00b204e9800998ecf8427e");
  CHECK(Hex(Md5("abc")) == "900150983cd24fb0d6963f7d28e17f72");
  CHECK(Hex(Sha256("")) == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  CHECK(Hex(Sha256("abc")) == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  CHECK(Hex(Digest(ChecksumAlgorithm::kSha1, "abc")) == "a9993e364706816aba3e25717850c26c9cd0d89d");
  CHECK(Hex(Digest(ChecksumAlgorithm::kSha256, "abc")) == Hex(Sha256("abc")));
}

TEST_CASE("S3 checksum of a known string matches what AWS SDKs send") {
  // aws-sdk test vectors for "Hello world".
  CHECK(Base64Encode(Digest(ChecksumAlgorithm::kCrc32, "Hello world")) == "i9aeUg==");
  CHECK(Base64Encode(Digest(ChecksumAlgorithm::kCrc32c, "Hello world")) == "crUfeA==");
  CHECK(Base64Encode(Digest(ChecksumAlgorithm::kCrc64Nvme, "Hello world")) == "OOJZ0D8xKts=");
}

TEST_CASE("incremental updates give the same digest as one shot, for every algorithm") {
  std::string data = testing::TestPayload(100003, 7);
  auto algorithm =
      GENERATE(ChecksumAlgorithm::kCrc32, ChecksumAlgorithm::kCrc32c, ChecksumAlgorithm::kCrc64Nvme,
               ChecksumAlgorithm::kSha1, ChecksumAlgorithm::kSha256);
  auto piece = GENERATE(1, 3, 7, 8, 9, 4096, 65537);
  auto h = NewChecksumHasher(algorithm);
  for (size_t i = 0; i < data.size(); i += piece) {
    std::string_view part = std::string_view(data).substr(i, piece);
    h->Update(std::as_bytes(std::span(part.data(), part.size())));
  }
  CHECK(h->Finish() == Digest(algorithm, data));
}

TEST_CASE("MD5 hasher fed in pieces equals the one-shot MD5") {
  std::string data = testing::TestPayload(10000, 3);
  auto h = NewMd5Hasher();
  h->Update(std::as_bytes(std::span(data.data(), 5000)));
  h->Update(std::as_bytes(std::span(data.data() + 5000, 5000)));
  CHECK(h->Finish() == Md5(data));
}

TEST_CASE("checksum algorithm names parse case-insensitively and round-trip") {
  CHECK(ParseChecksumAlgorithm("crc32") == ChecksumAlgorithm::kCrc32);
  CHECK(ParseChecksumAlgorithm("CRC32C") == ChecksumAlgorithm::kCrc32c);
  CHECK(ParseChecksumAlgorithm("Crc64Nvme") == ChecksumAlgorithm::kCrc64Nvme);
  CHECK(ParseChecksumAlgorithm("sha1") == ChecksumAlgorithm::kSha1);
  CHECK(ParseChecksumAlgorithm("SHA256") == ChecksumAlgorithm::kSha256);
  CHECK_FALSE(ParseChecksumAlgorithm("MD5"));
  CHECK_FALSE(ParseChecksumAlgorithm(""));
  CHECK_FALSE(ParseChecksumAlgorithm("CRC32 "));
  for (auto a :
       {ChecksumAlgorithm::kCrc32, ChecksumAlgorithm::kCrc32c, ChecksumAlgorithm::kCrc64Nvme,
        ChecksumAlgorithm::kSha1, ChecksumAlgorithm::kSha256}) {
    CHECK(ParseChecksumAlgorithm(ChecksumAlgorithmName(a)) == a);
    CHECK(Digest(a, "x").size() == ChecksumSize(a));
  }
  CHECK(ChecksumHeaderName(ChecksumAlgorithm::kCrc64Nvme) == "x-amz-checksum-crc64nvme");
}

// erasure/vector_state.h: ISA-L's CRCs end with the upper vector state in use, which slows every
// later SSE instruction of the thread; the hashers clear it.
TEST_CASE("checksum hashers leave no upper vector state behind") {
  const std::string data(1 << 20, 'x');
  for (ChecksumAlgorithm a :
       {ChecksumAlgorithm::kCrc32, ChecksumAlgorithm::kCrc32c, ChecksumAlgorithm::kCrc64Nvme,
        ChecksumAlgorithm::kSha1, ChecksumAlgorithm::kSha256}) {
    INFO(ChecksumAlgorithmName(a));
    erasure::ClearUpperVectorState();
    (void)Digest(a, data);
    CHECK_FALSE(erasure::UpperVectorStateInUse().value_or(false));
  }
}

TEST_CASE("hex encoding is lower-case two digits per byte") {
  CHECK(HexEncode(std::string("\x00\x0f\xab\xff", 4)) == "000fabff");
  CHECK(HexEncode("") == "");
}

}  // namespace
}  // namespace strata::storage
