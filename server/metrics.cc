#include "server/metrics.h"

#include <sys/statvfs.h>

#include <charconv>
#include <set>

namespace strata::server {
namespace {

// Label values may hold anything a client sent (operation names do not, but drive paths can):
// escape as the exposition format says.
std::string EscapeLabel(std::string_view v) {
  std::string out;
  out.reserve(v.size());
  for (char c : v) {
    if (c == '\\') {
      out += "\\\\";
    } else if (c == '"') {
      out += "\\\"";
    } else if (c == '\n') {
      out += "\\n";
    } else {
      out.push_back(c);
    }
  }
  return out;
}

// Shortest round-trip form ("0.25", "1e-05", "3"); integers stay integers.
std::string Number(double v) {
  char buf[64];
  auto [ptr, ec] = std::to_chars(buf, buf + sizeof(buf), v);
  if (ec != std::errc()) return "NaN";
  return std::string(buf, ptr);
}

std::string Labels(const std::vector<std::pair<std::string, std::string>>& labels) {
  if (labels.empty()) return "";
  std::string out = "{";
  for (size_t i = 0; i < labels.size(); ++i) {
    if (i > 0) out += ",";
    out += labels[i].first + "=\"" + EscapeLabel(labels[i].second) + "\"";
  }
  return out + "}";
}

void Family(std::string& out, std::string_view name, std::string_view type, std::string_view help) {
  out.append("# HELP ").append(name).append(" ").append(help).append("\n");
  out.append("# TYPE ").append(name).append(" ").append(type).append("\n");
}

void Sample(std::string& out, std::string_view name,
            const std::vector<std::pair<std::string, std::string>>& labels, double value) {
  out.append(name).append(Labels(labels)).append(" ").append(Number(value)).append("\n");
}

std::string Op(const std::string& operation) { return operation.empty() ? "unknown" : operation; }

}  // namespace

void Histogram::Observe(double seconds) {
  ++count;
  sum += seconds;
  for (size_t i = 0; i < kDurationBuckets.size(); ++i) {
    if (seconds <= kDurationBuckets[i]) {
      ++buckets[i];
      return;
    }
  }
}

DriveCapacity ProbeDriveCapacity(const std::string& tier, const std::string& folder) {
  DriveCapacity c;
  c.tier = tier;
  c.drive = folder;
  struct statvfs st {};
  if (::statvfs(folder.c_str(), &st) == 0) {
    c.ok = true;
    c.bytes_total = static_cast<uint64_t>(st.f_blocks) * st.f_frsize;
    c.bytes_free = static_cast<uint64_t>(st.f_bavail) * st.f_frsize;
  }
  return c;
}

std::string RenderPrometheus(const MetricsSnapshot& s) {
  std::string out;
  out.reserve(4096);

  Family(out, "strata_requests_total", "counter",
         "Requests answered, by S3 operation and HTTP status.");
  for (const auto& [key, n] : s.requests) {
    Sample(out, "strata_requests_total",
           {{"operation", Op(key.first)}, {"status", std::to_string(key.second)}},
           static_cast<double>(n));
  }

  Family(out, "strata_request_duration_seconds", "histogram",
         "Time from request header to response written, by S3 operation.");
  for (const auto& [operation, h] : s.durations) {
    uint64_t cumulative = 0;
    for (size_t i = 0; i < kDurationBuckets.size(); ++i) {
      cumulative += h.buckets[i];
      Sample(out, "strata_request_duration_seconds_bucket",
             {{"operation", Op(operation)}, {"le", Number(kDurationBuckets[i])}},
             static_cast<double>(cumulative));
    }
    Sample(out, "strata_request_duration_seconds_bucket",
           {{"operation", Op(operation)}, {"le", "+Inf"}}, static_cast<double>(h.count));
    Sample(out, "strata_request_duration_seconds_sum", {{"operation", Op(operation)}}, h.sum);
    Sample(out, "strata_request_duration_seconds_count", {{"operation", Op(operation)}},
           static_cast<double>(h.count));
  }

  Family(out, "strata_bytes_received_total", "counter", "Request body bytes received.");
  Sample(out, "strata_bytes_received_total", {}, static_cast<double>(s.bytes_received));
  Family(out, "strata_bytes_sent_total", "counter", "Response body bytes sent.");
  Sample(out, "strata_bytes_sent_total", {}, static_cast<double>(s.bytes_sent));
  Family(out, "strata_connections_open", "gauge", "Client connections open (HTTP and HTTPS).");
  Sample(out, "strata_connections_open", {}, static_cast<double>(s.connections_open));
  Family(out, "strata_worker_queue_depth", "gauge", "Requests waiting for a worker thread.");
  Sample(out, "strata_worker_queue_depth", {}, static_cast<double>(s.worker_queue_depth));
  Family(out, "strata_workers_busy", "gauge", "Worker threads running a request.");
  Sample(out, "strata_workers_busy", {}, static_cast<double>(s.workers_busy));
  Family(out, "strata_workers", "gauge", "Worker threads.");
  Sample(out, "strata_workers", {}, static_cast<double>(s.workers));
  Family(out, "strata_uptime_seconds", "gauge", "Seconds since the server started.");
  Sample(out, "strata_uptime_seconds", {}, s.uptime_seconds);

  if (!s.drives.empty()) {
    Family(out, "strata_drive_bytes_total", "gauge",
           "Size of the file system holding each drive folder.");
    for (const DriveCapacity& d : s.drives) {
      Sample(out, "strata_drive_bytes_total", {{"tier", d.tier}, {"drive", d.drive}},
             static_cast<double>(d.bytes_total));
    }
    Family(out, "strata_drive_bytes_free", "gauge",
           "Bytes available to the server on each drive's file system.");
    for (const DriveCapacity& d : s.drives) {
      Sample(out, "strata_drive_bytes_free", {{"tier", d.tier}, {"drive", d.drive}},
             static_cast<double>(d.bytes_free));
    }
    Family(out, "strata_drive_online", "gauge",
           "1 if the drive is online and its folder readable, else 0.");
    for (const DriveCapacity& d : s.drives) {
      bool online = d.ok && (d.state.empty() || d.state == "online" || d.state == "formatted" ||
                             d.state == "adopted");
      Sample(out, "strata_drive_online", {{"tier", d.tier}, {"drive", d.drive}}, online ? 1 : 0);
    }
    // Per tier: drives of one tier may share a file system (the embedded default puts them all
    // in one folder), so these sums can exceed the physical capacity; they are what the tier's
    // drives report.
    std::map<std::string, std::pair<uint64_t, uint64_t>> tiers;
    for (const DriveCapacity& d : s.drives) {
      tiers[d.tier].first += d.bytes_total;
      tiers[d.tier].second += d.bytes_free;
    }
    Family(out, "strata_tier_bytes_total", "gauge", "Sum of the tier's drives' bytes_total.");
    for (const auto& [tier, v] : tiers) {
      Sample(out, "strata_tier_bytes_total", {{"tier", tier}}, static_cast<double>(v.first));
    }
    Family(out, "strata_tier_bytes_free", "gauge", "Sum of the tier's drives' bytes_free.");
    for (const auto& [tier, v] : tiers) {
      Sample(out, "strata_tier_bytes_free", {{"tier", tier}}, static_cast<double>(v.second));
    }
  }

  std::set<std::string> seen;
  for (const ExtraSample& e : s.extra) {
    if (seen.insert(e.name).second) Family(out, e.name, e.type, e.help);
    Sample(out, e.name, e.labels, e.value);
  }
  return out;
}

void RequestMetrics::RecordRequest(const RequestRecord& r) {
  const double seconds = std::chrono::duration<double>(r.duration).count();
  std::lock_guard lock(mu_);
  ++requests_[{r.operation, r.status}];
  durations_[r.operation].Observe(seconds);
  bytes_received_ += r.bytes_in;
  bytes_sent_ += r.bytes_out;
}

void RequestMetrics::Fill(MetricsSnapshot& out) const {
  std::lock_guard lock(mu_);
  out.requests = requests_;
  out.durations = durations_;
  out.bytes_received = bytes_received_;
  out.bytes_sent = bytes_sent_;
}

}  // namespace strata::server
