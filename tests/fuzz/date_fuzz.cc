// Fuzzes the date parsers (api/http_date.h). What a parser accepts must format and parse back to
// the same instant.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "api/http_date.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  namespace api = strata::api;
  std::string_view text(reinterpret_cast<const char*>(data), size);
  using std::chrono::floor;
  using std::chrono::seconds;

  if (auto t = api::ParseAmzDate(text)) {
    auto back = api::ParseAmzDate(api::FormatAmzDate(*t));
    if (!back || *back != *t) __builtin_trap();
  }
  if (auto t = api::ParseHttpDate(text)) {
    auto back = api::ParseHttpDate(api::FormatHttpDate(*t));
    if (!back || *back != *t) __builtin_trap();
  }
  if (auto t = api::ParseIso8601(text)) {
    // Formatting keeps milliseconds and UTC; compare at second precision (offsets shift it).
    // floor, not time_point_cast: the cast rounds toward zero, so an instant with a fraction
    // before 1970 would land one second later than its formatted second.
    auto back = api::ParseIso8601(api::FormatIso8601(*t));
    if (!back || floor<seconds>(*back) != floor<seconds>(*t)) {
      __builtin_trap();
    }
  }
  return 0;
}
