// Conditional requests (RFC 9110 section 13, as S3 applies them to GetObject and HeadObject).
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

namespace strata::api {

struct Preconditions {
  std::optional<std::string> if_match;       // raw header value
  std::optional<std::string> if_none_match;  // raw header value
  // Parsed dates; a header whose date does not parse is treated as absent (RFC 9110).
  std::optional<std::chrono::system_clock::time_point> if_modified_since;
  std::optional<std::chrono::system_clock::time_point> if_unmodified_since;
};

enum class ConditionOutcome {
  kProceed,             // serve the object
  kNotModified,         // 304, with ETag and Last-Modified, no body
  kPreconditionFailed,  // 412 PreconditionFailed
};

// Evaluates in the order S3 and RFC 9110 use: If-Match (else If-Unmodified-Since) first, then
// If-None-Match (else If-Modified-Since). `etag` is the object's ETag without quotes. Times
// compare at one-second resolution, as Last-Modified carries them. Pure.
ConditionOutcome EvaluatePreconditions(const Preconditions& p, std::string_view etag,
                                       std::chrono::system_clock::time_point last_modified);

// True when a comma-separated list of entity tags (quoted or not, optionally W/-prefixed) or
// "*" names `etag` (unquoted).
bool EtagListMatches(std::string_view header, std::string_view etag);

}  // namespace strata::api
