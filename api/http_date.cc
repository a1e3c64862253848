#include "api/http_date.h"

#include <array>
#include <cstdio>

#include "erasure/utc_time.h"

namespace strata::api {
namespace {

using erasure::PutDigits;

using std::chrono::days;
using std::chrono::hours;
using std::chrono::minutes;
using std::chrono::seconds;

constexpr std::array<std::string_view, 12> kMonths = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                                      "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
constexpr std::array<std::string_view, 7> kShortDays = {"Sun", "Mon", "Tue", "Wed",
                                                        "Thu", "Fri", "Sat"};
constexpr std::array<std::string_view, 7> kLongDays = {"Sunday",   "Monday", "Tuesday", "Wednesday",
                                                       "Thursday", "Friday", "Saturday"};

// A cursor over the text being parsed; every method fails softly (returns false) so the
// parsers below read as the grammar.
class Cursor {
 public:
  explicit Cursor(std::string_view s) : s_(s) {}

  bool Done() const { return pos_ == s_.size(); }
  bool Literal(std::string_view lit) {
    if (s_.substr(pos_, lit.size()) != lit) return false;
    pos_ += lit.size();
    return true;
  }
  bool Peek(char c) const { return pos_ < s_.size() && s_[pos_] == c; }
  // Exactly n decimal digits.
  bool Digits(size_t n, int& out) {
    if (s_.size() - pos_ < n) return false;
    int v = 0;
    for (size_t i = 0; i < n; ++i) {
      char c = s_[pos_ + i];
      if (c < '0' || c > '9') return false;
      v = v * 10 + (c - '0');
    }
    pos_ += n;
    out = v;
    return true;
  }
  // One of `names`; its index in out.
  template <size_t N>
  bool OneOf(const std::array<std::string_view, N>& names, int& out) {
    // Longest first matters only for day names, where no short name is a prefix of another
    // entry of the same table.
    for (size_t i = 0; i < N; ++i) {
      if (Literal(names[i])) {
        out = static_cast<int>(i);
        return true;
      }
    }
    return false;
  }
  size_t pos() const { return pos_; }
  std::string_view rest() const { return s_.substr(pos_); }

