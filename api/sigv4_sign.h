// Client-side SigV4 signing: what a client (tools/, tests) does to produce requests that
// VerifySigV4 and the aws-chunked decoder accept. Thread-safe (pure functions).
#pragma once

#include <boost/beast/http/message.hpp>
#include <chrono>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace strata::api {

struct SigningParams {
  std::string access_key;
  std::string secret_key;
  std::string region = "us-east-1";
  std::chrono::system_clock::time_point now;
};

// Sets x-amz-date and x-amz-content-sha256 (= payload_hash: a hex SHA-256, UNSIGNED-PAYLOAD or
// a STREAMING-* value), then Authorization. Signs host plus every content-*, date, range and
// x-amz-* header present. REQUIRES: the request has a Host header and an origin-form target.
// Returns the signature (the seed for aws-chunked bodies).
std::string SignRequest(boost::beast::http::request_header<>& request, const SigningParams& params,
                        std::string_view payload_hash);

// Returns `target` with the presigned-URL query parameters (X-Amz-Algorithm ... X-Amz-Signature)
// appended, signing only the host header.
std::string PresignTarget(std::string_view method, std::string_view target, std::string_view host,
                          const SigningParams& params, std::chrono::seconds expires);

// Encodes `data` as an aws-chunked body of `chunk_size` chunks. With signed = true each chunk
// carries a chunk-signature chained from seed_signature (the request's signature); trailers
// ("name", "value") follow the last chunk, signed with x-amz-trailer-signature when signed.
std::string EncodeAwsChunked(std::string_view data, size_t chunk_size, bool signed_chunks,
                             const SigningParams& params, std::string_view seed_signature,
                             const std::vector<std::pair<std::string, std::string>>& trailers);

}  // namespace strata::api
