// Date formats S3 speaks: ISO 8601 basic (x-amz-date, SigV4 scopes), HTTP dates (Date,
// Last-Modified, If-Modified-Since, Expires), and ISO 8601 extended with milliseconds (XML bodies).
// Pure functions on UTC; no locale, no time zone database, no strptime. Thread-safe.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

namespace strata::api {

using SysTime = std::chrono::system_clock::time_point;

// "20130524T000000Z" exactly (16 characters). nullopt otherwise, or for an impossible date.
std::optional<SysTime> ParseAmzDate(std::string_view text);
// "20130524T000000Z"; sub-second parts are truncated.
std::string FormatAmzDate(SysTime t);

// HTTP-date as RFC 9110 section 5.6.7 requires a recipient to accept:
//   IMF-fixdate  "Sun, 06 Nov 1994 08:49:37 GMT"
//   RFC 850      "Sunday, 06-Nov-94 08:49:37 GMT" (two-digit years: 70-99 -> 19xx, else 20xx)
//   asctime      "Sun Nov  6 08:49:37 1994"
// Leading/trailing spaces are ignored; the weekday name is checked for spelling only.
std::optional<SysTime> ParseHttpDate(std::string_view text);
// IMF-fixdate: "Sun, 06 Nov 1994 08:49:37 GMT".
std::string FormatHttpDate(SysTime t);

// ISO 8601 extended: "2009-10-12T17:50:30Z", with optional fraction ("…30.123Z", up to 9
// digits) and either 'Z' or a "+hh:mm"/"-hh:mm" offset. nullopt otherwise.
std::optional<SysTime> ParseIso8601(std::string_view text);
// "2009-10-12T17:50:30.000Z" (milliseconds, truncated), as S3 XML bodies carry.
std::string FormatIso8601(SysTime t);

}  // namespace strata::api
