// GET /strata/admin/v1/usage (issue 9): what each bucket stores on each tier, summed from the
// bucket's version listing (every version but delete markers; noncurrent versions count, they
// occupy drives too). Cost: one listing pass over every version, 1000 per page; meant for
// operators, not for polling at high rates. Thread-safe (reads the store only).
#pragma once

#include <cstdint>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "storage/object_store.h"

namespace strata::server {

struct TierUsage {
  uint64_t objects = 0;  // versions (not delete markers)
  uint64_t bytes = 0;
};

struct BucketUsage {
  std::string name;
  std::map<std::string, TierUsage> tiers;  // by tier name; tiers with nothing are absent
  uint64_t current_objects = 0;            // latest versions that are not delete markers
  uint64_t delete_markers = 0;
};

// Sums every bucket's versions per tier; `storage_classes` maps a version's storage class to its
// tier (a class it does not name is counted under the class name itself). Errors: the store's.
storage::Result<std::vector<BucketUsage>> ComputeUsage(
    storage::ObjectStore& store, const std::map<std::string, std::string>& storage_classes);

// {"buckets": [{"name", "objects", "bytes", "current_objects", "delete_markers",
//   "tiers": {"<tier>": {"objects", "bytes"}}}], "tiers": {"<tier>": {"objects", "bytes"}},
//  "objects", "bytes"}: every tier of `tier_names` appears in the totals, zero or not.
nlohmann::ordered_json UsageJson(const std::vector<BucketUsage>& usage,
                                 const std::vector<std::string>& tier_names);

}  // namespace strata::server
