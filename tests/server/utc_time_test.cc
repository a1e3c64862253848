// ToUtcFields and IsoTime against libc's gmtime_r/strftime, the oracle they replace.
#include "erasure/utc_time.h"

#include <catch2/catch.hpp>
#include <chrono>
#include <cstdio>
#include <ctime>
#include <string>

#include "server/log.h"

using strata::erasure::ToUtcFields;
using strata::server::IsoTime;

namespace {

using Clock = std::chrono::system_clock;

// What the old gmtime_r + snprintf code printed for a time `ms` milliseconds from the epoch.
std::string Oracle(long long ms) {
  std::time_t secs = static_cast<std::time_t>(ms / 1000);
  if (ms % 1000 < 0) --secs;
  std::tm tm{};
  REQUIRE(gmtime_r(&secs, &tm) != nullptr);
  char buf[96];
  std::snprintf(buf, sizeof(buf), "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900,
                tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
                static_cast<int>(((ms % 1000) + 1000) % 1000));
  return buf;
}

Clock::time_point AtMs(long long ms) { return Clock::time_point(std::chrono::milliseconds(ms)); }

}  // namespace

TEST_CASE("IsoTime writes known instants") {
  CHECK(IsoTime(AtMs(0)) == "1970-01-01T00:00:00.000Z");
  CHECK(IsoTime(AtMs(951868799999)) == "2000-02-29T23:59:59.999Z");
  CHECK(IsoTime(AtMs(1795663636042)) == "2026-11-26T03:27:16.042Z");
  CHECK(IsoTime(AtMs(-1)) == "1969-12-31T23:59:59.999Z");  // rounded down, not toward zero
  // Below a millisecond is dropped.
  CHECK(IsoTime(AtMs(5) + std::chrono::microseconds(999)) == "1970-01-01T00:00:00.005Z");
}

TEST_CASE("IsoTime and ToUtcFields agree with gmtime_r over two centuries") {
  // A prime step in milliseconds reaches every weekday, month, hour, minute, second and
  // millisecond value; the range covers leap years, 2000 and dates before 1970.
  for (long long ms = -2'208'988'800'000; ms < 4'102'444'800'000; ms += 9'999'991'337) {
    INFO(ms);
    CHECK(IsoTime(AtMs(ms)) == Oracle(ms));
    std::time_t secs = static_cast<std::time_t>(ms / 1000);
    if (ms % 1000 < 0) --secs;
    std::tm tm{};
    REQUIRE(gmtime_r(&secs, &tm) != nullptr);
    CHECK(ToUtcFields(AtMs(ms)).weekday == static_cast<unsigned>(tm.tm_wday));
  }
}

TEST_CASE("AppendIso8601Millis appends what FormatIso8601Millis returns, after existing text") {
  using strata::erasure::AppendIso8601Millis;
  using strata::erasure::FormatIso8601Millis;
  for (long long ms : {0LL, 951868799999LL, 1795663636042LL, -1LL}) {
    std::string out = "<LastModified>";
    AppendIso8601Millis(out, AtMs(ms));
    CHECK(out == "<LastModified>" + Oracle(ms));
    CHECK(FormatIso8601Millis(AtMs(ms)) == Oracle(ms));
  }
  // system_clock counts nanoseconds here: 1677-2262 is all it holds, so years outside
  // 0-9999 cannot occur.
}
