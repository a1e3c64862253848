// ListObjects over the metadata index. Internal to storage/.
#pragma once

#include <string_view>

#include "storage/metadata_store.h"
#include "storage/object_store.h"

namespace strata::storage {

// Pages are capped at this many entries whatever max_keys asks (as S3 does).
inline constexpr uint32_t kMaxListKeys = 1000;

// One page of the bucket's current objects. Does not check that the bucket exists.
// Cost: O(page) cursor moves: each common prefix is skipped with one Seek.
Result<ListResult> ListObjects(MetadataStore& metadata, std::string_view bucket,
                               const ListOptions& options);

}  // namespace strata::storage
