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

}  // namespace strata::api
