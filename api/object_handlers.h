// Object operations: PutObject, GetObject, HeadObject, DeleteObject.
#pragma once

#include <cstdint>

#include "api/handler.h"

namespace strata::api {

inline constexpr uint64_t kMaxPutObjectSize = 5ull << 30;  // 5 GiB, as S3
inline constexpr size_t kMaxKeyLength = 1024;              // bytes of UTF-8
inline constexpr size_t kMaxUserMetadataBytes = 2048;      // names (after x-amz-meta-) + values

HandlerResult PutObject(HandlerContext& ctx);
// GetObject, or HeadObject (same headers, no body) when ctx.route.operation says so.
HandlerResult GetObject(HandlerContext& ctx);
HandlerResult DeleteObject(HandlerContext& ctx);

}  // namespace strata::api
