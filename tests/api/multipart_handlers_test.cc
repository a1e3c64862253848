#include "api/multipart_handlers.h"

#include <catch2/catch.hpp>
#include <string>

#include "api/request_headers.h"
#include "storage/checksum.h"

namespace strata::api {
namespace {

using storage::ChecksumAlgorithm;

constexpr char kTwoParts[] = R"(<?xml version="1.0" encoding="UTF-8"?>
<CompleteMultipartUpload xmlns="http://s3.amazonaws.com/doc/2006-03-01/">
  <Part><ETag>"0cc175b9c0f1b6a831c399e269772661"</ETag><PartNumber>1</PartNumber></Part>
  <Part>
    <PartNumber> 2 </PartNumber>
    <ETag>&quot;92eb5ffee6ae2fec3ad71c777531578f&quot;</ETag>
  </Part>
</CompleteMultipartUpload>)";

S3Errc ErrorOf(std::string_view xml, ChecksumAlgorithm a = ChecksumAlgorithm::kNone,
               std::string* message = nullptr) {
  std::string ignored;
  auto parsed = ParseCompleteMultipartUpload(xml, a, message ? message : &ignored);
  return parsed ? S3Errc::kOk : ToS3Error(parsed.error());
}

std::string Parts(int count) {
  std::string xml = "<CompleteMultipartUpload>";
  for (int i = 1; i <= count; ++i) {
    xml += "<Part><PartNumber>" + std::to_string(i) + "</PartNumber><ETag>e</ETag></Part>";
  }
  return xml + "</CompleteMultipartUpload>";
}

TEST_CASE("A CompleteMultipartUpload body gives its parts in order with unquoted ETags") {
  std::string message;
  auto parts = ParseCompleteMultipartUpload(kTwoParts, ChecksumAlgorithm::kNone, &message);
  REQUIRE(parts.has_value());
  REQUIRE(parts->size() == 2);
  CHECK((*parts)[0].part_number == 1);
  CHECK((*parts)[0].etag == "0cc175b9c0f1b6a831c399e269772661");
  CHECK((*parts)[1].part_number == 2);
  CHECK((*parts)[1].etag == "92eb5ffee6ae2fec3ad71c777531578f");
  CHECK_FALSE((*parts)[0].checksum.has_value());
}

TEST_CASE("Parts are passed on in document order, so storage can refuse a bad order") {
  std::string xml =
      "<CompleteMultipartUpload><Part><PartNumber>3</PartNumber><ETag>a</ETag></Part>"
      "<Part><PartNumber>1</PartNumber><ETag>b</ETag></Part></CompleteMultipartUpload>";
  std::string message;
  auto parts = ParseCompleteMultipartUpload(xml, ChecksumAlgorithm::kNone, &message);
  REQUIRE(parts.has_value());
  CHECK((*parts)[0].part_number == 3);
  CHECK((*parts)[1].part_number == 1);
}

TEST_CASE("Malformed CompleteMultipartUpload bodies are MalformedXML") {
  auto xml = GENERATE(as<std::string>{}, "", "not xml", "<CompleteMultipartUpload>",
                      "<CompleteMultipartUpload></CompleteMultipartUpload>",
                      "<CompleteMultipartUpload/>", "<Other><Part/></Other>",
                      "<CompleteMultipartUpload><Part><PartNumber>1</PartNumber><ETag>e</ETag>"
                      "</Part></CompleteMultipartUpload><CompleteMultipartUpload/>",
                      "<CompleteMultipartUpload><Part><ETag>e</ETag></Part>"
                      "</CompleteMultipartUpload>",
                      "<CompleteMultipartUpload><Part><PartNumber>1</PartNumber></Part>"
                      "</CompleteMultipartUpload>",
                      "<CompleteMultipartUpload><Part><PartNumber>x</PartNumber><ETag>e</ETag>"
                      "</Part></CompleteMultipartUpload>",
                      "<CompleteMultipartUpload><Part><PartNumber>-1</PartNumber><ETag>e</ETag>"
                      "</Part></CompleteMultipartUpload>",
                      "<CompleteMultipartUpload><Part><PartNumber>99999999999999999999999"
                      "</PartNumber><ETag>e</ETag></Part></CompleteMultipartUpload>");
  CAPTURE(xml);
  CHECK(ErrorOf(xml) == S3Errc::kMalformedXML);
}

TEST_CASE("Part numbers outside 1..10000 in a completion are InvalidArgument") {
  auto number = GENERATE(as<std::string>{}, "0", "10001", "4294967297");
  std::string xml = "<CompleteMultipartUpload><Part><PartNumber>" + number +
                    "</PartNumber><ETag>e</ETag></Part></CompleteMultipartUpload>";
  std::string message;
  CHECK(ErrorOf(xml, ChecksumAlgorithm::kNone, &message) == S3Errc::kInvalidArgument);
  CHECK(message == "Part number must be an integer between 1 and 10000, inclusive");
}

TEST_CASE("A completion may name 10000 parts but not 10001") {
  CHECK(ErrorOf(Parts(10000)) == S3Errc::kOk);
  CHECK(ErrorOf(Parts(10001)) == S3Errc::kMalformedXML);
}

TEST_CASE("Hostile XML in a completion is refused without expanding entities") {
  std::string billion_laughs =
      "<?xml version=\"1.0\"?><!DOCTYPE l [<!ENTITY a \"aaaaaaaaaa\">"
      "<!ENTITY b \"&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;\">]>"
      "<CompleteMultipartUpload><Part><PartNumber>1</PartNumber><ETag>&b;</ETag></Part>"
      "</CompleteMultipartUpload>";
  std::string message;
  auto parts = ParseCompleteMultipartUpload(billion_laughs, ChecksumAlgorithm::kNone, &message);
  // Either refused, or parsed with the entity left unexpanded: never a large string.
  if (parts) {
    REQUIRE(parts->size() == 1);
    CHECK((*parts)[0].etag.size() < 100);
  }
  std::string deep(100000, '<');
  CHECK(ErrorOf(deep) == S3Errc::kMalformedXML);
  std::string nul("<CompleteMultipartUpload>\0</CompleteMultipartUpload>", 52);
  CHECK(ErrorOf(nul) == S3Errc::kMalformedXML);
}

TEST_CASE("An upload with a checksum algorithm needs each part's checksum in the completion") {
  const std::string crc = storage::Base64Encode(std::string("\x01\x02\x03\x04", 4));
  std::string with =
      "<CompleteMultipartUpload><Part><PartNumber>1</PartNumber><ETag>e</ETag>"
      "<ChecksumCRC32>" +
      crc + "</ChecksumCRC32></Part></CompleteMultipartUpload>";
  std::string message;
  auto parts = ParseCompleteMultipartUpload(with, ChecksumAlgorithm::kCrc32, &message);
  REQUIRE(parts.has_value());
  REQUIRE((*parts)[0].checksum.has_value());
  CHECK(*(*parts)[0].checksum == std::string("\x01\x02\x03\x04", 4));

  // The element of another algorithm does not count.
  std::string other =
      "<CompleteMultipartUpload><Part><PartNumber>7</PartNumber><ETag>e</ETag>"
      "<ChecksumSHA256>abc=</ChecksumSHA256></Part></CompleteMultipartUpload>";
  CHECK(ErrorOf(other, ChecksumAlgorithm::kCrc32, &message) == S3Errc::kInvalidRequest);
  CHECK(message ==
        "The upload was created using a crc32 checksum. The complete request must include the "
        "checksum for each part. It was missing for part 7 in the request.");
  // Without an algorithm, checksums are not needed.
  CHECK(ErrorOf(other, ChecksumAlgorithm::kNone) == S3Errc::kOk);
}

TEST_CASE("Part numbers parse as 1..10000 only") {
  CHECK(ParsePartNumber("1") == 1u);
  CHECK(ParsePartNumber("10000") == 10000u);
  CHECK(ParsePartNumber("00007") == 7u);
  CHECK_FALSE(ParsePartNumber("0"));
  CHECK_FALSE(ParsePartNumber("10001"));
  CHECK_FALSE(ParsePartNumber(""));
  CHECK_FALSE(ParsePartNumber("-1"));
  CHECK_FALSE(ParsePartNumber("1.0"));
  CHECK_FALSE(ParsePartNumber(" 1"));
  CHECK_FALSE(ParsePartNumber("000001"));
  CHECK_FALSE(ParsePartNumber("18446744073709551617"));
}

}  // namespace
}  // namespace strata::api
