#include "tools/admin/inventory.h"

#include <algorithm>
#include <cstdio>
#include <map>
#include <vector>

#include "tools/admin/format.h"

namespace strata::admin {
namespace {

using json = nlohmann::json;

uint64_t U64(const json& j, const char* key) {
  if (!j.is_object() || !j.contains(key) || !j[key].is_number_unsigned()) return 0;
  return j[key].get<uint64_t>();
}
std::string Str(const json& j, const char* key) {
  if (!j.is_object() || !j.contains(key) || !j[key].is_string()) return "";
  return j[key].get<std::string>();
}
const json& Array(const json& j, const char* key) {
  static const json kEmpty = json::array();
  if (!j.is_object() || !j.contains(key) || !j[key].is_array()) return kEmpty;
  return j[key];
}

std::string Percent(uint64_t used, uint64_t total) {
  if (total == 0) return "-";
  char buf[16];
  std::snprintf(buf, sizeof(buf), "%.0f%%",
                100.0 * static_cast<double>(used) / static_cast<double>(total));
  return buf;
}

}  // namespace

std::string CapacityBar(uint64_t used, uint64_t total, size_t width) {
  size_t filled = 0;
  if (total > 0) {
    used = std::min(used, total);
    filled = static_cast<size_t>(
        static_cast<double>(used) / static_cast<double>(total) * static_cast<double>(width) + 0.5);
  }
  std::string bar = "[";
  bar.append(filled, '#');
  bar.append(width - filled, total > 0 ? '.' : '-');
  bar += "]";
  return bar;
}

std::string FormatDrives(const json& info) {
  std::vector<std::vector<std::string>> rows = {
      {"TIER", "SET", "SLOT", "PATH", "STATE", "USED", "TOTAL", "USE%", "CAPACITY"}};
  std::string summary;
  for (const json& tier : Array(info, "tiers")) {
    const std::string name = Str(tier, "name");
    std::map<uint64_t, uint64_t> next_slot;  // per set: drives are listed in set order
    for (const json& d : Array(tier, "drives")) {
      const uint64_t set = U64(d, "set");
      const uint64_t total = U64(d, "bytes_total");
      const uint64_t free = std::min(U64(d, "bytes_free"), total);
      const uint64_t used = total - free;
      rows.push_back({name, std::to_string(set), std::to_string(next_slot[set]++), Str(d, "path"),
                      Str(d, "state"), HumanBytes(used), HumanBytes(total), Percent(used, total),
                      CapacityBar(used, total)});
    }
    const uint64_t total = U64(tier, "bytes_total");
    const uint64_t used = total - std::min(U64(tier, "bytes_free"), total);
    summary += "tier " + name + " (" + Str(tier, "erasure") + ", " +
               std::to_string(U64(tier, "sets")) +
               " set(s)): " + std::to_string(U64(tier, "drives_online")) + "/" +
               std::to_string(U64(tier, "drives_total")) + " drives online, " + HumanBytes(used) +
               " of " + HumanBytes(total) + " used " + CapacityBar(used, total) + "\n";
  }
  if (rows.size() == 1) return "No drives.\n";
  return TextTable(rows) + "\n" + summary;
}

std::string FormatUsage(const json& usage) {
  std::vector<std::vector<std::string>> rows = {{"BUCKET", "TIER", "OBJECTS", "BYTES", "SIZE"}};
  for (const json& b : Array(usage, "buckets")) {
    const std::string name = Str(b, "name");
    const json& tiers = b.contains("tiers") && b["tiers"].is_object() ? b["tiers"] : json::object();
    if (tiers.empty()) {
      rows.push_back({name, "-", "0", "0", "0 B"});
      continue;
    }
    for (const auto& [tier, t] : tiers.items()) {
      rows.push_back({name, tier, std::to_string(U64(t, "objects")),
                      std::to_string(U64(t, "bytes")), HumanBytes(U64(t, "bytes"))});
    }
  }
  std::string out = rows.size() == 1 ? std::string("No buckets.\n") : TextTable(rows);
  out += "\n";
  if (usage.is_object() && usage.contains("tiers") && usage["tiers"].is_object()) {
    for (const auto& [tier, t] : usage["tiers"].items()) {
      out += "tier " + tier + ": " + std::to_string(U64(t, "objects")) + " objects, " +
             HumanBytes(U64(t, "bytes")) + "\n";
    }
  }
  out += "total: " + std::to_string(Array(usage, "buckets").size()) + " buckets, " +
         std::to_string(U64(usage, "objects")) + " objects, " + HumanBytes(U64(usage, "bytes")) +
         "\n";
  return out;
}

}  // namespace strata::admin
