// The fixed credentials, clock and chunk-signing context the fuzz targets and their seed
// generator (make_corpus.cc) share, so generated seeds verify inside the targets.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

#include "api/http_date.h"
#include "api/sigv4.h"
#include "api/sigv4_canonical.h"

namespace strata::fuzz {

inline constexpr std::string_view kAccessKey = "AKIDEXAMPLE";
inline constexpr std::string_view kSecretKey = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";
inline constexpr std::string_view kRegion = "us-east-1";
inline constexpr std::string_view kAmzDate = "20130524T000000Z";
inline constexpr std::string_view kScope = "20130524/us-east-1/s3/aws4_request";
// The request signature aws-chunked seeds chain from (any 64 hex digits will do).
inline constexpr std::string_view kSeedSignature =
    "4f232c4386841ef735655705268965c44a0e4690baa4adea153f7db9fa80a0a9";

inline api::SysTime FuzzNow() { return *api::ParseAmzDate(kAmzDate) + std::chrono::seconds(60); }

inline std::optional<std::string> LookupSecret(std::string_view access_key) {
  if (access_key == kAccessKey) return std::string(kSecretKey);
  return std::nullopt;
}

inline api::AuthContext ChunkedAuth(api::PayloadKind kind) {
  api::AuthContext auth;
  auth.access_key = std::string(kAccessKey);
  auth.payload = kind;
  auth.amz_date = std::string(kAmzDate);
  auth.scope = std::string(kScope);
  auth.signing_key = api::sigv4::DeriveSigningKey(kSecretKey, "20130524", kRegion, "s3");
  auth.seed_signature = std::string(kSeedSignature);
  return auth;
}

}  // namespace strata::fuzz
