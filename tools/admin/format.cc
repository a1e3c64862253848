#include "tools/admin/format.h"

#include <algorithm>
#include <cstdio>
#include <iostream>
#include <sstream>
#include <vector>

namespace strata::admin {
namespace {

using json = nlohmann::json;

// Reads a field leniently: the CLI must not crash on a server of another version.
uint64_t U64(const json& j, const char* key) {
  if (!j.is_object() || !j.contains(key) || !j[key].is_number()) return 0;
  return j[key].get<uint64_t>();
}
std::string Str(const json& j, const char* key) {
  if (!j.is_object() || !j.contains(key)) return "";
  if (j[key].is_string()) return j[key].get<std::string>();
  if (j[key].is_null()) return "";
  return j[key].dump();
}

// A left-aligned text table.
std::string Table(const std::vector<std::vector<std::string>>& rows) {
  std::vector<size_t> widths;
  for (const auto& row : rows) {
    if (widths.size() < row.size()) widths.resize(row.size(), 0);
    for (size_t i = 0; i < row.size(); ++i) widths[i] = std::max(widths[i], row[i].size());
  }
  std::string out;
  for (const auto& row : rows) {
    std::string line;
    for (size_t i = 0; i < row.size(); ++i) {
      line += row[i];
      if (i + 1 < row.size()) line += std::string(widths[i] - row[i].size() + 2, ' ');
    }
    out += line + "\n";
  }
  return out;
}

std::string Percent(uint64_t part, uint64_t whole) {
  if (whole == 0) return "-";
  char buf[16];
  std::snprintf(buf, sizeof(buf), "%.0f%%",
                100.0 * static_cast<double>(part) / static_cast<double>(whole));
  return buf;
}

}  // namespace

std::string TextTable(const std::vector<std::vector<std::string>>& rows) { return Table(rows); }

std::string HumanBytes(uint64_t bytes) {
  static constexpr const char* kUnits[] = {"B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB"};
  if (bytes < 1024) return std::to_string(bytes) + " B";
  double v = static_cast<double>(bytes);
  int unit = 0;
  while (v >= 1024 && unit < 6) {
    v /= 1024;
    ++unit;
  }
  char buf[32];
  std::snprintf(buf, sizeof(buf), v < 10 ? "%.1f %s" : "%.0f %s", v, kUnits[unit]);
  return buf;
}

std::string HumanDuration(double seconds) {
  auto s = static_cast<uint64_t>(seconds < 0 ? 0 : seconds);
  char buf[48];
  if (s >= 86400) {
    std::snprintf(buf, sizeof(buf), "%llud%02lluh%02llum",
                  static_cast<unsigned long long>(s / 86400),
                  static_cast<unsigned long long>(s / 3600 % 24),
                  static_cast<unsigned long long>(s / 60 % 60));
  } else if (s >= 3600) {
    std::snprintf(
        buf, sizeof(buf), "%lluh%02llum%02llus", static_cast<unsigned long long>(s / 3600),
        static_cast<unsigned long long>(s / 60 % 60), static_cast<unsigned long long>(s % 60));
  } else if (s >= 60) {
    std::snprintf(buf, sizeof(buf), "%llum%02llus", static_cast<unsigned long long>(s / 60),
                  static_cast<unsigned long long>(s % 60));
  } else {
    std::snprintf(buf, sizeof(buf), "%llus", static_cast<unsigned long long>(s));
  }
  return buf;
}

std::string FormatInfo(const json& info) {
  std::ostringstream out;
  out << "Strata " << Str(info, "version") << "   up "
      << HumanDuration(info.value("uptime_seconds", 0.0)) << "   region " << Str(info, "region")
      << "\n";
  if (info.contains("endpoints") && info["endpoints"].is_array()) {
    out << "Endpoints:";
    for (const json& e : info["endpoints"])
      out << " " << (e.is_string() ? e.get<std::string>() : "");
    out << "\n";
  }
  const json tiers = info.value("tiers", json::array());
  out << "\n";
  std::vector<std::vector<std::string>> rows = {
      {"TIER", "ERASURE", "SETS", "DRIVES", "ONLINE", "SIZE", "FREE", "USED"}};
  for (const json& t : tiers) {
    uint64_t total = U64(t, "bytes_total");
    uint64_t free = U64(t, "bytes_free");
    rows.push_back({Str(t, "name"), Str(t, "erasure"), std::to_string(U64(t, "sets")),
                    std::to_string(U64(t, "drives_total")), std::to_string(U64(t, "drives_online")),
                    HumanBytes(total), HumanBytes(free),
                    Percent(total - std::min(total, free), total)});
  }
  out << Table(rows) << "\n";
  rows = {{"DRIVE", "TIER", "SET", "STATE", "SIZE", "FREE"}};
  for (const json& t : tiers) {
    for (const json& d : t.value("drives", json::array())) {
      rows.push_back({Str(d, "path"), Str(t, "name"), std::to_string(U64(d, "set")),
                      Str(d, "state"), HumanBytes(U64(d, "bytes_total")),
                      HumanBytes(U64(d, "bytes_free"))});
    }
  }
  out << Table(rows) << "\n";
  const json c = info.value("counters", json::object());
  out << "Requests " << U64(c, "requests") << " (4xx " << U64(c, "errors_4xx") << ", 5xx "
      << U64(c, "errors_5xx") << ")   received " << HumanBytes(U64(c, "bytes_received"))
      << "   sent " << HumanBytes(U64(c, "bytes_sent")) << "\n";
  out << "Connections " << U64(c, "connections_open") << "   workers " << U64(c, "workers_busy")
      << "/" << U64(c, "workers") << " busy, " << U64(c, "worker_queue_depth") << " queued\n";
  const json m = info.value("maintenance", json::object());
  out << "Maintenance: " << U64(m, "scrub_passes") << " scrub passes, " << U64(m, "blobs_scanned")
      << " blobs scanned, " << U64(m, "blobs_healed") << " healed, " << U64(m, "blobs_heal_failed")
      << " heal failures, " << U64(m, "blobs_unrecoverable") << " unrecoverable, "
      << U64(m, "heal_queued") << " queued by readers\n";
  const json h = info.value("heal", json::object());
  out << "Heal: " << FormatHealLine(h) << "\n";
  return out.str();
}

std::string FormatHealLine(const json& s) {
  std::string state = Str(s, "state");
  if (state == "idle" || state.empty()) return "idle (no pass run since the server started)";
  std::ostringstream out;
  out << "pass " << U64(s, "pass") << (s.value("dry_run", false) ? " (dry run)" : "") << " "
      << state << ": " << U64(s, "blobs_scanned") << " blobs scanned, " << U64(s, "blobs_healed")
      << " healed, " << U64(s, "blobs_heal_failed") << " failed, " << U64(s, "blobs_unrecoverable")
      << " unrecoverable, " << U64(s, "blobs_skipped") << " skipped, "
      << HumanBytes(U64(s, "bytes_read")) << " read";
  return out.str();
}

std::string FormatHealSummary(const json& s) {
  std::ostringstream out;
  out << "Heal " << FormatHealLine(s) << "\n";
  out << "  shards rewritten: " << U64(s, "shards_rewritten") << " ("
      << HumanBytes(U64(s, "bytes_written")) << " written)\n";
  out << "  started " << Str(s, "started") << ", finished " << Str(s, "finished") << "\n";
  if (!Str(s, "error").empty()) out << "  error: " << Str(s, "error") << "\n";
  if (Str(s, "state") == "done") {
    if (s.value("clean", false)) {
      out << "  result: every blob seen is fully redundant";
      if (U64(s, "blobs_skipped") > 0) {
        out << " (" << U64(s, "blobs_skipped")
            << " blobs younger than the grace period were not checked)";
      }
      out << "\n";
    } else {
      out << "  result: NOT fully redundant: " << U64(s, "blobs_heal_failed")
          << " blobs could not be repaired (retry later), " << U64(s, "blobs_unrecoverable")
          << " have lost data\n";
    }
  }
  return out.str();
}

std::optional<nlohmann::json> ParseJson(const HttpResult& r) {
  try {
    return nlohmann::json::parse(r.body);
  } catch (const nlohmann::json::exception&) {
    return std::nullopt;
  }
}

int ReportFailure(const HttpResult& r) {
  std::cerr << "strata-admin: server answered " << r.status;
  if (auto j = ParseJson(r); j && j->is_object() && j->contains("error")) {
    std::cerr << ": " << j->value("error", "") << ": " << j->value("message", "");
  } else if (size_t a = r.body.find("<Code>"); a != std::string::npos) {
    size_t b = r.body.find("</Code>", a);
    std::cerr << ": " << r.body.substr(a + 6, b == std::string::npos ? 0 : b - a - 6);
    if (r.status == 403) std::cerr << " (are STRATA_ROOT_ACCESS_KEY/SECRET_KEY the root's?)";
  }
  std::cerr << "\n";
  return 1;
}

}  // namespace strata::admin
