// The HTTP Range header (RFC 9110 section 14) as S3 applies it to GetObject and HeadObject:
// one byte range only; anything S3 would not honour is ignored, never an error.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace strata::api {

enum class RangeOutcome {
  kFull,           // no Range header, or one S3 ignores (bad syntax, several ranges): send 200
  kPartial,        // send 206 with `first`/`length` and Content-Range
  kUnsatisfiable,  // send 416 InvalidRange with Content-Range "bytes */<size>"
};

struct RangeResult {
  RangeOutcome outcome = RangeOutcome::kFull;
  uint64_t first = 0;   // kPartial only
  uint64_t length = 0;  // kPartial only; >= 1
};

// Evaluates `header` (the Range value; empty when absent) against an object of `size` bytes.
// Accepts "bytes=a-b" (b clamped to the end), "bytes=a-" and "bytes=-n" (the last n bytes).
// Numbers of any length are accepted (they saturate), so huge values never overflow: a first
// byte past the end is unsatisfiable, a huge last byte or suffix means "to the end". Any
// satisfiable-looking range on an empty object, and "bytes=-0", are unsatisfiable. Pure.
RangeResult EvaluateRange(std::string_view header, uint64_t size);

// "bytes 0-99/1234".
std::string ContentRange(uint64_t first, uint64_t length, uint64_t size);
// "bytes */1234".
std::string UnsatisfiedContentRange(uint64_t size);

}  // namespace strata::api
