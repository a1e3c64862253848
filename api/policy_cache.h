// Parsed policies by their document (issue 7): every request of a user, and every non-root
// request on a bucket with a policy, needs the same few documents; parsing their JSON again per
// request costs more than evaluating them. Thread-safe; memory bounded.
#pragma once

#include <memory>
#include <string_view>

#include "api/policy.h"

namespace strata::api {

// The parsed policy of `document` (as ParsePolicy(document, kind, bucket)), or null when it does
// not parse (a stored policy that no longer parses grants nothing). Entries are shared and
// immutable; the cache is emptied when it would exceed kMaxCachedPolicyBytes of documents.
std::shared_ptr<const Policy> CachedPolicy(std::string_view document, PolicyKind kind,
                                           std::string_view bucket);

inline constexpr size_t kMaxCachedPolicyBytes = 16 << 20;

}  // namespace strata::api
