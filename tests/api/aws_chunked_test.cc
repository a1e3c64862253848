#include "api/aws_chunked.h"

#include <catch2/catch.hpp>

#include "api/http_date.h"
#include "api/sigv4_canonical.h"
#include "api/sigv4_sign.h"
#include "tests/api/piece_source_fake.h"

namespace strata::api {
namespace {

namespace http = boost::beast::http;
using testing::PieceSource;
using testing::ReadAll;

constexpr std::string_view kSecret = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";

// The S3 API reference's chunked upload example: 64 KiB of 'a', then 1 KiB, then the final chunk.
std::string AwsExampleBody() {
  return "10000;chunk-signature=ad80c730a21e5b8d04586a2213dd63b9a0e99e0e2307b0ade35a65485a288648"
         "\r\n" +
         std::string(65536, 'a') +
         "\r\n400;chunk-signature=0055627c9e194cb4542bae2aa5492e3c1575bbb81b612b7d234b86a503ef5497"
         "\r\n" +
         std::string(1024, 'a') +
         "\r\n0;chunk-signature=b6c6ea8a5354eaf15b3cb7646744f4275b71ea724fed81ceb9323e279d449df9"
         "\r\n\r\n";
}

AuthContext ExampleAuth(PayloadKind kind, std::string_view seed) {
  AuthContext auth;
  auth.access_key = "AKIAIOSFODNN7EXAMPLE";
  auth.payload = kind;
  auth.amz_date = "20130524T000000Z";
  auth.scope = "20130524/us-east-1/s3/aws4_request";
  auth.signing_key = sigv4::DeriveSigningKey(kSecret, "20130524", "us-east-1", "s3");
  auth.seed_signature = std::string(seed);
  return auth;
}

AuthContext AwsExampleAuth() {
  return ExampleAuth(PayloadKind::kStreamingSigned,
                     "4f232c4386841ef735655705268965c44a0e4690baa4adea153f7db9fa80a0a9");
}

http::request_header<> ChunkedRequest(std::string_view decoded_length,
                                      std::string_view trailer = {}) {
  http::request_header<> r;
  r.method(http::verb::put);
  r.target("/b/k");
  r.set("Content-Encoding", "aws-chunked");
  r.set("x-amz-decoded-content-length", decoded_length);
  if (!trailer.empty()) r.set("x-amz-trailer", trailer);
  return r;
}

struct Outcome {
  std::unique_ptr<PieceSource> raw;  // declared first: outlives `source`
  Result<std::string> body;
  std::unique_ptr<PayloadSource> source;
};

Outcome Decode(std::string raw_body, const AuthContext& auth, const http::request_header<>& r,
               size_t piece = 4096, size_t block = 8192) {
  auto raw = std::make_unique<PieceSource>(std::move(raw_body), piece);
  auto source = NewPayloadSource(*raw, auth, r);
  REQUIRE(source.has_value());
  auto body = ReadAll(**source, block);
  return {std::move(raw), std::move(body), std::move(*source)};
}

S3Errc ErrorOf(const Result<std::string>& r) {
  REQUIRE_FALSE(r.has_value());
  REQUIRE(r.error().category() == S3Category());
  return static_cast<S3Errc>(r.error().value());
}

TEST_CASE("The AWS chunked upload example decodes whatever the read sizes") {
  size_t piece = GENERATE(1, 7, 100, 4096, 1 << 20);
  size_t block = GENERATE(1, 3, 8192, 1 << 17);
  auto out = Decode(AwsExampleBody(), AwsExampleAuth(), ChunkedRequest("66560"), piece, block);
  REQUIRE(out.body.has_value());
  CHECK(*out.body == std::string(66560, 'a'));
  CHECK(out.source->declared_length() == 66560u);
}

TEST_CASE("A forged chunk signature fails the stream with SignatureDoesNotMatch") {
  std::string body = AwsExampleBody();
  body[body.find("0055627c") + 3] = '6';
  auto out = Decode(body, AwsExampleAuth(), ChunkedRequest("66560"));
  CHECK(ErrorOf(out.body) == S3Errc::kSignatureDoesNotMatch);
}

TEST_CASE("Changed chunk data fails its chunk's signature") {
  std::string body = AwsExampleBody();
  body[200] = 'b';
  auto out = Decode(body, AwsExampleAuth(), ChunkedRequest("66560"));
  CHECK(ErrorOf(out.body) == S3Errc::kSignatureDoesNotMatch);
}

TEST_CASE("A wrong seed signature fails the first chunk") {
  auto auth = AwsExampleAuth();
  auth.seed_signature[0] = '5';
  auto out = Decode(AwsExampleBody(), auth, ChunkedRequest("66560"));
  CHECK(ErrorOf(out.body) == S3Errc::kSignatureDoesNotMatch);
}

TEST_CASE("A signed stream refuses a chunk without a signature") {
  auto out = Decode("5\r\nhello\r\n0\r\n\r\n", AwsExampleAuth(), ChunkedRequest("5"));
  CHECK(ErrorOf(out.body) == S3Errc::kSignatureDoesNotMatch);
}

TEST_CASE("A body cut anywhere fails and never ends cleanly") {
  const std::string full = AwsExampleBody();
  for (size_t cut : {size_t{0}, size_t{10}, size_t{87}, size_t{88}, size_t{65624}, size_t{65625},
                     size_t{65700}, full.size() - 90, full.size() - 3}) {
    INFO(cut);
    auto out = Decode(full.substr(0, cut), AwsExampleAuth(), ChunkedRequest("66560"));
    S3Errc e = ErrorOf(out.body);
    CHECK((e == S3Errc::kIncompleteBody || e == S3Errc::kInvalidChunkSizeError));
  }
}

TEST_CASE("A signed body may omit the CRLF after its verified final chunk") {
  const std::string full = AwsExampleBody();
  auto out = Decode(full.substr(0, full.size() - 2), AwsExampleAuth(), ChunkedRequest("66560"));
  REQUIRE(out.body.has_value());
  CHECK(out.body->size() == 66560);
}

TEST_CASE("A decoded length that differs from the chunks is IncompleteBody") {
  for (std::string_view declared : {"66559", "66561", "0", "1000000"}) {
    INFO(declared);
    auto out = Decode(AwsExampleBody(), AwsExampleAuth(), ChunkedRequest(declared));
    CHECK(ErrorOf(out.body) == S3Errc::kIncompleteBody);
  }
}

TEST_CASE("aws-chunked without x-amz-decoded-content-length is MissingContentLength") {
  PieceSource raw(AwsExampleBody());
  http::request_header<> r;
  r.set("Content-Encoding", "aws-chunked");
  auto source = NewPayloadSource(raw, AwsExampleAuth(), r);
  REQUIRE_FALSE(source.has_value());
  CHECK(source.error() == S3Errc::kMissingContentLength);
  r.set("x-amz-decoded-content-length", "12x");
  auto bad = NewPayloadSource(raw, AwsExampleAuth(), r);
  REQUIRE_FALSE(bad.has_value());
  CHECK(bad.error() == S3Errc::kInvalidArgument);
}

TEST_CASE("Oversized or malformed chunk-size lines are InvalidChunkSizeError") {
  auto unsigned_auth = ExampleAuth(PayloadKind::kStreamingUnsignedTrailer, "");
  for (std::string body :
       {std::string("00000000000000005\r\nhello\r\n0\r\n\r\n"),
        std::string("5;") + std::string(300, 'x') + "\r\nhello\r\n0\r\n\r\n",
        std::string("x5\r\nhello\r\n0\r\n\r\n"), std::string(";\r\nhello\r\n0\r\n\r\n"),
        std::string("5\r\nhelloXX0\r\n\r\n"), std::string("5\nhello\r\n0\r\n\r\n")}) {
    INFO(body.substr(0, 40));
    auto out = Decode(body, unsigned_auth, ChunkedRequest("5"));
    CHECK(ErrorOf(out.body) == S3Errc::kInvalidChunkSizeError);
  }
}

TEST_CASE("A chunk-size line that never ends is refused after a bounded read") {
  auto unsigned_auth = ExampleAuth(PayloadKind::kStreamingUnsignedTrailer, "");
  PieceSource raw(std::string(8 << 20, 'f'));
  auto source = NewPayloadSource(raw, unsigned_auth, ChunkedRequest("5"));
  REQUIRE(source.has_value());
  CHECK(ErrorOf(ReadAll(**source)) == S3Errc::kInvalidChunkSizeError);
  CHECK(raw.served() <= kAwsChunkedBufferSize);
}

TEST_CASE("A chunk claiming more than the declared length fails before its data is read") {
  auto unsigned_auth = ExampleAuth(PayloadKind::kStreamingUnsignedTrailer, "");
  PieceSource raw("ffffffffffffffff\r\n" + std::string(1 << 20, 'a'));
  auto source = NewPayloadSource(raw, unsigned_auth, ChunkedRequest("5"));
  REQUIRE(source.has_value());
  CHECK(ErrorOf(ReadAll(**source)) == S3Errc::kIncompleteBody);
  CHECK(raw.served() <= kAwsChunkedBufferSize);
}

TEST_CASE("Unsigned-trailer bodies round-trip with a CRC32 trailer") {
  auto auth = ExampleAuth(PayloadKind::kStreamingUnsignedTrailer, "");
  // CRC32("hello world\n") is rwg7LQ== (as botocore computes it).
  SigningParams params{"AK", std::string(kSecret), "us-east-1", *ParseAmzDate("20130524T000000Z")};
  std::string body = EncodeAwsChunked("hello world\n", 5, false, params, "",
                                      {{"x-amz-checksum-crc32", "rwg7LQ=="}});
  CHECK(body ==
        "5\r\nhello\r\n5\r\n worl\r\n2\r\nd\n\r\n0\r\nx-amz-checksum-crc32:rwg7LQ==\r\n\r\n");
  auto out = Decode(body, auth, ChunkedRequest("12", "x-amz-checksum-crc32"), 3, 4);
  REQUIRE(out.body.has_value());
  CHECK(*out.body == "hello world\n");
  CHECK(out.source->Trailer("x-amz-checksum-crc32") == "rwg7LQ==");
  CHECK_FALSE(out.source->Trailer("x-amz-checksum-crc32c"));
}

TEST_CASE("Trailers are not available before the body has been read to the end") {
  PieceSource raw("5\r\nhello\r\n0\r\nx-amz-checksum-crc32:AAAAAA==\r\n\r\n");
  auto source = NewPayloadSource(raw, ExampleAuth(PayloadKind::kStreamingUnsignedTrailer, ""),
                                 ChunkedRequest("5", "x-amz-checksum-crc32"));
  REQUIRE(source.has_value());
  std::byte buf[5];
  CHECK((*source)->Read(buf) == 5u);
  CHECK_FALSE((*source)->Trailer("x-amz-checksum-crc32"));
  CHECK((*source)->Read(buf) == 0u);
  CHECK((*source)->Trailer("x-amz-checksum-crc32") == "AAAAAA==");
}

TEST_CASE("A declared trailer that never arrives is MalformedTrailerError") {
  auto auth = ExampleAuth(PayloadKind::kStreamingUnsignedTrailer, "");
  for (std::string body :
       {std::string("5\r\nhello\r\n0\r\n\r\n"), std::string("5\r\nhello\r\n0\r\n"),
        std::string("5\r\nhello\r\n0\r\nx-amz-checksum-crc32c:AAAAAA==\r\n\r\n"),
        std::string("5\r\nhello\r\n0\r\nno colon here\r\n\r\n")}) {
    INFO(body);
    auto out = Decode(body, auth, ChunkedRequest("5", "x-amz-checksum-crc32"));
    CHECK(ErrorOf(out.body) == S3Errc::kMalformedTrailerError);
  }
}

TEST_CASE("A repeated or oversized trailer is MalformedTrailerError") {
  auto auth = ExampleAuth(PayloadKind::kStreamingUnsignedTrailer, "");
  auto twice = Decode(
      "5\r\nhello\r\n0\r\nx-amz-checksum-crc32:AAAAAA==\r\nx-amz-checksum-crc32:AAAAAA==\r\n\r\n",
      auth, ChunkedRequest("5", "x-amz-checksum-crc32"));
  CHECK(ErrorOf(twice.body) == S3Errc::kMalformedTrailerError);
  auto huge =
      Decode("5\r\nhello\r\n0\r\nx-amz-checksum-crc32:" + std::string(64 << 10, 'A') + "\r\n\r\n",
             auth, ChunkedRequest("5", "x-amz-checksum-crc32"));
  CHECK(ErrorOf(huge.body) == S3Errc::kMalformedTrailerError);
}

TEST_CASE("Bytes after the end of the aws-chunked body are refused") {
  auto auth = ExampleAuth(PayloadKind::kStreamingUnsignedTrailer, "");
  auto out = Decode("5\r\nhello\r\n0\r\nx-amz-checksum-crc32:AAAAAA==\r\n\r\nextra", auth,
                    ChunkedRequest("5", "x-amz-checksum-crc32"));
  CHECK(ErrorOf(out.body) == S3Errc::kInvalidRequest);
  auto signed_out = Decode(AwsExampleBody() + "x", AwsExampleAuth(), ChunkedRequest("66560"));
  CHECK(ErrorOf(signed_out.body) == S3Errc::kInvalidRequest);
}

// The S3 API reference's trailing-checksum example (STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER).
std::string AwsTrailerExampleBody(std::string_view trailer_signature) {
  return "10000;chunk-signature=b474d8862b1487a5145d686f57f013e54db672cee1c953b3010fb58501ef5aa2"
         "\r\n" +
         std::string(65536, 'a') +
         "\r\n400;chunk-signature=1c1344b170168f8e65b41376b44b20fe354e373826ccbbe2c1d40a8cae51e5c7"
         "\r\n" +
         std::string(1024, 'a') +
         "\r\n0;chunk-signature=2ca2aba2005185cf7159c6277faf83795951dd77a3a99e6e65d5c9f85863f992"
         "\r\nx-amz-checksum-crc32c:sOO8/Q==\r\nx-amz-trailer-signature:" +
         std::string(trailer_signature) + "\r\n\r\n";
}

AuthContext AwsTrailerExampleAuth() {
  return ExampleAuth(PayloadKind::kStreamingSignedTrailer,
                     "106e2a8a18243abcf37539882f36619c00e2dfc72633413f02d3b74544bfeb8e");
}

TEST_CASE("The AWS signed-trailer example decodes and yields its CRC32C trailer") {
  auto out = Decode(
      AwsTrailerExampleBody("d81f82fc3505edab99d459891051a732e8730629a2e4a59689829ca17fe2e435"),
      AwsTrailerExampleAuth(), ChunkedRequest("66560", "x-amz-checksum-crc32c"), 1000, 777);
  REQUIRE(out.body.has_value());
  CHECK(*out.body == std::string(66560, 'a'));
  CHECK(out.source->Trailer("x-amz-checksum-crc32c") == "sOO8/Q==");
}

TEST_CASE("A bad trailer signature is SignatureDoesNotMatch") {
  auto out = Decode(
      AwsTrailerExampleBody("d81f82fc3505edab99d459891051a732e8730629a2e4a59689829ca17fe2e436"),
      AwsTrailerExampleAuth(), ChunkedRequest("66560", "x-amz-checksum-crc32c"));
  CHECK(ErrorOf(out.body) == S3Errc::kSignatureDoesNotMatch);
}

TEST_CASE("A changed trailer value breaks the trailer signature") {
  std::string body =
      AwsTrailerExampleBody("d81f82fc3505edab99d459891051a732e8730629a2e4a59689829ca17fe2e435");
  body.replace(body.find("sOO8/Q=="), 8, "AAAAAA==");
  auto out =
      Decode(body, AwsTrailerExampleAuth(), ChunkedRequest("66560", "x-amz-checksum-crc32c"));
  CHECK(ErrorOf(out.body) == S3Errc::kSignatureDoesNotMatch);
}

TEST_CASE("Signed trailers without their signature are refused") {
  std::string body =
      AwsTrailerExampleBody("d81f82fc3505edab99d459891051a732e8730629a2e4a59689829ca17fe2e435");
  body.erase(body.find("x-amz-trailer-signature"));
  body += "\r\n";
  auto out =
      Decode(body, AwsTrailerExampleAuth(), ChunkedRequest("66560", "x-amz-checksum-crc32c"));
  CHECK(ErrorOf(out.body) == S3Errc::kSignatureDoesNotMatch);
}

TEST_CASE("EncodeAwsChunked output with signed trailers decodes") {
  SigningParams params{"AK", std::string(kSecret), "us-east-1", *ParseAmzDate("20130524T000000Z")};
  auto auth = AwsTrailerExampleAuth();
  std::string data(100000, 'z');
  std::string body = EncodeAwsChunked(data, 8192, true, params, auth.seed_signature,
                                      {{"x-amz-checksum-sha256", "abc="}});
  auto out = Decode(body, auth, ChunkedRequest("100000", "x-amz-checksum-sha256"), 999, 5000);
  REQUIRE(out.body.has_value());
  CHECK(*out.body == data);
  CHECK(out.source->Trailer("x-amz-checksum-sha256") == "abc=");
}

TEST_CASE("A signed chunk under 8 KiB followed by another data chunk is refused") {
  SigningParams params{"AK", std::string(kSecret), "us-east-1", *ParseAmzDate("20130524T000000Z")};
  auto auth = AwsTrailerExampleAuth();
  std::string data(20000, 'q');
  std::string body = EncodeAwsChunked(data, 1000, true, params, auth.seed_signature,
                                      {{"x-amz-checksum-sha256", "abc="}});
  auto out = Decode(body, auth, ChunkedRequest("20000", "x-amz-checksum-sha256"));
  CHECK(ErrorOf(out.body) == S3Errc::kInvalidChunkSizeError);
}

TEST_CASE("A short last signed data chunk is accepted") {
  SigningParams params{"AK", std::string(kSecret), "us-east-1", *ParseAmzDate("20130524T000000Z")};
  auto auth = AwsTrailerExampleAuth();
  std::string data(8192 + 10, 'q');  // one full 8 KiB chunk, then a 10-byte last chunk
  std::string body = EncodeAwsChunked(data, 8192, true, params, auth.seed_signature,
                                      {{"x-amz-checksum-sha256", "abc="}});
  auto out = Decode(body, auth, ChunkedRequest("8202", "x-amz-checksum-sha256"));
  REQUIRE(out.body.has_value());
  CHECK(*out.body == data);
}

TEST_CASE("Errors from the raw body pass through unchanged") {
  PieceSource raw(AwsExampleBody());
  raw.FailAfter(1000, make_error_code(S3Errc::kRequestTimeout));
  auto source = NewPayloadSource(raw, AwsExampleAuth(), ChunkedRequest("66560"));
  REQUIRE(source.has_value());
  CHECK(ErrorOf(ReadAll(**source)) == S3Errc::kRequestTimeout);
}

TEST_CASE("An error is final: later reads repeat it") {
  std::string body = AwsExampleBody();
  body[200] = 'b';
  PieceSource raw(body);
  auto source = NewPayloadSource(raw, AwsExampleAuth(), ChunkedRequest("66560"));
  REQUIRE(source.has_value());
  CHECK(ErrorOf(ReadAll(**source)) == S3Errc::kSignatureDoesNotMatch);
  std::byte buf[16];
  auto again = (*source)->Read(buf);
  REQUIRE_FALSE(again.has_value());
  CHECK(again.error() == S3Errc::kSignatureDoesNotMatch);
}

}  // namespace
}  // namespace strata::api
