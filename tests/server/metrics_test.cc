// Prometheus text rendering and the request counters behind it.
#include "server/metrics.h"

#include <catch2/catch.hpp>
#include <filesystem>
#include <sstream>
#include <string>

using strata::server::DriveCapacity;
using strata::server::ExtraSample;
using strata::server::MetricsSnapshot;
using strata::server::ProbeDriveCapacity;
using strata::server::RenderPrometheus;
using strata::server::RequestMetrics;
using strata::server::RequestRecord;

namespace {

bool HasLine(const std::string& text, const std::string& line) {
  std::istringstream in(text);
  for (std::string l; std::getline(in, l);) {
    if (l == line) return true;
  }
  return false;
}

RequestRecord Record(std::string operation, unsigned status, double seconds, uint64_t in = 0,
                     uint64_t out = 0) {
  RequestRecord r;
  r.operation = std::move(operation);
  r.status = status;
  r.duration =
      std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::duration<double>(seconds));
  r.bytes_in = in;
  r.bytes_out = out;
  return r;
}

}  // namespace

TEST_CASE("request counters render by operation and status with HELP and TYPE lines") {
  RequestMetrics m;
  m.RecordRequest(Record("PutObject", 200, 0.002, 100, 0));
  m.RecordRequest(Record("PutObject", 200, 0.003, 50, 0));
  m.RecordRequest(Record("GetObject", 404, 0.001, 0, 250));
  MetricsSnapshot s;
  m.Fill(s);
  std::string text = RenderPrometheus(s);
  CHECK(HasLine(text, "# TYPE strata_requests_total counter"));
  CHECK(HasLine(text, "strata_requests_total{operation=\"PutObject\",status=\"200\"} 2"));
  CHECK(HasLine(text, "strata_requests_total{operation=\"GetObject\",status=\"404\"} 1"));
  CHECK(HasLine(text, "strata_bytes_received_total 150"));
  CHECK(HasLine(text, "strata_bytes_sent_total 250"));
  CHECK(HasLine(text, "# TYPE strata_request_duration_seconds histogram"));
}

TEST_CASE("duration histogram buckets are cumulative and +Inf equals the count") {
  RequestMetrics m;
  m.RecordRequest(Record("GetObject", 200, 0.0005));  // <= 0.001
  m.RecordRequest(Record("GetObject", 200, 0.02));    // <= 0.025
  m.RecordRequest(Record("GetObject", 200, 120));     // above every bound
  MetricsSnapshot s;
  m.Fill(s);
  std::string text = RenderPrometheus(s);
  CHECK(HasLine(text,
                "strata_request_duration_seconds_bucket{operation=\"GetObject\",le=\"0.001\"} 1"));
  CHECK(HasLine(text,
                "strata_request_duration_seconds_bucket{operation=\"GetObject\",le=\"0.01\"} 1"));
  CHECK(HasLine(text,
                "strata_request_duration_seconds_bucket{operation=\"GetObject\",le=\"0.025\"} 2"));
  CHECK(
      HasLine(text, "strata_request_duration_seconds_bucket{operation=\"GetObject\",le=\"60\"} 2"));
  CHECK(HasLine(text,
                "strata_request_duration_seconds_bucket{operation=\"GetObject\",le=\"+Inf\"} 3"));
  CHECK(HasLine(text, "strata_request_duration_seconds_count{operation=\"GetObject\"} 3"));
  CHECK(HasLine(text, "strata_request_duration_seconds_sum{operation=\"GetObject\"} 120.0205"));
}

TEST_CASE("an unknown operation is labelled unknown") {
  RequestMetrics m;
  m.RecordRequest(Record("", 400, 0));
  MetricsSnapshot s;
  m.Fill(s);
  CHECK(HasLine(RenderPrometheus(s),
                "strata_requests_total{operation=\"unknown\",status=\"400\"} 1"));
}

