// Helpers for multipart uploads shared by the store and its tests: ETag normalisation and the
// composite checksum. (PartRange and MultipartEtag are public, in object_store.h.)
// Internal to storage/. Thread-safe (pure functions).
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "storage/body_source.h"

namespace strata::storage {

// An ETag as a client may send it ("\"ABC\"", "abc") reduced to unquoted lower case.
std::string NormalizeEtag(std::string_view etag);

// The composite checksum of a multipart object: the algorithm's digest over the concatenated
// raw part checksums. REQUIRES: algorithm != kNone.
Checksum CompositeChecksum(ChecksumAlgorithm algorithm,
                           const std::vector<std::string>& raw_part_checksums);

}  // namespace strata::storage
