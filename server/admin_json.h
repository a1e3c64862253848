// The JSON documents of the admin API (/strata/admin/v1/...), built from plain values so they
// can be tested without a server. Pure functions; thread-safe.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "erasure/chunk_store.h"
#include "server/heal_job.h"
#include "server/metrics.h"
#include "storage/lifecycle_worker.h"

namespace strata::server {

struct TierInfo {
  std::string name;
  uint32_t data_shards = 0;
  uint32_t parity_shards = 0;
  uint32_t block_size = 0;
  std::vector<DriveCapacity> drives;  // in erasure-set order
};

// GET /strata/admin/v1/info.
struct ServerInfo {
  std::string version;
  double uptime_seconds = 0;
  std::string region;
  std::vector<std::string> endpoints;  // "http://127.0.0.1:9000", "https://..."
  std::vector<TierInfo> tiers;
  MetricsSnapshot metrics;  // requests, bytes, connections, workers (drives unused)
  erasure::MaintenanceCounters maintenance;
  HealStatus heal;
  std::optional<storage::LifecycleCounters> lifecycle;  // when a lifecycle worker runs
};

// {"version", "uptime_seconds", "region", "endpoints", "tiers": [{"name", "erasure": "k+m",
//  "data_shards", "parity_shards", "block_size", "sets", "drives_online", "drives_total",
//  "bytes_total", "bytes_free", "drives": [{"path", "set", "state", "bytes_total",
//  "bytes_free"}]}], "counters": {...}, "maintenance": {...}, "heal": HealStatusJson,
//  "lifecycle": {"passes", "versions_scanned", ..., "last_pass_seconds"} (when a worker runs)}.
nlohmann::ordered_json ServerInfoJson(const ServerInfo& info);

// {"state", "pass", "dry_run", "started", "finished", "clean", "last_blob", "error",
//  "blobs_scanned", "blobs_healthy", "blobs_healed", "blobs_heal_failed",
//  "blobs_unrecoverable", "blobs_skipped", "shards_rewritten", "bytes_read", "bytes_written",
//  "temp_files_removed", "orphans_found", "orphans_reclaimed"}. Times are ISO 8601 UTC, null when
//  not set.
nlohmann::ordered_json HealStatusJson(const HealStatus& status);

// True for the drive states that serve I/O ("online", "formatted", "adopted").
bool DriveStateOnline(std::string_view state);

}  // namespace strata::server
