#include "api/conditional.h"

#include <catch2/catch.hpp>
#include <optional>
#include <string>

namespace strata::api {
namespace {

using std::chrono::seconds;
using TimePoint = std::chrono::system_clock::time_point;

const TimePoint kModified = TimePoint(seconds(1'700'000'000)) + std::chrono::milliseconds(250);
const TimePoint kBefore = TimePoint(seconds(1'699'999'000));
const TimePoint kSame = TimePoint(seconds(1'700'000'000));
const TimePoint kAfter = TimePoint(seconds(1'700'001'000));
constexpr std::string_view kEtag = "9bb58f26192e4ba00f01e2e7b136bbd8";

struct Case {
  std::optional<std::string> if_match;
  std::optional<std::string> if_none_match;
  std::optional<TimePoint> if_modified_since;
  std::optional<TimePoint> if_unmodified_since;
  ConditionOutcome outcome;
};

TEST_CASE("Preconditions evaluate in the AWS and RFC 9110 order") {
  using C = ConditionOutcome;
  const std::string match = "\"9bb58f26192e4ba00f01e2e7b136bbd8\"";
  const std::string other = "\"0000\"";
  auto c = GENERATE_COPY(values<Case>({
      {{}, {}, {}, {}, C::kProceed},
      {match, {}, {}, {}, C::kProceed},
      {other, {}, {}, {}, C::kPreconditionFailed},
      {"*", {}, {}, {}, C::kProceed},
      {{}, {}, {}, kAfter, C::kProceed},
      {{}, {}, {}, kSame, C::kProceed},  // same second: not modified since
      {{}, {}, {}, kBefore, C::kPreconditionFailed},
      // If-Match true wins over a failing If-Unmodified-Since.
      {match, {}, {}, kBefore, C::kProceed},
      {other, {}, {}, kAfter, C::kPreconditionFailed},
      {{}, match, {}, {}, C::kNotModified},
      {{}, "*", {}, {}, C::kNotModified},
      {{}, other, {}, {}, C::kProceed},
      {{}, {}, kAfter, {}, C::kNotModified},
      {{}, {}, kSame, {}, C::kNotModified},
      {{}, {}, kBefore, {}, C::kProceed},
      // If-None-Match decides alone: If-Modified-Since is then ignored.
      {{}, other, kAfter, {}, C::kProceed},
      {{}, match, kBefore, {}, C::kNotModified},
      // 412 comes before 304.
      {other, match, {}, {}, C::kPreconditionFailed},
      {match, match, {}, {}, C::kNotModified},
      {{}, {}, kAfter, kBefore, C::kPreconditionFailed},
  }));
  CAPTURE(c.if_match.value_or("-"), c.if_none_match.value_or("-"));
  Preconditions p{c.if_match, c.if_none_match, c.if_modified_since, c.if_unmodified_since};
  CHECK(EvaluatePreconditions(p, kEtag, kModified) == c.outcome);
}

TEST_CASE("ETag lists match with or without quotes, weak prefixes and spaces") {
  CHECK(EtagListMatches("\"abc\"", "abc"));
  CHECK(EtagListMatches("abc", "abc"));
  CHECK(EtagListMatches("W/\"abc\"", "abc"));
  CHECK(EtagListMatches("\"x\", \"abc\"", "abc"));
  CHECK(EtagListMatches("\"x\",abc", "abc"));
  CHECK(EtagListMatches(" * ", "abc"));
  CHECK_FALSE(EtagListMatches("\"abcd\"", "abc"));
  CHECK_FALSE(EtagListMatches("", "abc"));
  CHECK_FALSE(EtagListMatches("\"\"", "abc"));
  CHECK_FALSE(EtagListMatches(",,,", "abc"));
}

}  // namespace
}  // namespace strata::api
