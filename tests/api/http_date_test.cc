#include "api/http_date.h"

#include <catch2/catch.hpp>
#include <ctime>

namespace strata::api {
namespace {

using namespace std::chrono;

SysTime At(int y, unsigned mo, unsigned d, int h, int mi, int s) {
  return SysTime(sys_days(year{y} / month{mo} / day{d}).time_since_epoch() + hours(h) +
                 minutes(mi) + seconds(s));
}

TEST_CASE("ParseAmzDate reads ISO 8601 basic format and FormatAmzDate writes it back") {
  auto t = ParseAmzDate("20130524T000000Z");
  REQUIRE(t);
  CHECK(*t == At(2013, 5, 24, 0, 0, 0));
  CHECK(FormatAmzDate(*t) == "20130524T000000Z");
  CHECK(FormatAmzDate(At(2024, 2, 29, 23, 59, 59) + milliseconds(999)) == "20240229T235959Z");
}

TEST_CASE("FormatAmzDate agrees with strftime over two centuries and round-trips") {
  // A prime step in seconds reaches every month, day, hour, minute and second value.
  for (long long s = -2'208'988'800; s < 4'102'444'800; s += 9'999'991) {
    INFO(s);
    const std::time_t tt = static_cast<std::time_t>(s);
    std::tm tm{};
    REQUIRE(gmtime_r(&tt, &tm) != nullptr);
    char expected[32];
    REQUIRE(std::strftime(expected, sizeof(expected), "%Y%m%dT%H%M%SZ", &tm) > 0);
    const SysTime t{seconds(s)};
    CHECK(FormatAmzDate(t) == expected);
    CHECK(ParseAmzDate(FormatAmzDate(t)) == t);
  }
}

TEST_CASE("ParseAmzDate rejects other shapes and impossible dates") {
  const char* bad[] = {"",
                       "20130524T000000",
                       "20130524T000000z",
                       "2013-05-24T00:00:00Z",
                       "20130524T000000Z ",
                       "20130230T000000Z",
                       "20130524T240000Z",
                       "20130524T006000Z",
                       "20130524T000060Z",
                       "20131324T000000Z",
                       "2013052AT000000Z",
                       "+0130524T000000Z"};
  for (const char* text : bad) {
    INFO(text);
    CHECK_FALSE(ParseAmzDate(text));
  }
}

TEST_CASE("ParseHttpDate accepts the three HTTP date formats for the same instant") {
  SysTime expected = At(1994, 11, 6, 8, 49, 37);
  CHECK(ParseHttpDate("Sun, 06 Nov 1994 08:49:37 GMT") == expected);
  CHECK(ParseHttpDate("Sunday, 06-Nov-94 08:49:37 GMT") == expected);
  CHECK(ParseHttpDate("Sun Nov  6 08:49:37 1994") == expected);
  CHECK(ParseHttpDate("  Sun, 06 Nov 1994 08:49:37 GMT ") == expected);
}

TEST_CASE("ParseHttpDate maps two-digit RFC 850 years below 70 to the 2000s") {
  CHECK(ParseHttpDate("Friday, 24-May-13 00:00:00 GMT") == At(2013, 5, 24, 0, 0, 0));
  CHECK(ParseHttpDate("Thursday, 01-Jan-70 00:00:00 GMT") == At(1970, 1, 1, 0, 0, 0));
}

TEST_CASE("Dates outside the representable years are rejected, not overflowed") {
  // Regression from date_fuzz: year 0 and year 9999 overflowed int64 nanoseconds (UB).
  CHECK_FALSE(ParseIso8601("0000-01-01T00:00:00Z").has_value());
  CHECK_FALSE(ParseHttpDate("Fri, 31 Dec 9999 23:59:59 GMT").has_value());
  CHECK_FALSE(ParseAmzDate("99991231T235959Z").has_value());
  CHECK(ParseHttpDate("Sun, 06 Nov 1994 08:49:37 GMT").has_value());
}

TEST_CASE("ParseHttpDate rejects malformed dates") {
  const char* bad[] = {"",
                       "Sun, 06 Nov 1994 08:49:37",
                       "Sun, 06 Nov 1994 08:49:37 UTC",
                       "Sun, 6 Nov 1994 08:49:37 GMT",
                       "Sun, 31 Nov 1994 08:49:37 GMT",
                       "Xyz, 06 Nov 1994 08:49:37 GMT",
                       "Sun, 06 Foo 1994 08:49:37 GMT",
                       "Sun, 06 Nov 1994 25:49:37 GMT",
                       "Sun, 06 Nov 1994 08:49:37 GMTx",
                       "Sunday, 06-Nov-1994 08:49:37 GMT",
                       "Sun Nov  6 08:49:37 94",
                       "1994-11-06T08:49:37Z"};
  for (const char* text : bad) {
    INFO(text);
    CHECK_FALSE(ParseHttpDate(text));
  }
}

TEST_CASE("FormatHttpDate writes IMF-fixdate with the right weekday") {
  CHECK(FormatHttpDate(At(1994, 11, 6, 8, 49, 37)) == "Sun, 06 Nov 1994 08:49:37 GMT");
  CHECK(FormatHttpDate(At(2013, 5, 24, 0, 0, 0)) == "Fri, 24 May 2013 00:00:00 GMT");
  CHECK(FormatHttpDate(At(1970, 1, 1, 0, 0, 0)) == "Thu, 01 Jan 1970 00:00:00 GMT");
  CHECK(FormatHttpDate(At(2000, 2, 29, 12, 0, 0)) == "Tue, 29 Feb 2000 12:00:00 GMT");
}

TEST_CASE("FormatHttpDate and ParseHttpDate round-trip whole seconds") {
  for (int64_t s = 0; s < 4'000'000'000; s += 86'399 * 37 + 13) {
    SysTime t{seconds(s)};
    auto back = ParseHttpDate(FormatHttpDate(t));
    REQUIRE(back);
    REQUIRE(*back == t);
  }
}

TEST_CASE("FormatIso8601 writes milliseconds as S3 XML does") {
  CHECK(FormatIso8601(At(2009, 10, 12, 17, 50, 30)) == "2009-10-12T17:50:30.000Z");
  CHECK(FormatIso8601(At(2009, 10, 12, 17, 50, 30) + microseconds(123999)) ==
        "2009-10-12T17:50:30.123Z");
}

TEST_CASE("FormatIso8601 pads every field, at both ends of the clock's range") {
  // SysTime counts nanoseconds in 64 bits: years 1678 to 2262.
  CHECK(FormatIso8601(At(1700, 1, 2, 3, 4, 5) + milliseconds(6)) == "1700-01-02T03:04:05.006Z");
  CHECK(FormatIso8601(At(2261, 12, 31, 23, 59, 59) + milliseconds(999)) ==
        "2261-12-31T23:59:59.999Z");
  CHECK(FormatIso8601(At(1970, 1, 1, 0, 0, 0)) == "1970-01-01T00:00:00.000Z");
}

TEST_CASE("ParseIso8601 accepts fractions and offsets and rejects malformed text") {
  SysTime base = At(2009, 10, 12, 17, 50, 30);
  CHECK(ParseIso8601("2009-10-12T17:50:30Z") == base);
  CHECK(ParseIso8601("2009-10-12T17:50:30.000Z") == base);
  CHECK(ParseIso8601("2009-10-12T17:50:30.5Z") == base + milliseconds(500));
  CHECK(ParseIso8601("2009-10-12T19:50:30+02:00") == base);
  CHECK(ParseIso8601("2009-10-12T12:20:30-05:30") == base);
  CHECK(ParseIso8601(FormatIso8601(base + milliseconds(7))) == base + milliseconds(7));
  const char* bad[] = {"2009-10-12T17:50:30",      "2009-10-12 17:50:30Z",
                       "2009-10-12T17:50:30.Z",    "2009-10-12T17:50:30.1234567891Z",
                       "2009-02-30T17:50:30Z",     "2009-10-12T17:50:30+0200",
                       "2009-10-12T17:50:30Zjunk", "20091012T175030Z"};
  for (const char* text : bad) {
    INFO(text);
    CHECK_FALSE(ParseIso8601(text));
  }
}

}  // namespace
}  // namespace strata::api
