// Fuzzes SigV4 verification (api/sigv4.h) over a request built from the input (see
// fuzz_request.h): header auth, presigned queries, the Authorization grammar, canonical query
// strings, the target parser and URI codec (api/uri.h), and x-amz-copy-source (copy_handlers.h).
// When a (seeded) request verifies, its body goes through NewPayloadSource as the server would.
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "api/copy_handlers.h"
#include "api/sigv4.h"
#include "api/sigv4_canonical.h"
#include "api/uri.h"
#include "tests/fuzz/fuzz_keys.h"
#include "tests/fuzz/fuzz_request.h"

namespace {

namespace api = strata::api;

void CheckUri(std::string_view text) {
  for (bool plus : {false, true}) (void)api::UriDecode(text, plus);
  // Encoding is lossless: decoding what we encoded gives back the input, for any bytes.
  for (bool slash : {false, true}) {
    std::string encoded = api::UriEncode(text, slash);
    auto decoded = api::UriDecode(encoded);
    if (!decoded || *decoded != text) __builtin_trap();
  }
  if (auto target = api::ParseTarget(text)) {
    if (target->path.find('\0') != std::string::npos) __builtin_trap();
    (void)target->HasQuery("uploads");
    (void)target->Query("X-Amz-Signature");
    for (bool plus : {false, true}) {
      (void)api::sigv4::CanonicalQueryString(target->raw_query, plus, "X-Amz-Signature");
    }
  }
}

void DrainBody(const boost::beast::http::request_header<>& header, std::string_view body,
               const api::AuthContext& auth, std::string_view seed) {
  strata::fuzz::SplitMix rng(seed);
  strata::fuzz::PieceSource raw(body, rng);
  auto source = api::NewPayloadSource(raw, auth, header);
  if (!source) return;
  std::vector<std::byte> buffer(4096);
  for (size_t reads = 0; reads <= body.size() + 16; ++reads) {
    auto got = (*source)->Read(std::span(buffer.data(), rng.PieceSize(buffer.size())));
    if (!got || *got == 0) return;
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view input(reinterpret_cast<const char*>(data), size);
  strata::fuzz::FuzzRequest request = strata::fuzz::ParseFuzzRequest(input);
  CheckUri(request.header.target());

  auto authorization = request.header.find(boost::beast::http::field::authorization);
  if (authorization != request.header.end()) {
    std::string message;
    (void)api::sigv4::ParseAuthorization(authorization->value(), &message);
    (void)api::sigv4::CanonicalHeaderValue(authorization->value());
  }

  auto copy_source = request.header.find("x-amz-copy-source");
  if (copy_source != request.header.end()) {
    std::string message;
    auto parsed = api::ParseCopySource(copy_source->value(), &message);
    if (parsed && (parsed->bucket.empty() || parsed->key.empty() ||
                   parsed->key.find('\0') != std::string::npos)) {
      __builtin_trap();
    }
  }

  std::string message;
  auto auth = api::VerifySigV4(request.header, strata::fuzz::LookupSecret, strata::fuzz::kRegion,
                               strata::fuzz::FuzzNow(), &message);
  if (auth) DrainBody(request.header, request.body, *auth, input);
  return 0;
}
