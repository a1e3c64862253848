// AWS Signature Version 2 (legacy clients, issue 7): the "Authorization: AWS AKID:signature"
// header and the query-string form (AWSAccessKeyId, Expires, Signature). The signature is
// base64(HMAC-SHA1(secret, StringToSign)) and covers no body: V2 requests carry an unsigned
// payload (Content-MD5, when sent, is still checked by the handlers).
#pragma once

#include <boost/beast/http/message.hpp>
#include <chrono>
#include <span>
#include <string>
#include <string_view>

#include "api/s3_errors.h"
#include "api/sigv4.h"
#include "api/uri.h"

namespace strata::api {

// True if the request claims SigV2: an Authorization header starting with "AWS " (not
// "AWS4-HMAC-SHA256"), or AWSAccessKeyId and Signature in the query without an Authorization
// header. Pure; thread-safe.
bool IsSigV2Request(const boost::beast::http::request_header<>& request,
                    const ParsedTarget& target);

// The StringToSign of a V2 request, as AWS computes it:
//   Method \n Content-MD5 \n Content-Type \n Date \n CanonicalizedAmzHeaders CanonicalizedResource
// `date_line` is the Date header, "" when x-amz-date is sent, or Expires for the query form.
// `bucket` is the virtual-host bucket ("" for path style); `subresources` the query names the
// resource covers. Exposed for tests and for the error message. Pure; thread-safe.
std::string SigV2StringToSign(const boost::beast::http::request_header<>& request,
                              std::string_view date_line, std::string_view bucket,
                              std::string_view path, std::string_view raw_query,
                              std::span<const std::string_view> subresources,
                              bool include_x_amz_date = true);

// The sub-resources AWS's S3 developer guide lists for the CanonicalizedResource.
std::span<const std::string_view> AwsSubresources();

// Verifies a SigV2 request (header or query form). `virtual_host_domains` as in ApiConfig: a
// "<bucket>.<domain>" Host puts the bucket into the CanonicalizedResource.
// Errors (S3Errc): InvalidArgument (malformed Authorization header or two auth mechanisms),
// InvalidURI, AccessDenied (no valid Date/x-amz-date; expired or bad Expires: "Request has
// expired"), RequestTimeTooSkewed (header form, 15 minutes), InvalidAccessKeyId,
// SignatureDoesNotMatch (the message then quotes the StringToSign, as AWS's error does).
// When `error_message` is not null it is cleared, and on failure set to the message to pass to
// RenderErrorXml. The AuthContext has access_key, payload kUnsigned and presigned (query form);
// the caller sets principal/user. Thread-safe.
Result<AuthContext> VerifySigV2(const boost::beast::http::request_header<>& request,
                                const SecretLookup& secrets,
                                std::span<const std::string> virtual_host_domains,
                                std::chrono::system_clock::time_point now,
                                std::string* error_message = nullptr);

}  // namespace strata::api
