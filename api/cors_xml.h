// The CORSConfiguration document of Put/GetBucketCors (issue 9): a strict parser into
// storage::CorsConfiguration with AWS's error codes and messages, and the renderer of the GET
// answer. Pure functions; thread-safe. The parser treats its input as hostile: callers bound its
// size (kMaxCorsBodyBytes, MalformedXML beyond), pugixml never expands entities, and no more than
// kMaxCorsRules rules are kept.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <variant>

#include "api/s3_errors.h"
#include "storage/object_store.h"

namespace strata::api {

// AWS: a CORS configuration is at most 64 KB and 100 rules.
inline constexpr size_t kMaxCorsBodyBytes = 64 * 1024;
inline constexpr size_t kMaxCorsRules = 100;
inline constexpr size_t kMaxCorsIdLength = 255;

// The parser's failure: the S3 code and AWS's message ("" means the table's).
struct CorsError {
  S3Errc code = S3Errc::kMalformedXML;
  std::string message;
};

// Parses a CORSConfiguration document (namespace prefixes ignored; text trimmed of white space).
// MalformedXML: not well-formed, another root, no CORSRule, an unknown or repeated leaf element
// (ID, MaxAgeSeconds), a rule without AllowedOrigin or AllowedMethod, a MaxAgeSeconds that is not
// a 32-bit integer. InvalidRequest (AWS's messages): more than 100 rules, an ID over 255
// characters, a method other than GET PUT POST DELETE HEAD (case-sensitive, as AWS), an
// AllowedOrigin or AllowedHeader with more than one '*', an ExposeHeader with a '*'.
std::variant<storage::CorsConfiguration, CorsError> ParseCorsConfiguration(std::string_view xml);

// The GetBucketCors document: rules in stored order; each rule's ID, AllowedHeader,
// AllowedMethod, AllowedOrigin, ExposeHeader, MaxAgeSeconds as given.
std::string RenderCorsConfiguration(const storage::CorsConfiguration& config);

}  // namespace strata::api
