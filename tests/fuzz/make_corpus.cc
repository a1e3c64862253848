// Writes the generated seeds of the sigv4 and aws_chunked corpora: requests correctly signed with
// the fixed test credentials (fuzz_keys.h), so the fuzzer starts from inputs that get past
// signature checks, plus near misses. Run once after changing the signing code or the keys:
//   build-fuzz/bin/strata_fuzz_corpus tests/fuzz/corpus
// Hand-written seeds (range, date, xml) are checked in as plain files.
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>
#include <utility>
#include <vector>

#include "api/hmac.h"
#include "api/sigv4_canonical.h"
#include "api/sigv4_sign.h"
#include "tests/fuzz/fuzz_keys.h"
#include "tests/fuzz/fuzz_request.h"

namespace {

namespace api = strata::api;
namespace fuzz = strata::fuzz;
namespace http = boost::beast::http;
namespace fs = std::filesystem;

api::SigningParams Params() {
  api::SigningParams p;
  p.access_key = std::string(fuzz::kAccessKey);
  p.secret_key = std::string(fuzz::kSecretKey);
  p.region = std::string(fuzz::kRegion);
  p.now = *api::ParseAmzDate(fuzz::kAmzDate);
  return p;
}

http::request_header<> Request(http::verb method, std::string_view target) {
  http::request_header<> h;
  h.method(method);
  h.target(target);
  h.version(11);
  h.set(http::field::host, "127.0.0.1:9000");
  return h;
}

std::string Serialize(const http::request_header<>& h, std::string_view body,
                      std::string_view eol = "\n") {
  std::string out;
  out.append(h.method_string()).append(" ").append(h.target()).append(" HTTP/1.1").append(eol);
  for (const auto& field : h) {
    out.append(field.name_string()).append(": ").append(field.value()).append(eol);
  }
  out.append(eol).append(body);
  return out;
}

int failures = 0;

void Write(const fs::path& dir, const std::string& name, const std::string& data) {
  fs::create_directories(dir);
  std::ofstream(dir / name, std::ios::binary) << data;
}

// Writes a seed that must verify inside sigv4_fuzz; complains if it does not.
void WriteSigned(const fs::path& dir, const std::string& name, const std::string& data) {
  Write(dir, name, data);
  auto request = fuzz::ParseFuzzRequest(data);
  std::string message;
  auto auth = api::VerifySigV4(request.header, fuzz::LookupSecret, fuzz::kRegion, fuzz::FuzzNow(),
                               &message);
  if (!auth) {
    std::fprintf(stderr, "seed %s does not verify: %s %s\n", name.c_str(),
                 auth.error().message().c_str(), message.c_str());
    ++failures;
  }
}

std::string Sha256Hex(std::string_view data) {
  api::Sha256Stream s;
  s.Update(data);
  return s.FinishHex();
}

void SigV4Seeds(const fs::path& dir) {
  const auto p = Params();
  {
    auto h = Request(http::verb::get, "/bucket/photos/2013/cat.jpg");
    h.set(http::field::range, "bytes=0-9");
    api::SignRequest(h, p, api::sigv4::kUnsignedPayload);
    WriteSigned(dir, "get_header_auth", Serialize(h, ""));
    WriteSigned(dir, "get_header_auth_crlf", Serialize(h, "", "\r\n"));
    std::string forged = Serialize(h, "");
    forged[forged.find("Signature=") + 10] ^= 1;
    Write(dir, "get_bad_signature", forged);
  }
  {
    auto h = Request(http::verb::get, "/bucket?list-type=2&prefix=a%2Fb&delimiter=%2F&max-keys=10");
    api::SignRequest(h, p, api::sigv4::kUnsignedPayload);
    WriteSigned(dir, "list_query", Serialize(h, ""));
  }
  {
    std::string body = "hello, world\n";
    auto h = Request(http::verb::put, "/bucket/key%20with%20space+plus");
    h.set(http::field::content_length, std::to_string(body.size()));
    h.set(http::field::content_type, "text/plain");
    h.set("x-amz-meta-color", "  blue   and  green ");
    api::SignRequest(h, p, Sha256Hex(body));
    WriteSigned(dir, "put_sha256", Serialize(h, body));
  }
  const std::string data(9000, 'x');
  struct Streaming {
    const char* name;
    std::string_view kind;
    bool signed_chunks;
    bool trailer;
  };
  for (const Streaming& s :
       {Streaming{"put_streaming_signed", api::sigv4::kStreamingSigned, true, false},
        Streaming{"put_streaming_signed_trailer", api::sigv4::kStreamingSignedTrailer, true, true},
        Streaming{"put_streaming_unsigned_trailer", api::sigv4::kStreamingUnsignedTrailer, false,
                  true}}) {
    auto h = Request(http::verb::put, "/bucket/streamed");
    h.set("x-amz-decoded-content-length", std::to_string(data.size()));
    h.set(http::field::content_encoding, "aws-chunked");
    if (s.trailer) h.set("x-amz-trailer", "x-amz-checksum-crc32");
    std::string seed = api::SignRequest(h, p, s.kind);
    std::vector<std::pair<std::string, std::string>> trailers;
    if (s.trailer) trailers.emplace_back("x-amz-checksum-crc32", "sOO8/Q==");
    std::string body = api::EncodeAwsChunked(data, 8192, s.signed_chunks, p, seed, trailers);
    h.set(http::field::content_length, std::to_string(body.size()));
    WriteSigned(dir, s.name, Serialize(h, body));
  }
  {
    std::string target = api::PresignTarget("GET", "/bucket/presigned.txt?versionId=null",
                                            "127.0.0.1:9000", p, std::chrono::seconds(3600));
    WriteSigned(dir, "get_presigned", Serialize(Request(http::verb::get, target), ""));
  }
  {
    auto h = Request(http::verb::get, "/bucket/key");
    Write(dir, "anonymous", Serialize(h, ""));
    h.set(http::field::authorization, "AWS AKIDEXAMPLE:frJIUN8DYpKDtOLCwo//yllqDzg=");
    Write(dir, "sigv2", Serialize(h, ""));
    h.set(http::field::authorization,
          "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20130524/us-west-2/s3/aws4_request,"
          "SignedHeaders=host;x-amz-date,Signature=00");
    h.set("x-amz-date", std::string(fuzz::kAmzDate));
    h.set("x-amz-content-sha256", std::string(api::sigv4::kUnsignedPayload));
    Write(dir, "wrong_region", Serialize(h, ""));
  }
}

void AwsChunkedSeeds(const fs::path& dir) {
  const auto p = Params();
  const std::string seed(fuzz::kSeedSignature);
  auto chunked = [&](std::string_view kind, std::string_view data, size_t chunk, bool signed_chunks,
                     const std::vector<std::pair<std::string, std::string>>& trailers) {
    auto h = Request(http::verb::put, "/bucket/key");
    h.set("x-amz-content-sha256", kind);
    h.set("x-amz-decoded-content-length", std::to_string(data.size()));
    std::string names;
    for (const auto& [name, value] : trailers) names += (names.empty() ? "" : ",") + name;
    if (!names.empty()) h.set("x-amz-trailer", names);
    return Serialize(h, api::EncodeAwsChunked(data, chunk, signed_chunks, p, seed, trailers));
  };
  const std::string big(20000, 'a');
  Write(dir, "signed", chunked(api::sigv4::kStreamingSigned, big, 8192, true, {}));
  Write(dir, "signed_empty", chunked(api::sigv4::kStreamingSigned, "", 8192, true, {}));
  Write(dir, "signed_trailer",
        chunked(api::sigv4::kStreamingSignedTrailer, big, 8192, true,
                {{"x-amz-checksum-crc32", "AAAAAA=="}}));
  Write(dir, "unsigned_trailer",
        chunked(api::sigv4::kStreamingUnsignedTrailer, "hello world", 4, false,
                {{"x-amz-checksum-crc32c", "yZRlqg=="}, {"x-amz-checksum-sha256", "uU0nuZ=="}}));
  Write(dir, "unsigned_no_trailer",
        chunked(api::sigv4::kStreamingUnsignedTrailer, "abc", 1, false, {}));
  // Near misses: a huge claimed chunk size, and a decoded length that does not match.
  Write(dir, "huge_chunk_size",
        "PUT /b/k HTTP/1.1\nx-amz-content-sha256: STREAMING-UNSIGNED-PAYLOAD-TRAILER\n"
        "x-amz-decoded-content-length: 3\n\nffffffffffffff\r\nabc\r\n0\r\n\r\n");
  Write(dir, "short_body",
        "PUT /b/k HTTP/1.1\nx-amz-content-sha256: STREAMING-UNSIGNED-PAYLOAD-TRAILER\n"
        "x-amz-decoded-content-length: 10\n\n3\r\nabc\r\n0\r\n\r\n");
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: %s CORPUS_DIR (tests/fuzz/corpus)\n", argv[0]);
    return 2;
  }
  fs::path root = argv[1];
  SigV4Seeds(root / "sigv4");
  AwsChunkedSeeds(root / "aws_chunked");
  return failures == 0 ? 0 : 1;
}
