// DeleteObjects (POST /bucket?delete): up to 1000 keys in one request, each deleted on its own,
// with a Deleted or Error entry per key (Quiet mode: errors only).
#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include "api/handler.h"

namespace strata::api {

inline constexpr size_t kMaxDeleteKeys = 1000;
// 1000 keys of 1024 bytes, escaped, fit; a larger body is MalformedXML.
inline constexpr size_t kMaxDeleteBodyBytes = 2 << 20;

struct DeleteEntry {
  std::string key;
  std::string version_id;  // empty when not given
};

struct DeleteRequest {
  bool quiet = false;
  std::vector<DeleteEntry> objects;  // in document order
};

// Parses a Delete document. MalformedXML when it is not well-formed, its root is not Delete,
// it names no Object or more than kMaxDeleteKeys, an Object has no Key, or Quiet is not a
// boolean. Pure.
Result<DeleteRequest> ParseDeleteRequest(std::string_view xml);

HandlerResult DeleteObjects(HandlerContext& ctx);

}  // namespace strata::api
