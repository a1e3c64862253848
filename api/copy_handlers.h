// Server-side copies: CopyObject and UploadPartCopy. Both stream the source through storage's
// pinned reader (a concurrent overwrite of the source does not tear the copy), digest it again
// on the way and write it like an upload, so no object is ever held in memory.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "api/handler.h"

namespace strata::api {

struct CopySource {
  std::string bucket;
  std::string key;
  std::string version_id;  // "" when the header names no version (the latest)
};

// Parses x-amz-copy-source: "bucket/key" or "/bucket/key", percent-encoded, optionally followed
// by "?versionId=<id>". Errors, with `*message` set: InvalidArgument (no bucket or key, bad
// percent-encoding, a NUL byte, a key over 1024 bytes, other query parameters, an empty or
// over-long version id), NotImplemented (an access point ARN). Pure.
Result<CopySource> ParseCopySource(std::string_view header, std::string* message);

struct CopyRange {
  uint64_t first = 0;
  uint64_t length = 0;
};

// Parses x-amz-copy-source-range "bytes=first-last" (both inclusive, first <= last) against a
// source of `source_size` bytes. InvalidArgument for any other form, InvalidRange when last is
// past the end of the source; `*message` is set. Pure.
Result<CopyRange> ParseCopySourceRange(std::string_view header, uint64_t source_size,
                                       std::string* message);

HandlerResult CopyObject(HandlerContext& ctx);
HandlerResult UploadPartCopy(HandlerContext& ctx);

}  // namespace strata::api
