// Bucket operations: CreateBucket, HeadBucket, DeleteBucket, ListBuckets, GetBucketLocation.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "api/handler.h"

namespace strata::api {

HandlerResult CreateBucket(HandlerContext& ctx);
HandlerResult HeadBucket(HandlerContext& ctx);
HandlerResult DeleteBucket(HandlerContext& ctx);
HandlerResult ListBuckets(HandlerContext& ctx);
HandlerResult GetBucketLocation(HandlerContext& ctx);

// Largest CreateBucketConfiguration body we read; a larger body is MalformedXML.
inline constexpr size_t kMaxBucketConfigurationBytes = 64 * 1024;

// The LocationConstraint of a CreateBucketConfiguration document ("" when the element is absent
// or empty). MalformedXML when the document does not parse or its root is not
// CreateBucketConfiguration. Pure.
Result<std::string> ParseLocationConstraint(std::string_view xml);

}  // namespace strata::api
