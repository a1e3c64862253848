// Server-side encryption request and response headers (issue 7): SSE-S3
// (x-amz-server-side-encryption: AES256) and SSE-C (x-amz-server-side-encryption-customer-*, and
// x-amz-copy-source-server-side-encryption-customer-* for a copy's source). The parsers are pure
// and thread-safe; the Read* helpers add what needs the request's context (TLS, the bucket's
// default encryption). Keys are never logged or echoed: responses carry the key's MD5 only.
#pragma once

#include <boost/beast/http/message.hpp>
#include <string>
#include <string_view>

#include "api/handler.h"
#include "api/s3_errors.h"
#include "storage/object_store.h"

namespace strata::api {

// The header name prefixes of the three SSE-C headers (-algorithm, -key, -key-MD5).
inline constexpr std::string_view kSseCustomerPrefix = "x-amz-server-side-encryption-customer-";
inline constexpr std::string_view kCopySourceSseCustomerPrefix =
    "x-amz-copy-source-server-side-encryption-customer-";

// What a request's encryption headers ask for.
struct SseHeaders {
  storage::SseMode mode = storage::SseMode::kNone;
  std::string customer_key;      // kCustomer: the raw 32-byte key
  std::string customer_key_md5;  // kCustomer: base64 of the key's MD5 (echoed in responses)

  storage::SseRequest ToRequest() const { return {mode, customer_key}; }
};

// The headers of a write that chooses its encryption (PutObject, CopyObject's destination,
// CreateMultipartUpload). x-amz-server-side-encryption: "AES256" is SSE-S3; "aws:kms" and
// "aws:kms:dsse" are NotImplemented (no KMS); anything else InvalidArgument. KMS key id or
// context headers without aws:kms: InvalidArgument. The SSE-C headers as ParseSseCustomerHeaders;
// SSE-C together with x-amz-server-side-encryption: InvalidArgument. No header: mode kNone.
// `*message` gets AWS's text on failure.
Result<SseHeaders> ParseSseWriteHeaders(const boost::beast::http::request_header<>& request,
                                        std::string* message);

// The three SSE-C headers under `prefix` (kSseCustomerPrefix or kCopySourceSseCustomerPrefix):
// none is mode kNone; all three is kCustomer. Errors: a partial set InvalidArgument (AWS's
// message for what is missing); an algorithm other than "AES256" InvalidEncryptionAlgorithmError;
// a key that is not base64 of 32 bytes InvalidArgument ("The secret key was invalid for the
// specified algorithm."); an MD5 that is not the key's InvalidArgument ("The calculated MD5 hash
// of the key did not match the hash that was provided.").
Result<SseHeaders> ParseSseCustomerHeaders(const boost::beast::http::request_header<>& request,
                                           std::string_view prefix, std::string* message);

// True when the request carries any header under `prefix`.
bool HasSseCustomerHeader(const boost::beast::http::request_header<>& request,
                          std::string_view prefix);

// The response headers for data stored with `mode`: x-amz-server-side-encryption: AES256 for
// SSE-S3; for SSE-C the algorithm and `customer_key_md5` (when not empty).
void SetSseResponseHeaders(boost::beast::http::response_header<>& header, storage::SseMode mode,
                           std::string_view customer_key_md5);

// ---- With the request's context. Each sets ctx.error_message on failure. ----

// SSE-C headers under `prefix` arrived over plain HTTP while the config requires TLS:
// InvalidRequest ("... must be made over a secure connection."). Checked before the key is
// parsed.
boost::system::error_code CheckSseTransport(HandlerContext& ctx, std::string_view prefix);

// A write's encryption (ParseSseWriteHeaders, CheckSseTransport), with the bucket's default
// encryption applied when the request names none (SSE-C requests stay SSE-C). Errors also
// include kNoSuchBucket from the default's lookup.
Result<SseHeaders> ReadWriteSse(HandlerContext& ctx);

// The customer key of a read, an UploadPart or a copy's source (ParseSseCustomerHeaders under
// `prefix`, CheckSseTransport).
Result<SseHeaders> ReadSseCustomerKey(HandlerContext& ctx,
                                      std::string_view prefix = kSseCustomerPrefix);

// Whether `ec` is one of storage's SSE key errors (kSseKeyRequired, kSseKeyMismatch,
// kSseNotApplicable).
bool IsSseKeyError(const boost::system::error_code& ec);

// Storage's SSE key errors on a read, with AWS's messages: no key InvalidRequest, wrong key
// AccessDenied, a key for data that is not SSE-C InvalidRequest. Other codes pass unchanged.
boost::system::error_code SseReadError(HandlerContext& ctx, boost::system::error_code ec);

// The same for UploadPart / UploadPartCopy against the upload's encryption: all InvalidRequest,
// as AWS answers parts whose encryption parameters do not match the upload's.
boost::system::error_code UploadPartSseError(HandlerContext& ctx, boost::system::error_code ec);

}  // namespace strata::api
