// Fuzzes the aws-chunked decoder through NewPayloadSource (api/sigv4.h, api/aws_chunked.h) with
// the three STREAMING kinds, reading the body in pseudo-random pieces into buffers of
// pseudo-random sizes. The request headers (x-amz-content-sha256 picks the kind,
// x-amz-decoded-content-length, x-amz-trailer) come from the input; see fuzz_request.h.
// Memory must stay bounded whatever sizes the framing claims: run with -rss_limit_mb and
// -malloc_limit_mb (tools/fuzz.sh does).
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "api/sigv4.h"
#include "api/sigv4_canonical.h"
#include "tests/fuzz/fuzz_keys.h"
#include "tests/fuzz/fuzz_request.h"

namespace {

using strata::api::PayloadKind;
namespace sigv4 = strata::api::sigv4;

PayloadKind KindOf(const boost::beast::http::request_header<>& h) {
  auto it = h.find("x-amz-content-sha256");
  std::string_view v;
  if (it != h.end()) v = it->value();
  if (v == sigv4::kStreamingSigned) return PayloadKind::kStreamingSigned;
  if (v == sigv4::kStreamingSignedTrailer) return PayloadKind::kStreamingSignedTrailer;
  return PayloadKind::kStreamingUnsignedTrailer;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view input(reinterpret_cast<const char*>(data), size);
  strata::fuzz::FuzzRequest request = strata::fuzz::ParseFuzzRequest(input);
  strata::fuzz::SplitMix rng(input);
  strata::fuzz::PieceSource raw(request.body, rng);
  auto source = strata::api::NewPayloadSource(
      raw, strata::fuzz::ChunkedAuth(KindOf(request.header)), request.header);
  if (!source) return 0;
  std::vector<std::byte> buffer(70000);
  uint64_t total = 0;
  // Each Read() must consume input or finish: a decoder that loops forever without progress
  // shows up as a libFuzzer timeout. The bound only stops a runaway harness.
  for (size_t reads = 0; reads <= 4 * size + 16; ++reads) {
    size_t want = rng.PieceSize(buffer.size());
    auto got = (*source)->Read(std::span(buffer.data(), want));
    if (!got) {
      // Errors are final.
      auto again = (*source)->Read(std::span(buffer.data(), want));
      if (again) __builtin_trap();
      return 0;
    }
    if (*got > want) __builtin_trap();
    if (*got == 0) {
      // A clean end means exactly the declared decoded length was delivered.
      auto declared = (*source)->declared_length();
      if (!declared || *declared != total) __builtin_trap();
      (void)(*source)->Trailer("x-amz-checksum-crc32");
      return 0;
    }
    total += *got;
    // Decoded bytes never outnumber the raw body bytes.
    if (total > request.body.size()) __builtin_trap();
  }
  return 0;
}
