// CORS evaluation (issue 9): which rule of a bucket's configuration allows a browser request,
// and the Access-Control-* headers that say so. Pure functions; thread-safe.
//
// Matching follows AWS: rules are tried in order and the first that matches wins. An origin
// matches an AllowedOrigin exactly or through its one '*' (any run of characters, "*" alone
// matches every origin); a method matches an AllowedMethod exactly; every header a preflight
// names in Access-Control-Request-Headers must match some AllowedHeader (case-insensitive, with
// its one '*'). Origins are compared case-insensitively.
#pragma once

#include <boost/beast/http/message.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "storage/object_store.h"

namespace strata::api {

// True when `value` matches `pattern`, which has at most one '*' standing for any run of
// characters; ASCII case-insensitive.
bool CorsWildcardMatch(std::string_view pattern, std::string_view value);

// The header names of an Access-Control-Request-Headers value: split at commas, trimmed,
// lower-cased, empty names dropped.
std::vector<std::string> SplitRequestHeaders(std::string_view value);

// The first rule allowing `origin` to send `method` with `request_headers` (lower-case names),
// or nullptr.
const storage::CorsRule* MatchCorsRule(const storage::CorsConfiguration& config,
                                       std::string_view origin, std::string_view method,
                                       const std::vector<std::string>& request_headers);

// The answer headers of a preflight allowed by `rule`: Access-Control-Allow-Origin (the origin,
// or "*" when the rule allows every origin with "*"), -Allow-Methods (the rule's), -Allow-Headers
// (the requested ones, when any), -Expose-Headers, -Max-Age, -Allow-Credentials (unless "*"),
// and Vary.
void SetPreflightHeaders(const storage::CorsRule& rule, std::string_view origin,
                         const std::vector<std::string>& request_headers,
                         boost::beast::http::response_header<>& response);

// The headers of an actual (non-preflight) request allowed by `rule`: the same without
// -Allow-Headers.
void SetActualRequestHeaders(const storage::CorsRule& rule, std::string_view origin,
                             boost::beast::http::response_header<>& response);

}  // namespace strata::api
