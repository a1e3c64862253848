// `strata-admin drives` and `strata-admin usage` (issue 9): human tables of the drives of every
// tier (from GET /strata/admin/v1/info) and of what each bucket stores on each tier (from GET
// /strata/admin/v1/usage). Pure functions over the server's JSON, lenient about missing fields
// (a server of another version must not crash the CLI); thread-safe.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>

namespace strata::admin {

// "[#######.............]": `width` cells, filled in proportion to used/total ("[---...]" when
// total is 0: unknown).
std::string CapacityBar(uint64_t used, uint64_t total, size_t width = 20);

// One row per drive: TIER, SET, SLOT (position in its erasure set), PATH, STATE, USED, TOTAL,
// USE% and a capacity bar; then a line per tier with its drives online and its capacity.
std::string FormatDrives(const nlohmann::json& info);

// One row per bucket and tier it stores on: BUCKET, TIER, OBJECTS, BYTES (human), then a line per
// tier with its totals and a grand total. A bucket storing nothing shows one row with "-".
std::string FormatUsage(const nlohmann::json& usage);

}  // namespace strata::admin
