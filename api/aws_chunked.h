// The aws-chunked body decoder: strips the chunk framing S3 clients use for streaming uploads
// (STREAMING-* x-amz-content-sha256 values), verifies chunk and trailer signatures, and
// collects the trailing headers (x-amz-checksum-*). Used by NewPayloadSource (sigv4.h).
//
// Wire format (AWS "Signature Calculations ... Chunked Upload" and "Using trailing checksums"):
//   hex-size[;chunk-signature=<64 hex>]\r\n <data> \r\n   ... repeated, then a 0-size chunk,
//   then, for the trailer kinds, "name:value\r\n" lines (the signed kind ends them with
//   "x-amz-trailer-signature:<64 hex>\r\n"), then a final "\r\n".
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "api/sigv4.h"

namespace strata::api {

struct AwsChunkedOptions {
  // One of the three streaming kinds.
  PayloadKind kind = PayloadKind::kStreamingUnsignedTrailer;
  // x-amz-decoded-content-length: the decoded body must be exactly this long.
  uint64_t decoded_length = 0;
  // Lower-case names from x-amz-trailer; each must arrive, and no other may.
  std::vector<std::string> declared_trailers;
  // For the signed kinds: the chain starts from the request's signature.
  std::string amz_date;
  std::string scope;
  std::string signing_key;
  std::string seed_signature;
};

// Limits that keep memory bounded whatever the body claims.
inline constexpr size_t kAwsChunkedBufferSize = 64 * 1024;  // raw read block
inline constexpr size_t kMaxChunkHeaderLine = 256;          // "hex;chunk-signature=..." line
inline constexpr size_t kMaxChunkSizeDigits = 16;           // fits uint64
inline constexpr uint64_t kMinSignedChunkSize = 8 * 1024;   // all but the last signed chunk
inline constexpr size_t kMaxTrailerBytes = 16 * 1024;       // whole trailer section

// Wraps `raw` (not owned; must outlive the result). Not thread-safe. Read() errors (final):
// SignatureDoesNotMatch (chunk or trailer signature), IncompleteBody (body ends early, or the
// decoded length differs from decoded_length), InvalidChunkSizeError (bad chunk-size line or
// framing), MalformedTrailerError (bad, undeclared, duplicate or missing trailer), InvalidRequest
// (bytes after the final CRLF); errors from `raw` pass through unchanged.
std::unique_ptr<PayloadSource> NewAwsChunkedSource(storage::ByteSource& raw,
                                                   AwsChunkedOptions options);

}  // namespace strata::api