TEST_CASE("label values with quotes, backslashes and newlines are escaped") {
  MetricsSnapshot s;
  DriveCapacity d;
  d.tier = "nvme";
  d.drive = "/mnt/we\"ird\\dr\nive";
  d.ok = true;
  d.state = "online";
  d.bytes_total = 1000;
  d.bytes_free = 400;
  s.drives.push_back(d);
  std::string text = RenderPrometheus(s);
  CHECK(HasLine(
      text, "strata_drive_bytes_total{tier=\"nvme\",drive=\"/mnt/we\\\"ird\\\\dr\\nive\"} 1000"));
  CHECK(HasLine(text,
                "strata_drive_bytes_free{tier=\"nvme\",drive=\"/mnt/we\\\"ird\\\\dr\\nive\"} 400"));
}

TEST_CASE("tier capacity sums the tier's drives and offline drives show as 0") {
  MetricsSnapshot s;
  s.drives.push_back({"nvme", "/a", 1000, 300, true, "online"});
  s.drives.push_back({"nvme", "/b", 2000, 700, true, "online"});
  s.drives.push_back({"hdd", "/c", 0, 0, false, "offline"});
  s.drives.push_back({"hdd", "/d", 5000, 100, true, "refused"});
  std::string text = RenderPrometheus(s);
  CHECK(HasLine(text, "strata_tier_bytes_total{tier=\"nvme\"} 3000"));
  CHECK(HasLine(text, "strata_tier_bytes_free{tier=\"nvme\"} 1000"));
  CHECK(HasLine(text, "strata_drive_online{tier=\"nvme\",drive=\"/a\"} 1"));
  CHECK(HasLine(text, "strata_drive_online{tier=\"hdd\",drive=\"/c\"} 0"));
  CHECK(HasLine(text, "strata_drive_online{tier=\"hdd\",drive=\"/d\"} 0"));
}

TEST_CASE("gauges and extra samples are rendered, each family's HELP once") {
  MetricsSnapshot s;
  s.connections_open = 3;
  s.worker_queue_depth = 7;
  s.extra.push_back({"strata_heal_shards_rewritten_total", "Shards.", "counter", {}, 5});
  s.extra.push_back({"strata_x", "X.", "gauge", {{"tier", "hdd"}}, 1});
  s.extra.push_back({"strata_x", "X.", "gauge", {{"tier", "nvme"}}, 2});
  std::string text = RenderPrometheus(s);
  CHECK(HasLine(text, "strata_connections_open 3"));
  CHECK(HasLine(text, "strata_worker_queue_depth 7"));
  CHECK(HasLine(text, "# TYPE strata_heal_shards_rewritten_total counter"));
  CHECK(HasLine(text, "strata_heal_shards_rewritten_total 5"));
  CHECK(HasLine(text, "strata_x{tier=\"nvme\"} 2"));
  size_t helps = 0;
  for (size_t p = text.find("# HELP strata_x "); p != std::string::npos;
       p = text.find("# HELP strata_x ", p + 1)) {
    ++helps;
  }
  CHECK(helps == 1);
}

TEST_CASE("every rendered line is a comment or a name, optional labels and a number") {
  RequestMetrics m;
  m.RecordRequest(Record("PutObject", 200, 0.01, 1, 2));
  MetricsSnapshot s;
  m.Fill(s);
  s.drives.push_back({"nvme", "/a", 1, 1, true, "online"});
  std::istringstream in(RenderPrometheus(s));
  size_t samples = 0;
  for (std::string l; std::getline(in, l);) {
    if (l.starts_with("# HELP ") || l.starts_with("# TYPE ")) continue;
    INFO(l);
    size_t space = l.rfind(' ');
    REQUIRE(space != std::string::npos);
    std::string value = l.substr(space + 1);
    CHECK_NOTHROW(std::stod(value));
    CHECK(l.starts_with("strata_"));
    ++samples;
  }
  CHECK(samples > 20);
}

TEST_CASE("drive capacity probes a real folder and reports a missing one as not ok") {
  auto dir = std::filesystem::temp_directory_path();
  DriveCapacity ok = ProbeDriveCapacity("nvme", dir.string());
  CHECK(ok.ok);
  CHECK(ok.bytes_total > 0);
  CHECK(ok.bytes_free <= ok.bytes_total);
  DriveCapacity missing = ProbeDriveCapacity("hdd", (dir / "strata-no-such-folder-x1").string());
  CHECK_FALSE(missing.ok);
  CHECK(missing.bytes_total == 0);
}