 private:
  std::string_view s_;
  size_t pos_ = 0;
};

std::optional<SysTime> Compose(int year, int month, int day, int hour, int minute, int second) {
  if (month < 1 || month > 12 || hour > 23 || minute > 59 || second > 59) return std::nullopt;
  // SysTime counts int64 nanoseconds: only years 1678..2261 fit; outside them the conversion
  // below would overflow (found by date_fuzz). Such dates are treated as unparseable.
  if (year < 1678 || year > 2261) return std::nullopt;
  std::chrono::year_month_day ymd{std::chrono::year{year},
                                  std::chrono::month{static_cast<unsigned>(month)},
                                  std::chrono::day{static_cast<unsigned>(day)}};
  if (!ymd.ok()) return std::nullopt;
  return SysTime(std::chrono::sys_days(ymd).time_since_epoch() + hours(hour) + minutes(minute) +
                 seconds(second));
}

bool Time(Cursor& c, int& h, int& m, int& s) {
  return c.Digits(2, h) && c.Literal(":") && c.Digits(2, m) && c.Literal(":") && c.Digits(2, s);
}

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

std::optional<SysTime> ParseImfFixdate(std::string_view s) {
  Cursor c(s);
  int wd, day, month, year, h, m, sec;
  if (!c.OneOf(kShortDays, wd) || !c.Literal(", ") || !c.Digits(2, day) || !c.Literal(" ") ||
      !c.OneOf(kMonths, month) || !c.Literal(" ") || !c.Digits(4, year) || !c.Literal(" ") ||
      !Time(c, h, m, sec) || !c.Literal(" GMT") || !c.Done()) {
    return std::nullopt;
  }
  return Compose(year, month + 1, day, h, m, sec);
}

std::optional<SysTime> ParseRfc850(std::string_view s) {
  Cursor c(s);
  int wd, day, month, yy, h, m, sec;
  if (!c.OneOf(kLongDays, wd) || !c.Literal(", ") || !c.Digits(2, day) || !c.Literal("-") ||
      !c.OneOf(kMonths, month) || !c.Literal("-") || !c.Digits(2, yy) || !c.Literal(" ") ||
      !Time(c, h, m, sec) || !c.Literal(" GMT") || !c.Done()) {
    return std::nullopt;
  }
  return Compose(yy >= 70 ? 1900 + yy : 2000 + yy, month + 1, day, h, m, sec);
}

std::optional<SysTime> ParseAsctime(std::string_view s) {
  Cursor c(s);
  int wd, day, month, year, h, m, sec;
  if (!c.OneOf(kShortDays, wd) || !c.Literal(" ") || !c.OneOf(kMonths, month) || !c.Literal(" ")) {
    return std::nullopt;
  }
  // The day is two characters: " 6" or "06" (some senders also drop the pad: "6").
  if (c.Literal(" ")) {
    if (!c.Digits(1, day)) return std::nullopt;
  } else if (!c.Digits(2, day) && !c.Digits(1, day)) {
    return std::nullopt;
  }
  if (!c.Literal(" ") || !Time(c, h, m, sec) || !c.Literal(" ") || !c.Digits(4, year) ||
      !c.Done()) {
    return std::nullopt;
  }
  return Compose(year, month + 1, day, h, m, sec);
}

}  // namespace

std::optional<SysTime> ParseAmzDate(std::string_view text) {
  Cursor c(text);
  int y, mo, d, h, mi, s;
  if (!c.Digits(4, y) || !c.Digits(2, mo) || !c.Digits(2, d) || !c.Literal("T") ||
      !c.Digits(2, h) || !c.Digits(2, mi) || !c.Digits(2, s) || !c.Literal("Z") || !c.Done()) {
    return std::nullopt;
  }
  return Compose(y, mo, d, h, mi, s);
}

std::string FormatAmzDate(SysTime t) {
  const erasure::UtcFields u = erasure::ToUtcFields(t);
  if (u.year < 0 || u.year > 9999) {
    char buf[64];
    std::snprintf(buf, sizeof(buf), "%04d%02u%02uT%02u%02u%02uZ", u.year, u.month, u.day, u.hour,
                  u.minute, u.second);
    return buf;
  }
  // Digit by digit, as erasure/utc_time.cc's writers: SigV4 formats the request's date on every
  // request (snprintf was ~1 % of a 4 KiB GET's CPU).
  std::string out = "00000000T000000Z";
  PutDigits(out, 3, u.year, 4);
  PutDigits(out, 5, u.month, 2);
  PutDigits(out, 7, u.day, 2);
  PutDigits(out, 10, u.hour, 2);
  PutDigits(out, 12, u.minute, 2);
  PutDigits(out, 14, u.second, 2);
  return out;
}

std::optional<SysTime> ParseHttpDate(std::string_view text) {
  text = Trim(text);
  if (auto t = ParseImfFixdate(text)) return t;
  if (auto t = ParseRfc850(text)) return t;
  return ParseAsctime(text);
}

std::string FormatHttpDate(SysTime t) { return erasure::FormatImfFixdate(t); }

std::optional<SysTime> ParseIso8601(std::string_view text) {
  Cursor c(text);
  int y, mo, d, h, mi, s;
  if (!c.Digits(4, y) || !c.Literal("-") || !c.Digits(2, mo) || !c.Literal("-") ||
      !c.Digits(2, d) || !c.Literal("T") || !Time(c, h, mi, s)) {
    return std::nullopt;
  }
  std::chrono::nanoseconds fraction{0};
  if (c.Literal(".")) {
    int digits = 0;
    long long value = 0;
    int digit;
    while (c.Digits(1, digit)) {
      if (++digits > 9) return std::nullopt;
      value = value * 10 + digit;
    }
    if (digits == 0) return std::nullopt;
    for (int i = digits; i < 9; ++i) value *= 10;
    fraction = std::chrono::nanoseconds(value);
  }
  std::chrono::minutes offset{0};
  if (!c.Literal("Z")) {
    int sign = c.Peek('+') ? 1 : (c.Peek('-') ? -1 : 0);
    int oh, om;
    if (sign == 0 || !c.Literal(sign > 0 ? "+" : "-") || !c.Digits(2, oh) || !c.Literal(":") ||
        !c.Digits(2, om) || oh > 23 || om > 59) {
      return std::nullopt;
    }
    offset = std::chrono::minutes(sign * (oh * 60 + om));
  }
  if (!c.Done()) return std::nullopt;
  auto base = Compose(y, mo, d, h, mi, s);
  if (!base) return std::nullopt;
  return *base + std::chrono::duration_cast<SysTime::duration>(fraction) - offset;
}

std::string FormatIso8601(SysTime t) { return erasure::FormatIso8601Millis(t); }

}  // namespace strata::api
