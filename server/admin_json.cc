#include "server/admin_json.h"

#include "server/log.h"

namespace strata::server {
namespace {

using ojson = nlohmann::ordered_json;

ojson Time(std::chrono::system_clock::time_point t) {
  if (t == std::chrono::system_clock::time_point{}) return nullptr;
  return IsoTime(t);
}

}  // namespace

bool DriveStateOnline(std::string_view state) {
  return state == "online" || state == "formatted" || state == "adopted";
}

ojson HealStatusJson(const HealStatus& s) {
  const erasure::ScrubReport& r = s.report;
  ojson j;
  j["state"] = HealStateName(s.state);
  j["pass"] = s.pass;
  j["dry_run"] = s.dry_run;
  j["started"] = Time(s.started);
  j["finished"] = s.state == HealStatus::State::kRunning ? ojson(nullptr) : Time(s.finished);
  j["clean"] = s.clean();
  j["last_blob"] = s.last_blob;
  j["error"] = s.error;
  j["blobs_scanned"] = r.blobs_scanned;
  j["blobs_healthy"] = r.blobs_healthy;
  j["blobs_healed"] = r.blobs_healed;
  j["blobs_heal_failed"] = r.blobs_heal_failed;
  j["blobs_unrecoverable"] = r.blobs_unrecoverable;
  j["blobs_skipped"] = r.blobs_skipped;
  j["shards_rewritten"] = r.shards_rewritten;
  j["bytes_read"] = r.bytes_read;
  j["bytes_written"] = r.bytes_written;
  j["temp_files_removed"] = r.temp_files_removed;
  j["orphans_found"] = r.orphans_found;
  j["orphans_reclaimed"] = r.orphans_reclaimed;
  return j;
}

ojson ServerInfoJson(const ServerInfo& info) {
  ojson j;
  j["version"] = info.version;
  j["uptime_seconds"] = info.uptime_seconds;
  j["region"] = info.region;
  j["endpoints"] = info.endpoints;
  ojson tiers = ojson::array();
  for (const TierInfo& t : info.tiers) {
    const uint32_t width = t.data_shards + t.parity_shards;
    ojson tier;
    tier["name"] = t.name;
    tier["erasure"] = std::to_string(t.data_shards) + "+" + std::to_string(t.parity_shards);
    tier["data_shards"] = t.data_shards;
    tier["parity_shards"] = t.parity_shards;
    tier["block_size"] = t.block_size;
    tier["sets"] = width == 0 ? 0 : t.drives.size() / width;
    uint64_t total = 0;
    uint64_t free = 0;
    size_t online = 0;
    ojson drives = ojson::array();
    for (size_t i = 0; i < t.drives.size(); ++i) {
      const DriveCapacity& d = t.drives[i];
      const bool up = d.ok && DriveStateOnline(d.state);
      online += up ? 1 : 0;
      total += d.bytes_total;
      free += d.bytes_free;
      ojson drive;
      drive["path"] = d.drive;
      drive["set"] = width == 0 ? 0 : i / width;
      drive["state"] = d.ok ? d.state : std::string("unreachable");
      drive["bytes_total"] = d.bytes_total;
      drive["bytes_free"] = d.bytes_free;
      drives.push_back(std::move(drive));
    }
    tier["drives_online"] = online;
    tier["drives_total"] = t.drives.size();
    tier["bytes_total"] = total;
    tier["bytes_free"] = free;
    tier["drives"] = std::move(drives);
    tiers.push_back(std::move(tier));
  }
  j["tiers"] = std::move(tiers);

  const MetricsSnapshot& m = info.metrics;
  uint64_t requests = 0;
  uint64_t errors_4xx = 0;
  uint64_t errors_5xx = 0;
  for (const auto& [key, n] : m.requests) {
    requests += n;
    if (key.second >= 400 && key.second < 500) errors_4xx += n;
    if (key.second >= 500) errors_5xx += n;
  }
  ojson counters;
  counters["requests"] = requests;
  counters["errors_4xx"] = errors_4xx;
  counters["errors_5xx"] = errors_5xx;
  counters["bytes_received"] = m.bytes_received;
  counters["bytes_sent"] = m.bytes_sent;
  counters["connections_open"] = m.connections_open;
  counters["workers"] = m.workers;
  counters["workers_busy"] = m.workers_busy;
  counters["worker_queue_depth"] = m.worker_queue_depth;
  j["counters"] = std::move(counters);

  const erasure::MaintenanceCounters& c = info.maintenance;
  ojson maintenance;
  maintenance["scrub_passes"] = c.scrub_passes;
  maintenance["blobs_scanned"] = c.blobs_scanned;
  maintenance["blobs_healed"] = c.blobs_healed;
  maintenance["blobs_heal_failed"] = c.blobs_heal_failed;
  maintenance["blobs_unrecoverable"] = c.blobs_unrecoverable;
  maintenance["shards_rewritten"] = c.shards_rewritten;
  maintenance["bytes_read"] = c.bytes_read;
  maintenance["bytes_written"] = c.bytes_written;
  maintenance["heal_queued"] = c.heal_queued;
  maintenance["heal_dropped"] = c.heal_dropped;
  maintenance["orphans_reclaimed"] = c.orphans_reclaimed;
  j["maintenance"] = std::move(maintenance);
  j["heal"] = HealStatusJson(info.heal);
  if (info.lifecycle) {
    const storage::LifecycleCounters& l = *info.lifecycle;
    ojson lifecycle;
    lifecycle["passes"] = l.passes;
    lifecycle["versions_scanned"] = l.versions_scanned;
    lifecycle["expired"] = l.expired;
    lifecycle["markers_written"] = l.markers_written;
    lifecycle["noncurrent_expired"] = l.noncurrent_expired;
    lifecycle["markers_removed"] = l.markers_removed;
    lifecycle["transitions"] = l.transitions;
    lifecycle["transition_bytes"] = l.transition_bytes;
    lifecycle["uploads_aborted"] = l.uploads_aborted;
    lifecycle["skipped_locked"] = l.skipped_locked;
    lifecycle["errors"] = l.errors;
    lifecycle["last_pass_seconds"] = l.last_pass_seconds;
    j["lifecycle"] = std::move(lifecycle);
  }
  return j;
}

}  // namespace strata::server
