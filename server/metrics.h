// Prometheus metrics: request counters, latency histograms and byte counters fed by the HTTP
// layer, plus gauges and capacities sampled at scrape time, rendered in the Prometheus text
// exposition format (version 0.0.4) by RenderPrometheus. No client library: the format is small.
#pragma once

#include <array>
#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include "server/request_record.h"

namespace strata::server {

// Upper bounds (seconds) of the request-duration histogram buckets; +Inf is implied.
inline constexpr std::array<double, 14> kDurationBuckets = {
    0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60};

struct Histogram {
  std::array<uint64_t, kDurationBuckets.size()> buckets{};  // per bucket, not cumulative
  uint64_t count = 0;  // all observations (those above the last bound only count here)
  double sum = 0;      // seconds
  void Observe(double seconds);
};

// Capacity of one drive folder (statvfs of its file system). When `ok` is false the folder
// could not be examined and the byte counts are 0.
struct DriveCapacity {
  std::string tier;
  std::string drive;  // the folder, as configured
  uint64_t bytes_total = 0;
  uint64_t bytes_free = 0;  // available to the server's user (f_bavail)
  bool ok = false;
  std::string state;  // "online", "offline", ... (from the chunk store when known)
};

// statvfs of `folder`. Never fails: an unreadable folder gives ok = false.
DriveCapacity ProbeDriveCapacity(const std::string& tier, const std::string& folder);

// One sample of a metric family that is not built in (heal and scrub counters, ...).
struct ExtraSample {
  std::string name;  // strata_...; samples of one family must be adjacent
  std::string help;
  std::string type;  // "counter" or "gauge"
  std::vector<std::pair<std::string, std::string>> labels;
  double value = 0;
};

// Everything one scrape shows.
struct MetricsSnapshot {
  std::map<std::pair<std::string, unsigned>, uint64_t> requests;  // (operation, status) -> n
  std::map<std::string, Histogram> durations;                     // operation -> histogram
  uint64_t bytes_received = 0;
  uint64_t bytes_sent = 0;
  uint64_t connections_open = 0;
  uint64_t worker_queue_depth = 0;  // requests waiting for a worker
  uint64_t workers_busy = 0;
  uint64_t workers = 0;
  double uptime_seconds = 0;
  std::vector<DriveCapacity> drives;
  std::vector<ExtraSample> extra;
};

// The Prometheus text format of `s`: HELP and TYPE lines, label values escaped (\\, \", \n).
// An empty operation label is rendered as "unknown". Per-tier totals are summed from the drives.
std::string RenderPrometheus(const MetricsSnapshot& s);

// The request counters. RecordRequest is called by the HTTP layer for every answered request
// (worker and I/O threads). Thread-safe.
class RequestMetrics {
 public:
  void RecordRequest(const RequestRecord& record);
  // Copies the counters into `out` (requests, durations, bytes).
  void Fill(MetricsSnapshot& out) const;

 private:
  mutable std::mutex mu_;
  std::map<std::pair<std::string, unsigned>, uint64_t> requests_;  // GUARDED_BY(mu_)
  std::map<std::string, Histogram> durations_;                     // GUARDED_BY(mu_)
  uint64_t bytes_received_ = 0;                                    // GUARDED_BY(mu_)
  uint64_t bytes_sent_ = 0;                                        // GUARDED_BY(mu_)
};

}  // namespace strata::server
