#include "api/cors.h"

#include <algorithm>

#include "api/request_headers.h"

namespace strata::api {
namespace {

namespace http = boost::beast::http;

bool EqualsIgnoreCase(std::string_view a, std::string_view b) {
  return a.size() == b.size() && AsciiLower(a) == AsciiLower(b);
}

std::string Join(const std::vector<std::string>& list) {
  std::string out;
  for (const std::string& s : list) {
    if (!out.empty()) out += ", ";
    out += s;
  }
  return out;
}

bool AllowsEveryOrigin(const storage::CorsRule& rule) {
  return std::find(rule.allowed_origins.begin(), rule.allowed_origins.end(), "*") !=
         rule.allowed_origins.end();
}

// The headers both answers share.
void SetCommonHeaders(const storage::CorsRule& rule, std::string_view origin,
                      http::response_header<>& response) {
  // A rule allowing "*" answers "*" (as AWS does); a named origin is echoed and may send
  // credentials.
  const bool any = AllowsEveryOrigin(rule);
  response.set(http::field::access_control_allow_origin, any ? std::string_view("*") : origin);
  if (!any) response.set(http::field::access_control_allow_credentials, "true");
  response.set(http::field::access_control_allow_methods, Join(rule.allowed_methods));
  if (!rule.expose_headers.empty()) {
    response.set(http::field::access_control_expose_headers, Join(rule.expose_headers));
  }
  if (rule.max_age_seconds) {
    response.set(http::field::access_control_max_age, std::to_string(*rule.max_age_seconds));
  }
}

}  // namespace

bool CorsWildcardMatch(std::string_view pattern, std::string_view value) {
  const size_t star = pattern.find('*');
  if (star == std::string_view::npos) return EqualsIgnoreCase(pattern, value);
  std::string_view prefix = pattern.substr(0, star);
  std::string_view suffix = pattern.substr(star + 1);
  if (value.size() < prefix.size() + suffix.size()) return false;
  return EqualsIgnoreCase(prefix, value.substr(0, prefix.size())) &&
         EqualsIgnoreCase(suffix, value.substr(value.size() - suffix.size()));
}

std::vector<std::string> SplitRequestHeaders(std::string_view value) {
  std::vector<std::string> names;
  while (!value.empty()) {
    size_t comma = value.find(',');
    std::string_view name = TrimSpaces(value.substr(0, comma));
    if (!name.empty()) names.push_back(AsciiLower(name));
    if (comma == std::string_view::npos) break;
    value.remove_prefix(comma + 1);
  }
  return names;
}

const storage::CorsRule* MatchCorsRule(const storage::CorsConfiguration& config,
                                       std::string_view origin, std::string_view method,
                                       const std::vector<std::string>& request_headers) {
  for (const storage::CorsRule& rule : config.rules) {
    const bool origin_ok =
        std::any_of(rule.allowed_origins.begin(), rule.allowed_origins.end(),
                    [&](const std::string& pattern) { return CorsWildcardMatch(pattern, origin); });
    if (!origin_ok) continue;
    if (std::find(rule.allowed_methods.begin(), rule.allowed_methods.end(), method) ==
        rule.allowed_methods.end()) {
      continue;
    }
    const bool headers_ok =
        std::all_of(request_headers.begin(), request_headers.end(), [&](const std::string& header) {
          return std::any_of(
              rule.allowed_headers.begin(), rule.allowed_headers.end(),
              [&](const std::string& pattern) { return CorsWildcardMatch(pattern, header); });
        });
    if (headers_ok) return &rule;
  }
  return nullptr;
}

void SetPreflightHeaders(const storage::CorsRule& rule, std::string_view origin,
                         const std::vector<std::string>& request_headers,
                         http::response_header<>& response) {
  SetCommonHeaders(rule, origin, response);
  if (!request_headers.empty()) {
    response.set(http::field::access_control_allow_headers, Join(request_headers));
  }
  response.set(http::field::vary,
               "Origin, Access-Control-Request-Headers, Access-Control-Request-Method");
}

void SetActualRequestHeaders(const storage::CorsRule& rule, std::string_view origin,
                             http::response_header<>& response) {
  SetCommonHeaders(rule, origin, response);
  response.set(http::field::vary,
               "Origin, Access-Control-Request-Headers, "
               "Access-Control-Request-Method");
}

}  // namespace strata::api
