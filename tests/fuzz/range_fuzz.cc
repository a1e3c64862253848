// Fuzzes the byte-range parsers: EvaluateRange (api/http_range.h, the Range header) and
// ParseCopySourceRange (api/copy_handlers.h, x-amz-copy-source-range), against any object size.
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>

#include "api/copy_handlers.h"
#include "api/http_range.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  // The first 8 bytes pick the object size; the rest is the header value.
  uint64_t object_size = 0;
  if (size >= sizeof(object_size)) {
    std::memcpy(&object_size, data, sizeof(object_size));
    data += sizeof(object_size);
    size -= sizeof(object_size);
  }
  std::string_view header(reinterpret_cast<const char*>(data), size);
  // Small sizes matter most (edge cases around 0, 1, the end); keep them frequent.
  for (uint64_t object : {object_size, object_size % 1024}) {
    strata::api::RangeResult r = strata::api::EvaluateRange(header, object);
    switch (r.outcome) {
      case strata::api::RangeOutcome::kPartial:
        // The contract: a non-empty range that lies inside the object.
        if (r.length == 0 || r.first >= object || r.length > object - r.first) __builtin_trap();
        (void)strata::api::ContentRange(r.first, r.length, object);
        break;
      case strata::api::RangeOutcome::kUnsatisfiable:
        (void)strata::api::UnsatisfiedContentRange(object);
        break;
      case strata::api::RangeOutcome::kFull:
        break;
    }
    std::string message;
    if (auto copy = strata::api::ParseCopySourceRange(header, object, &message)) {
      // Both ends inclusive and inside the source.
      if (copy->length == 0 || copy->first >= object || copy->length > object - copy->first) {
        __builtin_trap();
      }
    }
  }
  return 0;
}
