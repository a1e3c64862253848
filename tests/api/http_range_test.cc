#include "api/http_range.h"

#include <catch2/catch.hpp>
#include <string>

namespace strata::api {
namespace {

struct Case {
  std::string header;
  uint64_t size;
  RangeOutcome outcome;
  uint64_t first;
  uint64_t length;
};

TEST_CASE("Range headers evaluate as S3 does") {
  using R = RangeOutcome;
  auto c = GENERATE(values<Case>({
      {"", 10, R::kFull, 0, 0},
      {"bytes=0-0", 10, R::kPartial, 0, 1},
      {"bytes=0-9", 10, R::kPartial, 0, 10},
      {"bytes=2-5", 10, R::kPartial, 2, 4},
      {"bytes=5-", 10, R::kPartial, 5, 5},
      {"bytes=9-", 10, R::kPartial, 9, 1},
      {"bytes=-3", 10, R::kPartial, 7, 3},
      {"bytes=-10", 10, R::kPartial, 0, 10},
      {"bytes=-100", 10, R::kPartial, 0, 10},  // suffix longer than the object: all of it
      {"bytes=5-100", 10, R::kPartial, 5, 5},  // last byte past the end clamps
      {"BYTES=1-2", 10, R::kPartial, 1, 2},
      {"bytes = 1-2", 10, R::kPartial, 1, 2},
      {"bytes=0-18446744073709551615", 10, R::kPartial, 0, 10},
      {"bytes=0-99999999999999999999999", 10, R::kPartial, 0, 10},
      {"bytes=-99999999999999999999", 10, R::kPartial, 0, 10},
      // Unsatisfiable: 416.
      {"bytes=10-", 10, R::kUnsatisfiable, 0, 0},
      {"bytes=10-20", 10, R::kUnsatisfiable, 0, 0},
      {"bytes=99999999999999999999-", 10, R::kUnsatisfiable, 0, 0},
      {"bytes=0-0", 0, R::kUnsatisfiable, 0, 0},
      {"bytes=0-", 0, R::kUnsatisfiable, 0, 0},
      {"bytes=-5", 0, R::kUnsatisfiable, 0, 0},
      {"bytes=-0", 10, R::kUnsatisfiable, 0, 0},
      // Ignored (S3 answers 200 with the whole object).
      {"bytes=0-1,3-4", 10, R::kFull, 0, 0},
      {"bytes=5-2", 10, R::kFull, 0, 0},
      {"bytes=a-b", 10, R::kFull, 0, 0},
      {"bytes=-", 10, R::kFull, 0, 0},
      {"bytes=", 10, R::kFull, 0, 0},
      {"bytes=1", 10, R::kFull, 0, 0},
      {"items=0-1", 10, R::kFull, 0, 0},
      {"0-1", 10, R::kFull, 0, 0},
      {"bytes=+1-2", 10, R::kFull, 0, 0},
      {"bytes=1--2", 10, R::kFull, 0, 0},
      {"bytes=--1", 10, R::kFull, 0, 0},
  }));
  CAPTURE(c.header, c.size);
  RangeResult r = EvaluateRange(c.header, c.size);
  CHECK(r.outcome == c.outcome);
  if (c.outcome == R::kPartial) {
    CHECK(r.first == c.first);
    CHECK(r.length == c.length);
  }
}

TEST_CASE("Content-Range values name the served bytes and the object size") {
  CHECK(ContentRange(0, 10, 10) == "bytes 0-9/10");
  CHECK(ContentRange(5, 1, 100) == "bytes 5-5/100");
  CHECK(UnsatisfiedContentRange(42) == "bytes */42");
}

}  // namespace
}  // namespace strata::api
