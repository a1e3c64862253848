// A time point's UTC calendar fields, computed with <chrono>'s civil calendar. gmtime_r takes
// glibc's time-zone lock (__tz_convert) on every call, and every response and access-log line
// formats a time: with many workers that lock showed in a small GET's profile. In erasure/, the
// lowest layer (as thread_name.h), so that server/ and api/ format dates from the same fields.
#pragma once

#include <chrono>
#include <cstddef>
#include <string>

namespace strata::erasure {

struct UtcFields {
  int year = 1970;
  unsigned month = 1;    // 1-12
  unsigned day = 1;      // 1-31
  unsigned weekday = 4;  // 0 = Sunday
  unsigned hour = 0;
  unsigned minute = 0;
  unsigned second = 0;
  unsigned millisecond = 0;
};

// Rounds down to the millisecond (also before 1970).
inline UtcFields ToUtcFields(std::chrono::system_clock::time_point t) {
  using namespace std::chrono;
  const auto ms = floor<milliseconds>(t);
  const auto day = floor<days>(ms);
  const year_month_day ymd{day};
  const hh_mm_ss<milliseconds> time{ms - day};
  UtcFields f;
  f.year = static_cast<int>(ymd.year());
  f.month = static_cast<unsigned>(ymd.month());
  f.day = static_cast<unsigned>(ymd.day());
  f.weekday = weekday{day}.c_encoding();
  f.hour = static_cast<unsigned>(time.hours().count());
  f.minute = static_cast<unsigned>(time.minutes().count());
  f.second = static_cast<unsigned>(time.seconds().count());
  f.millisecond = static_cast<unsigned>(time.subseconds().count());
  return f;
}

// Writes the `width` lowest decimal digits of `value` (>= 0) into out, ending at out[end]: the
// date writers fill a template digit by digit (snprintf was ~1 % of a small request's CPU).
inline void PutDigits(std::string& out, size_t end, long value, int width) {
  for (int i = 0; i < width; ++i, value /= 10) {
    out[end - static_cast<size_t>(i)] = static_cast<char>('0' + value % 10);
  }
}

// The two date formats both api/ (Last-Modified, listings) and server/ (Date, the logs) write,
// on every response. Years outside 0-9999 are written with as many digits as they need.
// IMF-fixdate (RFC 9110): "Sun, 06 Nov 1994 08:49:37 GMT".
std::string FormatImfFixdate(std::chrono::system_clock::time_point t);
// ISO 8601 UTC with milliseconds: "1994-11-06T08:49:37.000Z".
std::string FormatIso8601Millis(std::chrono::system_clock::time_point t);
// The same, appended to `out` (a listing page writes a thousand: no string each).
void AppendIso8601Millis(std::string& out, std::chrono::system_clock::time_point t);

}  // namespace strata::erasure
