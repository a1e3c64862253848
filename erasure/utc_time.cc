#include "erasure/utc_time.h"

#include <cstdio>

namespace strata::erasure {
namespace {

constexpr const char* kShortDays[] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
constexpr const char* kMonths[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                   "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};

bool FourDigitYear(const UtcFields& u) { return u.year >= 0 && u.year <= 9999; }

}  // namespace

std::string FormatImfFixdate(std::chrono::system_clock::time_point t) {
  const UtcFields u = ToUtcFields(t);
  if (!FourDigitYear(u)) {
    char buf[64];
    std::snprintf(buf, sizeof(buf), "%s, %02u %s %04d %02u:%02u:%02u GMT", kShortDays[u.weekday],
                  u.day, kMonths[u.month - 1], u.year, u.hour, u.minute, u.second);
    return buf;
  }
  std::string out = "Sun, 00 Jan 0000 00:00:00 GMT";
  out.replace(0, 3, kShortDays[u.weekday]);
  PutDigits(out, 6, u.day, 2);
  out.replace(8, 3, kMonths[u.month - 1]);
  PutDigits(out, 15, u.year, 4);
  PutDigits(out, 18, u.hour, 2);
  PutDigits(out, 21, u.minute, 2);
  PutDigits(out, 24, u.second, 2);
  return out;
}

std::string FormatIso8601Millis(std::chrono::system_clock::time_point t) {
  std::string out;
  AppendIso8601Millis(out, t);
  return out;
}

void AppendIso8601Millis(std::string& out, std::chrono::system_clock::time_point t) {
  const UtcFields u = ToUtcFields(t);
  if (!FourDigitYear(u)) {
    char buf[64];
    int n = std::snprintf(buf, sizeof(buf), "%04d-%02u-%02uT%02u:%02u:%02u.%03uZ", u.year, u.month,
                          u.day, u.hour, u.minute, u.second, u.millisecond);
    out.append(buf, static_cast<size_t>(n));
    return;
  }
  const size_t at = out.size();
  out.append("0000-00-00T00:00:00.000Z");
  PutDigits(out, at + 3, u.year, 4);
  PutDigits(out, at + 6, u.month, 2);
  PutDigits(out, at + 9, u.day, 2);
  PutDigits(out, at + 12, u.hour, 2);
  PutDigits(out, at + 15, u.minute, 2);
  PutDigits(out, at + 18, u.second, 2);
  PutDigits(out, at + 22, u.millisecond, 3);
}

}  // namespace strata::erasure
