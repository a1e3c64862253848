// Request-target parsing and the URI encoding rules S3 and SigV4 use.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace strata::api {

struct ParsedTarget {
  std::string raw_path;  // as sent, still percent-encoded (what SigV4 canonicalizes)
  std::string path;      // percent-decoded (what routing uses); may contain any byte but NUL
  // Decoded name/value pairs in the order sent. A name without '=' has an empty value.
  std::vector<std::pair<std::string, std::string>> query;
  std::string raw_query;  // after '?', as sent

  bool HasQuery(std::string_view name) const;
  std::optional<std::string> Query(std::string_view name) const;  // first value
};

// nullopt for malformed targets (not origin-form, bad percent escapes, NUL bytes).
std::optional<ParsedTarget> ParseTarget(std::string_view target);

// RFC 3986 encoding as SigV4 specifies: unreserved characters (A-Za-z0-9-._~) stay, every other
// byte becomes %XX (upper-case hex); '/' stays when !encode_slash.
std::string UriEncode(std::string_view s, bool encode_slash);
// Decodes %XX; with plus_as_space, '+' becomes ' ' (form encoding). nullopt on bad escapes.
std::optional<std::string> UriDecode(std::string_view s, bool plus_as_space = false);

}  // namespace strata::api
