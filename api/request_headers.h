// Small, strict readers of request header and query values.
#pragma once

#include <boost/beast/http/message.hpp>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace strata::api {

// The first value of a header (case-insensitive name), or nullopt when absent.
std::optional<std::string_view> HeaderValue(const boost::beast::http::request_header<>& request,
                                            std::string_view name);

// Decimal digits only (no sign, no spaces), at most 2^64-1; nullopt otherwise.
std::optional<uint64_t> ParseDecimal(std::string_view text);

// ASCII lower-case copy.
std::string AsciiLower(std::string_view text);

// Without leading and trailing spaces and tabs.
std::string_view TrimSpaces(std::string_view text);

// An entity tag as S3 sends it: the unquoted value in double quotes.
std::string QuotedEtag(std::string_view etag);

// An entity tag as a client sent it (in a header or an XML element), without surrounding spaces
// and double quotes.
std::string_view UnquoteEtag(std::string_view etag);

// A part number ("partNumber", "part-number-marker"): decimal 1..10000, as S3 accepts.
std::optional<uint32_t> ParsePartNumber(std::string_view text);

}  // namespace strata::api
