// AWS Signature Version 4: request authentication (Authorization header and presigned URLs) and
// the payload checks that follow it (signed SHA-256, aws-chunked streaming with chunk signatures
// and trailing checksums).
#pragma once

#include <boost/beast/http/message.hpp>
#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "api/identity.h"
#include "api/s3_errors.h"
#include "storage/stream.h"

namespace strata::api {

class AccessChecker;  // authorize.h

enum class PayloadKind {
  kUnsigned,                 // UNSIGNED-PAYLOAD (and every presigned URL)
  kSha256,                   // x-amz-content-sha256 is the hex SHA-256 of the body: verify it
  kStreamingSigned,          // STREAMING-AWS4-HMAC-SHA256-PAYLOAD
  kStreamingSignedTrailer,   // STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER
  kStreamingUnsignedTrailer  // STREAMING-UNSIGNED-PAYLOAD-TRAILER
};

// What a verified request proves, and what the payload check needs.
struct AuthContext {
  std::string access_key;
  // Who signed (issue 7): the root, a user (named), or anonymous (no signature; access_key "").
  PrincipalKind principal = PrincipalKind::kRoot;
  std::string user;
  PayloadKind payload = PayloadKind::kUnsigned;
  std::string payload_sha256;  // hex, for kSha256
  // For the streaming kinds: chunk signatures chain from the request's signature.
  std::string amz_date;        // 20130524T000000Z
  std::string scope;           // 20130524/us-east-1/s3/aws4_request
  std::string signing_key;     // raw HMAC key derived for the scope
  std::string seed_signature;  // hex signature of the request
  bool presigned = false;
  // What this principal may do (issue 7), set by Authorize (authorize.h) before dispatch, for
  // the checks handlers make themselves (per-key deletes, governance bypass). Null: no checks.
  std::shared_ptr<const AccessChecker> access;
};

// Returns the secret for an access key, or nullopt if unknown.
using SecretLookup = std::function<std::optional<std::string>(std::string_view access_key)>;

// Verifies a request signed with SigV4 in the Authorization header or presigned in the query.
// Errors (S3Errc): AccessDenied (no credentials at all: anonymous), InvalidAccessKeyId,
// SignatureDoesNotMatch, AuthorizationHeaderMalformed, AuthorizationQueryParametersError,
// RequestTimeTooSkewed (15 minutes), AccessDenied for expired presigned URLs,
// InvalidArgument for a bad x-amz-content-sha256, NotImplemented for SigV2.
// Also: InvalidURI (unparsable target), InvalidRequest (header auth without
// x-amz-content-sha256), InvalidArgument (two auth mechanisms, unknown Authorization type).
// When `error_message` is not null it is cleared, and on failure set to the AWS message text
// when one more specific than the error table's applies (e.g. "... the region 'us-west-2' is
// wrong; expecting 'us-east-1'"); pass it to RenderErrorXml as message_override.
// Thread-safe (derived signing keys are cached in a small shared, locked cache).
Result<AuthContext> VerifySigV4(const boost::beast::http::request_header<>& request,
                                const SecretLookup& secrets, std::string_view region,
                                std::chrono::system_clock::time_point now,
                                std::string* error_message = nullptr);

// The body after the payload checks: plain bytes for the application.
class PayloadSource : public storage::ByteSource {
 public:
  // The decoded body length the client declared (Content-Length, or
  // x-amz-decoded-content-length for aws-chunked), if any.
  virtual std::optional<uint64_t> declared_length() const = 0;
  // A trailing header (lower-case name), available once Read() has returned 0.
  virtual std::optional<std::string> Trailer(std::string_view name) const = 0;
};

// Wraps `raw` (the HTTP body; not owned). Read() errors are S3Errc: XAmzContentSHA256Mismatch,
// SignatureDoesNotMatch (bad chunk or trailer signature), IncompleteBody (body shorter than
// declared), InvalidChunkSizeError / MalformedTrailerError / InvalidRequest for bad framing.
// Memory is bounded whatever the chunk sizes claim. Errors at creation: MissingContentLength
// (aws-chunked without x-amz-decoded-content-length), InvalidArgument (unparsable length).
//
// Signed chunks: bytes are passed on as they arrive and each chunk's signature is checked when
// the chunk ends; a bad signature fails that Read() and every later one. So bytes of a chunk
// that turns out forged may already have been handed out: the consumer must treat everything
// read as provisional until Read() returns 0 (storage commits nothing before that), which is
// what keeps memory bounded for multi-MiB chunks. The same holds for kSha256 bodies, whose
// digest is known only at the end.
Result<std::unique_ptr<PayloadSource>> NewPayloadSource(
    storage::ByteSource& raw, const AuthContext& auth,
    const boost::beast::http::request_header<>& request);

}  // namespace strata::api
