// The HTTP layer's Date header: IMF-fixdate, as strftime writes it in the C locale.
#include "server/http_util.h"

#include <catch2/catch.hpp>
#include <chrono>
#include <ctime>
#include <string>

using strata::server::HttpDate;

namespace {

std::chrono::system_clock::time_point At(std::time_t seconds) {
  return std::chrono::system_clock::from_time_t(seconds);
}

// The oracle: strftime, which knows nothing of HttpDate's hand-written digits.
std::string Strftime(std::time_t seconds) {
  std::tm tm{};
  gmtime_r(&seconds, &tm);
  char buf[64];
  REQUIRE(std::strftime(buf, sizeof(buf), "%a, %d %b %Y %H:%M:%S GMT", &tm) > 0);
  return buf;
}

}  // namespace

TEST_CASE("HttpDate writes known instants as IMF-fixdate") {
  CHECK(HttpDate(At(0)) == "Thu, 01 Jan 1970 00:00:00 GMT");
  CHECK(HttpDate(At(784111777)) == "Sun, 06 Nov 1994 08:49:37 GMT");  // RFC 9110's example
  CHECK(HttpDate(At(951868799)) == "Tue, 29 Feb 2000 23:59:59 GMT");
  CHECK(HttpDate(At(1795663636)) == "Thu, 26 Nov 2026 03:27:16 GMT");
  // Sub-second parts are dropped, not rounded.
  CHECK(HttpDate(At(0) + std::chrono::milliseconds(999)) == "Thu, 01 Jan 1970 00:00:00 GMT");
}

TEST_CASE("HttpDate agrees with strftime over a century of instants") {
  // Steps of a prime number of seconds reach every weekday, month, hour, minute and second.
  for (std::time_t t = 0; t < std::time_t{4102444800}; t += 9'999'991) {
    INFO(t);
    CHECK(HttpDate(At(t)) == Strftime(t));
  }
}
