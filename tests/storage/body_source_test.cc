#include "storage/body_source.h"

#include <catch2/catch.hpp>
#include <vector>

#include "tests/storage/byte_source_fake.h"
#include "tests/storage/result_string_maker.h"

namespace strata::storage {
namespace {

using testing::StringSource;

// Drains a body; returns the bytes read.
std::string Drain(ByteSource& body) {
  std::string out;
  std::vector<std::byte> buffer(1000);
  while (true) {
    auto n = body.Read(buffer);
    REQUIRE(n);
    if (*n == 0) return out;
    out.append(reinterpret_cast<const char*>(buffer.data()), *n);
  }
}

std::string Crc32(std::string_view data) {
  auto h = NewChecksumHasher(ChecksumAlgorithm::kCrc32);
  h->Update(std::as_bytes(std::span(data.data(), data.size())));
  return h->Finish();
}

TEST_CASE("digesting source passes bytes through and reports MD5, size and checksum") {
  std::string data = testing::TestPayload(12345);
  StringSource in(data, 777);
  DigestSpec spec;
  spec.algorithm = ChecksumAlgorithm::kCrc32;
  auto body = NewDigestingSource(in, spec);
  CHECK(Drain(*body) == data);
  auto digests = body->Finish();
  REQUIRE(digests);
  CHECK(digests->md5 == Md5(data));
  CHECK(digests->size == data.size());
  CHECK(digests->checksum.algorithm == ChecksumAlgorithm::kCrc32);
  CHECK(digests->checksum.value == Crc32(data));
}

TEST_CASE("a body of several MiB read in 1 MiB pieces digests and verifies like a small one") {
  // Past its first MiB a body is hashed beside the reader (pipelined_hasher.h).
  std::string data = testing::TestPayload((5 << 20) + 999, 11);
  for (bool declare_right_md5 : {true, false}) {
    StringSource in(data, 1 << 20);
    DigestSpec spec;
    spec.algorithm = ChecksumAlgorithm::kCrc32;
    spec.expected_md5 = declare_right_md5 ? Md5(data) : Md5("something else");
    auto body = NewDigestingSource(in, spec);
    std::string out;
    std::vector<std::byte> buffer(1 << 20);
    while (true) {
      auto n = body->Read(buffer);
      REQUIRE(n);
      if (*n == 0) break;
      out.append(reinterpret_cast<const char*>(buffer.data()), *n);
    }
    CHECK(out == data);
    auto digests = body->Finish();
    if (declare_right_md5) {
      REQUIRE(digests);
      CHECK(digests->md5 == Md5(data));
      CHECK(digests->checksum.value == Crc32(data));
      CHECK(digests->size == data.size());
    } else {
      CHECK(digests.error() == make_error_code(Errc::kBadDigest));
    }
  }
}

TEST_CASE("digesting source without a checksum algorithm reports only MD5") {
  StringSource in("abc");
  auto body = NewDigestingSource(in, {});
  Drain(*body);
  auto digests = body->Finish();
  REQUIRE(digests);
  CHECK(HexEncode(digests->md5) == "900150983cd24fb0d6963f7d28e17f72");
  CHECK(digests->checksum.algorithm == ChecksumAlgorithm::kNone);
  CHECK(digests->checksum.value.empty());
}

TEST_CASE("a matching Content-MD5 and checksum are accepted") {
  StringSource in("hello");
  DigestSpec spec;
  spec.expected_md5 = Md5("hello");
  spec.algorithm = ChecksumAlgorithm::kSha256;
  spec.expected_checksum = Sha256("hello");
  auto body = NewDigestingSource(in, spec);
  Drain(*body);
  CHECK(body->Finish());
}

TEST_CASE("a wrong Content-MD5 fails with BadDigest") {
  StringSource in("hello");
  DigestSpec spec;
  spec.expected_md5 = Md5("hellp");
  auto body = NewDigestingSource(in, spec);
  Drain(*body);
  auto digests = body->Finish();
  REQUIRE_FALSE(digests);
  CHECK(digests.error() == Errc::kBadDigest);
}

TEST_CASE("a wrong x-amz-checksum header value fails with BadDigest") {
  StringSource in("hello");
  DigestSpec spec;
  spec.algorithm = ChecksumAlgorithm::kCrc32;
  spec.expected_checksum = Crc32("hellp");
  auto body = NewDigestingSource(in, spec);
  Drain(*body);
  auto digests = body->Finish();
  REQUIRE_FALSE(digests);
  CHECK(digests.error() == Errc::kBadDigest);
}

TEST_CASE("a trailing checksum is fetched after the end and verified") {
  std::string data = testing::TestPayload(5000);
  auto trailer = GENERATE(as<std::string>{}, "right", "wrong");
  StringSource in(data);
  DigestSpec spec;
  spec.algorithm = ChecksumAlgorithm::kCrc32;
  bool called = false;
  spec.trailing_checksum = [&]() -> std::optional<std::string> {
    called = true;
    return trailer == "right" ? Crc32(data) : Crc32("other");
  };
  auto body = NewDigestingSource(in, spec);
  Drain(*body);
  CHECK_FALSE(called);  // not before Finish()
  auto digests = body->Finish();
  CHECK(called);
  if (trailer == "right") {
    REQUIRE(digests);
    CHECK(digests->checksum.value == Crc32(data));
  } else {
    REQUIRE_FALSE(digests);
    CHECK(digests.error() == Errc::kBadDigest);
  }
}

TEST_CASE("a promised trailer that carries no checksum fails with BadDigest") {
  StringSource in("hello");
  DigestSpec spec;
  spec.algorithm = ChecksumAlgorithm::kCrc64Nvme;
  spec.trailing_checksum = []() -> std::optional<std::string> { return std::nullopt; };
  auto body = NewDigestingSource(in, spec);
  Drain(*body);
  auto digests = body->Finish();
  REQUIRE_FALSE(digests);
  CHECK(digests.error() == Errc::kBadDigest);
}

TEST_CASE("Finish before the end of the stream is a contract violation") {
  StringSource in("hello world", 3);
  auto body = NewDigestingSource(in, {});
  std::vector<std::byte> buffer(4);
  REQUIRE(body->Read(buffer));
  auto digests = body->Finish();
  REQUIRE_FALSE(digests);
  CHECK(digests.error() == Errc::kInternal);
}

TEST_CASE("an error from the wrapped source passes through unchanged") {
  StringSource in("hello world", 3);
  in.FailAfter(6, boost::system::errc::make_error_code(boost::system::errc::timed_out));
  auto body = NewDigestingSource(in, {});
  std::vector<std::byte> buffer(100);
  REQUIRE(body->Read(buffer));
  REQUIRE(body->Read(buffer));
  auto n = body->Read(buffer);
  REQUIRE_FALSE(n);
  CHECK(n.error() == boost::system::errc::timed_out);
}

}  // namespace
}  // namespace strata::storage
