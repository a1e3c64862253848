#include "server/config.h"

#include <algorithm>
#include <charconv>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <set>
#include <stdexcept>

namespace strata::server {
namespace {

using json = nlohmann::json;

ConfigError Error(std::string message) { return ConfigError{std::move(message)}; }

// Every storage class S3 clients send. A mapping for any other name is a typo.
const std::set<std::string, std::less<>>& KnownStorageClasses() {
  static const std::set<std::string, std::less<>> kClasses = {
      "STANDARD", "REDUCED_REDUNDANCY", "STANDARD_IA",  "ONEZONE_IA", "INTELLIGENT_TIERING",
      "GLACIER",  "GLACIER_IR",         "DEEP_ARCHIVE", "OUTPOSTS",   "EXPRESS_ONEZONE",
      "SNOW"};
  return kClasses;
}

// The classes the defaults map to the cold tier (the warm one gets STANDARD and
// REDUCED_REDUNDANCY).
constexpr const char* kColdClasses[] = {"STANDARD_IA", "ONEZONE_IA", "INTELLIGENT_TIERING",
                                        "GLACIER",     "GLACIER_IR", "DEEP_ARCHIVE"};

template <class T>
bool ParseUnsigned(std::string_view text, T& out) {
  if (text.empty()) return false;
  auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), out);
  return ec == std::errc() && ptr == text.data() + text.size();
}

// "HOST:PORT" or "[V6]:PORT" into host and port.
boost::system::result<void, ConfigError> ParseAddress(std::string_view text, std::string& out_host,
                                                      uint16_t& out_port) {
  std::string_view host;
  std::string_view port;
  if (!text.empty() && text.front() == '[') {
    size_t close = text.find(']');
    if (close == std::string_view::npos || close + 1 >= text.size() || text[close + 1] != ':') {
      return Error("listen address \"" + std::string(text) + "\" is not of the form [V6]:PORT");
    }
    host = text.substr(1, close - 1);
    port = text.substr(close + 2);
  } else {
    size_t colon = text.rfind(':');
    if (colon == std::string_view::npos) {
      return Error("listen address \"" + std::string(text) + "\" is not of the form HOST:PORT");
    }
    host = text.substr(0, colon);
    port = text.substr(colon + 1);
  }
  if (host.empty()) {
    return Error("listen address \"" + std::string(text) + "\" has no host (use 0.0.0.0 for all)");
  }
  uint16_t port_number = 0;
  if (!ParseUnsigned(port, port_number)) {
    return Error("listen address \"" + std::string(text) + "\" has an invalid port \"" +
                 std::string(port) + "\" (0-65535)");
  }
  out_host = std::string(host);
  out_port = port_number;
  return {};
}

boost::system::result<void, ConfigError> ParseListen(std::string_view text, ServerConfig& c) {
  return ParseAddress(text, c.listen_host, c.listen_port);
}

// "tls": {"cert": FILE, "key": FILE, "listen": "HOST:PORT"}; cert and key are checked once the
// flags are merged (either may come from a flag).
boost::system::result<void, ConfigError> ParseTls(const json& value, TlsConfig& tls,
                                                  std::vector<std::string>& warnings) {
  if (!value.is_object()) {
    return Error("\"tls\" must be an object: {\"cert\": FILE, \"key\": FILE, \"listen\": ADDR}");
  }
  for (const auto& [key, v] : value.items()) {
    if (key != "cert" && key != "key" && key != "listen") {
      warnings.push_back("tls: unknown key \"" + key + "\" ignored");
      continue;
    }
    if (!v.is_string() || v.get<std::string>().empty()) {
      return Error("tls: \"" + key + "\" must be a non-empty string");
    }
    const std::string text = v.get<std::string>();
    if (key == "cert") tls.cert_file = text;
    if (key == "key") tls.key_file = text;
    if (key == "listen") {
      if (auto r = ParseAddress(text, tls.listen_host, tls.listen_port); !r) {
        return Error("tls: " + r.error().message);
      }
    }
  }
  return {};
}

// "k+m" with k >= 1, m >= 0.
boost::system::result<void, ConfigError> ParseErasure(std::string_view text,
                                                      const std::string& where, TierConfig& tier) {
  size_t plus = text.find('+');
  uint32_t k = 0;
  uint32_t m = 0;
  if (plus == std::string_view::npos || !ParseUnsigned(text.substr(0, plus), k) ||
      !ParseUnsigned(text.substr(plus + 1), m)) {
    return Error(where + ": erasure \"" + std::string(text) +
                 "\" is not of the form k+m (e.g. \"4+2\")");
  }
  if (k < 1 || k > 64 || m > 64) {
    return Error(where + ": erasure \"" + std::string(text) +
                 "\" is out of range (1 <= k <= 64, 0 <= m <= 64)");
  }
  tier.data_shards = k;
  tier.parity_shards = m;
  return {};
}

std::string DrivesDir(const std::string& data_dir) {
  return (std::filesystem::path(data_dir) / "drives").string();
}

// The embedded default: two tiers of virtual drives under <data>/drives.
std::vector<TierConfig> DefaultTiers(const std::string& data_dir) {
  TierConfig nvme;
  nvme.name = "nvme";
  nvme.data_shards = 2;
  nvme.parity_shards = 2;
  for (int i = 0; i < 4; ++i) {
    nvme.drives.push_back(DrivesDir(data_dir) + "/nvme" + std::to_string(i));
  }
  TierConfig hdd;
  hdd.name = "hdd";
  hdd.data_shards = 4;
  hdd.parity_shards = 2;
  for (int i = 0; i < 6; ++i) {
    hdd.drives.push_back(DrivesDir(data_dir) + "/hdd" + std::to_string(i));
  }
  return {nvme, hdd};
}

// With no storage_classes: STANDARD (and REDUCED_REDUNDANCY) on the first tier, the cold classes
// on the last one. For the embedded default that is nvme / hdd.
std::map<std::string, std::string> DefaultClasses(const std::vector<TierConfig>& tiers) {
  std::map<std::string, std::string> classes;
  classes["STANDARD"] = tiers.front().name;
  classes["REDUCED_REDUNDANCY"] = tiers.front().name;
  for (const char* c : kColdClasses) classes[c] = tiers.back().name;
  return classes;
}

// A key for comparing drive paths: "a/b/", "a//b" and "a/./b" are the same drive.
std::string DriveKey(const std::string& path) {
  std::string s = std::filesystem::path(path).lexically_normal().string();
  while (s.size() > 1 && s.back() == '/') s.pop_back();
  return s;
}

boost::system::result<void, ConfigError> ParseTiers(const json& value, ServerConfig& c) {
  if (!value.is_array() || value.empty()) {
    return Error("\"tiers\" must be a non-empty array of tier objects");
  }
  std::set<std::string> names;
  for (size_t i = 0; i < value.size(); ++i) {
    const json& t = value[i];
    std::string where = "tiers[" + std::to_string(i) + "]";
    if (!t.is_object()) return Error(where + " must be an object");
    TierConfig tier;
    for (const auto& [key, v] : t.items()) {
      if (key == "name") {
        if (!v.is_string() || v.get<std::string>().empty()) {
          return Error(where + ": \"name\" must be a non-empty string");
        }
        tier.name = v.get<std::string>();
      } else if (key == "erasure") {
        // Checked once the name is known, below.
      } else if (key == "drives") {
        if (!v.is_array() || v.empty()) {
          return Error(where + ": \"drives\" must be a non-empty array of folder paths");
        }
        for (const json& d : v) {
          if (!d.is_string() || d.get<std::string>().empty()) {
            return Error(where + ": every drive must be a non-empty string (a folder path)");
          }
          tier.drives.push_back(d.get<std::string>());
        }
      } else if (key == "block_size") {
        if (!v.is_number_unsigned() || v.get<uint64_t>() < 4096 ||
            v.get<uint64_t>() > 16 * 1024 * 1024) {
          return Error(where + ": \"block_size\" must be an integer from 4096 to 16777216");
        }
        tier.block_size = v.get<uint32_t>();
      } else {
        c.warnings.push_back(where + ": unknown key \"" + key + "\" ignored");
      }
    }
    if (tier.name.empty()) return Error(where + ": missing \"name\"");
    where += " (" + tier.name + ")";
    if (!names.insert(tier.name).second) {
      return Error(where + ": tier name \"" + tier.name + "\" is used twice");
    }
    if (!t.contains("erasure") || !t["erasure"].is_string()) {
      return Error(where + ": missing \"erasure\" (a string such as \"4+2\")");
    }
    if (auto r = ParseErasure(t["erasure"].get<std::string>(), where, tier); !r) return r.error();
    if (tier.drives.empty()) return Error(where + ": missing \"drives\"");
    const size_t set_size = tier.data_shards + tier.parity_shards;
    if (set_size > tier.drives.size()) {
      return Error(where + ": erasure " + std::to_string(tier.data_shards) + "+" +
                   std::to_string(tier.parity_shards) + " needs at least " +
                   std::to_string(set_size) + " drives, but the tier has " +
                   std::to_string(tier.drives.size()));
    }
    if (tier.drives.size() % set_size != 0) {
      return Error(where + ": drive count " + std::to_string(tier.drives.size()) +
                   " is not a multiple of k+m = " + std::to_string(set_size));
    }
    c.tiers.push_back(std::move(tier));
  }
  return {};
}

boost::system::result<void, ConfigError> ParseClasses(const json& value, ServerConfig& c) {
  if (!value.is_object()) {
    return Error("\"storage_classes\" must be an object mapping storage class to tier name");
  }
  for (const auto& [cls, v] : value.items()) {
    if (!KnownStorageClasses().contains(cls)) {
      return Error("storage_classes: unknown storage class \"" + cls + "\"");
    }
    if (!v.is_string() || v.get<std::string>().empty()) {
      return Error("storage_classes: class \"" + cls +
                   "\" is mapped to nothing (give a tier name)");
    }
    c.storage_classes[cls] = v.get<std::string>();
  }
  return {};
}

// "index_journal": {"copies": 1..16, "segment_mb": 1..4096}.
boost::system::result<void, ConfigError> ParseIndexJournal(const json& value, ServerConfig& c) {
  if (!value.is_object()) {
    return Error("\"index_journal\" must be an object: {\"copies\": N, \"segment_mb\": M}");
  }
  for (const auto& [key, v] : value.items()) {
    if (key == "copies") {
      if (!v.is_number_unsigned() || v.get<uint64_t>() < 1 || v.get<uint64_t>() > 16) {
        return Error("index_journal: \"copies\" must be an integer from 1 to 16");
      }
      c.index_journal_copies = v.get<uint32_t>();
    } else if (key == "segment_mb") {
      if (!v.is_number_unsigned() || v.get<uint64_t>() < 1 || v.get<uint64_t>() > 4096) {
        return Error("index_journal: \"segment_mb\" must be an integer from 1 to 4096");
      }
      c.index_journal_segment_bytes = v.get<uint64_t>() << 20;
    } else {
      c.warnings.push_back("index_journal: unknown key \"" + key + "\" ignored");
    }
  }
  return {};
}

boost::system::result<void, ConfigError> Validate(ServerConfig& c) {
  // A drive listed twice, within or across tiers, would put two shards of a stripe on one disk.
  std::map<std::string, std::string> owner;  // drive key -> tier name
  for (const TierConfig& tier : c.tiers) {
    for (const std::string& d : tier.drives) {
      auto [it, inserted] = owner.emplace(DriveKey(d), tier.name);
      if (!inserted) {
        return Error("drive \"" + d + "\" is listed twice (in tier \"" + it->second +
                     "\" and in tier \"" + tier.name + "\")");
      }
    }
  }
  if (c.storage_classes.empty()) c.storage_classes = DefaultClasses(c.tiers);
  if (!c.storage_classes.contains("STANDARD")) {
    return Error("storage_classes: no mapping for \"STANDARD\" (every server needs one)");
  }
  for (const auto& [cls, tier_name] : c.storage_classes) {
    const std::string& tier = tier_name;  // C++20 lambdas cannot capture structured bindings
    bool found = std::any_of(c.tiers.begin(), c.tiers.end(),
                             [&tier](const TierConfig& t) { return t.name == tier; });
    if (!found) {
      return Error("storage_classes: class \"" + cls + "\" maps to unknown tier \"" + tier + "\"");
    }
  }
  if (c.domains.empty()) return Error("\"domains\" must not be empty");
  if (c.region.empty()) return Error("\"region\" must not be empty");
  if (c.workers < 1 || c.workers > 4096) return Error("workers must be from 1 to 4096");
  return {};
}

std::optional<std::string> StringField(const json& doc, const char* key, ServerConfig&,
                                       std::string& error) {
  if (!doc.contains(key)) return std::nullopt;
  if (!doc[key].is_string() || doc[key].get<std::string>().empty()) {
    error = std::string("\"") + key + "\" must be a non-empty string";
    return std::nullopt;
  }
  return doc[key].get<std::string>();
}

// "audit": {"enabled": bool, "dir": PATH, "segment_mb": 1..4096 | "segment_kb": 16..4194304,
//           "reads": bool, "archive_bucket": NAME, "archive_retain_days": 1..36500}.
boost::system::result<void, ConfigError> ParseAudit(const json& value, ServerConfig& c) {
  if (!value.is_object()) {
    return Error(
        "\"audit\" must be an object: {\"enabled\", \"dir\", \"segment_mb\", \"segment_kb\", "
        "\"reads\", \"archive_bucket\", \"archive_retain_days\"}");
  }
  if (value.contains("segment_mb") && value.contains("segment_kb")) {
    return Error("audit: give \"segment_mb\" or \"segment_kb\", not both");
  }
  for (const auto& [key, v] : value.items()) {
    if (key == "enabled" || key == "reads") {
      if (!v.is_boolean()) return Error("audit: \"" + key + "\" must be true or false");
      (key == "enabled" ? c.audit.enabled : c.audit.reads) = v.get<bool>();
    } else if (key == "dir") {
      if (!v.is_string() || v.get<std::string>().empty()) {
        return Error("audit: \"dir\" must be a folder path");
      }
      c.audit.dir = v.get<std::string>();
    } else if (key == "segment_mb") {
      if (!v.is_number_unsigned() || v.get<uint64_t>() < 1 || v.get<uint64_t>() > 4096) {
        return Error("audit: \"segment_mb\" must be an integer from 1 to 4096");
      }
      c.audit.segment_bytes = v.get<uint64_t>() << 20;
    } else if (key == "segment_kb") {
      if (!v.is_number_unsigned() || v.get<uint64_t>() < 16 || v.get<uint64_t>() > 4194304) {
        return Error("audit: \"segment_kb\" must be an integer from 16 to 4194304");
      }
      c.audit.segment_bytes = v.get<uint64_t>() << 10;
    } else if (key == "archive_bucket") {
      // The S3 bucket name rules (3..63 of a-z 0-9 . -), so a typo fails at startup.
      const std::string name = v.is_string() ? v.get<std::string>() : std::string();
      if (name.size() < 3 || name.size() > 63 ||
          name.find_first_not_of("abcdefghijklmnopqrstuvwxyz0123456789.-") != std::string::npos) {
        return Error("audit: \"archive_bucket\" must be a bucket name (3 to 63 of a-z 0-9 . -)");
      }
      c.audit.archive_bucket = name;
    } else if (key == "archive_retain_days") {
      if (!v.is_number_unsigned() || v.get<uint64_t>() < 1 || v.get<uint64_t>() > 36500) {
        return Error("audit: \"archive_retain_days\" must be an integer from 1 to 36500");
      }
      c.audit.archive_retain_days = static_cast<uint32_t>(v.get<uint64_t>());
    } else {
      c.warnings.push_back("audit: unknown key \"" + key + "\" ignored");
    }
  }
  if (!c.audit.enabled && !c.audit.archive_bucket.empty()) {
    c.warnings.push_back("audit: \"archive_bucket\" ignored: the audit log is disabled");
  }
  return {};
}

// "encryption": {"master_key_file": PATH, "allow_customer_keys_over_http": bool}.
boost::system::result<void, ConfigError> ParseEncryption(const json& value, ServerConfig& c) {
  if (!value.is_object()) {
    return Error(
        "\"encryption\" must be an object: {\"master_key_file\", "
        "\"allow_customer_keys_over_http\"}");
  }
  for (const auto& [key, v] : value.items()) {
    if (key == "master_key_file") {
      if (!v.is_string() || v.get<std::string>().empty()) {
        return Error("encryption: \"master_key_file\" must be a file path");
      }
      c.sse_master_key_file = v.get<std::string>();
    } else if (key == "allow_customer_keys_over_http") {
      if (!v.is_boolean()) {
        return Error("encryption: \"allow_customer_keys_over_http\" must be true or false");
      }
      c.sse_customer_keys_over_http = v.get<bool>();
    } else {
      c.warnings.push_back("encryption: unknown key \"" + key + "\" ignored");
    }
  }
  return {};
}

// "limits": {"max_connections", "header_bytes", "header_line_bytes", "header_fields",
// "uri_bytes", "header_timeout_seconds", "idle_timeout_seconds", "body_timeout_seconds"}.
boost::system::result<void, ConfigError> ParseLimits(const json& value, ServerConfig& c) {
  if (!value.is_object()) return Error("\"limits\" must be an object");
  struct Limit {
    const char* name;
    uint32_t* field;
    uint32_t min, max;
  };
  LimitsConfig& l = c.limits;
  const Limit kLimits[] = {
      {"max_connections", &l.max_connections, 1, 1u << 20},
      {"header_bytes", &l.header_bytes, 1024, 1u << 20},
      {"header_line_bytes", &l.header_line_bytes, 256, 1u << 20},
      {"header_fields", &l.header_fields, 8, 10000},
      {"uri_bytes", &l.uri_bytes, 256, 1u << 20},
      {"header_timeout_seconds", &l.header_timeout_seconds, 1, 3600},
      {"idle_timeout_seconds", &l.idle_timeout_seconds, 1, 86400},
      {"body_timeout_seconds", &l.body_timeout_seconds, 1, 3600},
  };
  for (const auto& [key, v] : value.items()) {
    const Limit* limit = nullptr;
    for (const Limit& candidate : kLimits) {
      if (key == candidate.name) limit = &candidate;
    }
    if (!limit) {
      c.warnings.push_back("limits: unknown key \"" + key + "\" ignored");
      continue;
    }
    if (!v.is_number_unsigned() || v.get<uint64_t>() < limit->min ||
        v.get<uint64_t>() > limit->max) {
      return Error("limits: \"" + key + "\" must be an integer from " + std::to_string(limit->min) +
                   " to " + std::to_string(limit->max));
    }
    *limit->field = v.get<uint32_t>();
  }
  return {};
}

}  // namespace

void throw_exception_from_error(const ConfigError& e, const boost::source_location&) {
  throw std::runtime_error(e.message);
}

// Workers spend most of a small write waiting for the journal's and the audit log's group
// commits, not computing: the more requests wait together, the fewer fdatasyncs each costs.
// 8 workers on 2 cores took 4 KiB PUTs at concurrency 16 to 2,320/s, 64 to 2,910/s (same
// machine, back to back; tools/bench/RESULTS.md). Idle workers cost a stack each.
uint32_t DefaultWorkers(unsigned cores) { return std::max(64u, 8u * std::max(1u, cores)); }

namespace {

// "lifecycle": {"day_seconds": N, "interval_seconds": S, "transition_mb_per_second": R,
// "transition_busy_mb_per_second": B}.
boost::system::result<void, ConfigError> ParseLifecycle(const json& value, ServerConfig& c) {
  if (!value.is_object()) {
    return Error(
        "\"lifecycle\" must be an object: {\"day_seconds\": N, \"interval_seconds\": S, "
        "\"transition_mb_per_second\": R, \"transition_busy_mb_per_second\": B}");
  }
  for (const auto& [key, v] : value.items()) {
    const bool rate = key == "transition_mb_per_second" || key == "transition_busy_mb_per_second";
    if (key != "day_seconds" && key != "interval_seconds" && !rate) {
      c.warnings.push_back("lifecycle: unknown key \"" + key + "\" ignored");
      continue;
    }
    const uint64_t max = rate ? 1u << 20 : 100u * 365 * 86400;
    if (!v.is_number_unsigned() || v.get<uint64_t>() > max) {
      return Error("lifecycle: \"" + key + "\" must be an integer from 0 to " +
                   std::to_string(max));
    }
    const uint64_t n = v.get<uint64_t>();
    if (key == "day_seconds") {
      if (n < 1) return Error("lifecycle: \"day_seconds\" must be at least 1");
      c.lifecycle.day_seconds = static_cast<uint32_t>(n);
    } else if (key == "interval_seconds") {
      c.lifecycle.interval_seconds = static_cast<uint32_t>(n);
    } else if (key == "transition_mb_per_second") {
      c.lifecycle.transition_mb_per_second = n;
    } else {
      c.lifecycle.transition_busy_mb_per_second = n;
    }
  }
  return {};
}

}  // namespace

ConfigResult<Flags> ParseFlags(const std::vector<std::string>& args) {
  Flags flags;
  for (size_t i = 0; i < args.size(); ++i) {
    std::string name = args[i];
    std::optional<std::string> inline_value;
    if (size_t eq = name.find('='); name.starts_with("--") && eq != std::string::npos) {
      inline_value = name.substr(eq + 1);
      name = name.substr(0, eq);
    }
    if (name == "--help" || name == "-h") {
      flags.help = true;
      continue;
    }
    if (name == "--lifecycle-day-seconds") {
      std::string text = inline_value ? *inline_value : i + 1 < args.size() ? args[++i] : "";
      uint32_t n = 0;
      if (!ParseUnsigned(std::string_view(text), n) || n < 1) {
        return Error("flag --lifecycle-day-seconds needs a number of seconds >= 1, got \"" + text +
                     "\"");
      }
      flags.lifecycle_day_seconds = n;
      continue;
    }
    if (name == "--rebuild-index") {
      flags.rebuild_index = true;
      continue;
    }
    auto value = [&]() -> std::optional<std::string> {
      if (inline_value) return inline_value;
      if (i + 1 < args.size()) return args[++i];
      return std::nullopt;
    };
    std::optional<std::string> v;
    if (name == "--listen" || name == "--data" || name == "--config" || name == "--domain" ||
        name == "--region" || name == "--workers" || name == "--tls-cert" || name == "--tls-key" ||
        name == "--tls-listen" || name == "--log-level" || name == "--access-log") {
      v = value();
      if (!v || v->empty()) return Error("flag " + name + " needs a value");
    } else {
      return Error("unknown flag \"" + args[i] + "\" (see --help)");
    }
    if (name == "--listen") flags.listen = *v;
    if (name == "--data") flags.data = *v;
    if (name == "--config") flags.config = *v;
    if (name == "--domain") flags.domains.push_back(*v);
    if (name == "--region") flags.region = *v;
    if (name == "--tls-cert") flags.tls_cert = *v;
    if (name == "--tls-key") flags.tls_key = *v;
    if (name == "--tls-listen") flags.tls_listen = *v;
    if (name == "--access-log") flags.access_log = *v;
    if (name == "--log-level") {
      flags.log_level = ParseLogLevel(*v);
      if (!flags.log_level) {
        return Error("flag --log-level needs one of error, warn, info, debug, got \"" + *v + "\"");
      }
    }
    if (name == "--workers") {
      uint32_t n = 0;
      if (!ParseUnsigned(std::string_view(*v), n) || n < 1 || n > 4096) {
        return Error("flag --workers needs a number from 1 to 4096, got \"" + *v + "\"");
      }
      flags.workers = n;
    }
  }
  return flags;
}

std::string UsageText() {
  return R"(Usage: strata-server [flags]

An S3-compatible object storage server.

Flags (each overrides the config file):
  --listen HOST:PORT   address to listen on (default 127.0.0.1:9000)
  --data DIR           data folder: LevelDB index and, by default, the drives (default ./strata-data)
  --config FILE        JSON config file (default: the embedded default, see server/README.md)
  --domain D           virtual-host domain: <bucket>.D addresses a bucket (repeatable;
                       default localhost)
  --region R           the region this server reports (default us-east-1)
  --workers N          request worker threads (default max(4, 4 x cores))
  --tls-cert FILE      PEM certificate chain: serve HTTPS (with --tls-key)
  --tls-key FILE       PEM private key of the certificate
  --tls-listen H:P     HTTPS address (default 127.0.0.1:9443). With TLS on, plain HTTP is
                       served too only if --listen or the config's "listen" is given
  --log-level L        error, warn, info (default; includes the access log) or debug
  --access-log FILE    JSON access log file (default: stderr; "-" for stderr)
  --lifecycle-day-seconds N
                       a lifecycle day lasts N seconds (default 86400; for tests and demos)
  --rebuild-index      rebuild the metadata index from the index journal on the drives
                       (offline: the server must be stopped), check it against the drives,
                       print a summary and exit (0: complete)
  --help               this text

Environment:
  STRATA_ROOT_ACCESS_KEY, STRATA_ROOT_SECRET_KEY   root credentials (default: a development
                                                   pair, printed at startup; change it)
)";
}

ConfigResult<ServerConfig> ParseConfig(std::string_view json_text, const Flags& flags,
                                       unsigned cores) {
  ServerConfig c;
  c.workers = DefaultWorkers(cores);
  bool have_tiers = false;
  bool have_classes = false;
  bool have_listen = false;
  if (!json_text.empty()) {
    json doc;
    try {
      doc = json::parse(json_text);
    } catch (const json::exception& e) {
      return Error(std::string("config is not valid JSON: ") + e.what());
    }
    if (!doc.is_object()) return Error("config must be a JSON object");
    std::string error;
    if (auto v = StringField(doc, "listen", c, error)) {
      have_listen = true;
      if (auto r = ParseListen(*v, c); !r) return r.error();
    }
    if (auto v = StringField(doc, "data", c, error)) c.data_dir = *v;
    if (auto v = StringField(doc, "region", c, error)) c.region = *v;
    if (!error.empty()) return Error(error);
    if (doc.contains("domains")) {
      const json& d = doc["domains"];
      if (!d.is_array()) return Error("\"domains\" must be an array of strings");
      c.domains.clear();
      for (const json& e : d) {
        if (!e.is_string() || e.get<std::string>().empty()) {
          return Error("\"domains\" must contain only non-empty strings");
        }
        c.domains.push_back(e.get<std::string>());
      }
    }
    if (doc.contains("inline_threshold")) {
      const json& v = doc["inline_threshold"];
      if (!v.is_number_unsigned() || v.get<uint64_t>() > 1024 * 1024) {
        return Error("\"inline_threshold\" must be an integer from 0 to 1048576 bytes");
      }
      c.inline_threshold = v.get<uint64_t>();
    }
    if (doc.contains("workers")) {
      const json& v = doc["workers"];
      if (!v.is_number_unsigned()) return Error("\"workers\" must be a positive integer");
      c.workers = static_cast<uint32_t>(std::min<uint64_t>(v.get<uint64_t>(), 1u << 20));
    }
    if (doc.contains("worker_slice_us")) {
      const json& v = doc["worker_slice_us"];
      // The kernel's range for a requested slice: 0.1-100 ms.
      if (!v.is_number_unsigned() ||
          (v.get<uint64_t>() != 0 && (v.get<uint64_t>() < 100 || v.get<uint64_t>() > 100000))) {
        return Error("\"worker_slice_us\" must be 0 (the kernel's default) or from 100 to 100000");
      }
      c.worker_slice_us = static_cast<uint32_t>(v.get<uint64_t>());
    }
    if (doc.contains("tls")) {
      c.tls.emplace();
      if (auto r = ParseTls(doc["tls"], *c.tls, c.warnings); !r) return r.error();
    }
    if (doc.contains("log_level")) {
      const json& v = doc["log_level"];
      std::optional<LogLevel> level;
      if (v.is_string()) level = ParseLogLevel(v.get<std::string>());
      if (!level)
        return Error("\"log_level\" must be one of \"error\", \"warn\", \"info\", \"debug\"");
      c.log_level = *level;
    }
    if (doc.contains("access_log")) {
      const json& v = doc["access_log"];
      if (!v.is_string())
        return Error("\"access_log\" must be a file path (\"\" or \"-\": stderr)");
      c.access_log = v.get<std::string>();
    }
    if (doc.contains("metrics_public")) {
      const json& v = doc["metrics_public"];
      if (!v.is_boolean()) return Error("\"metrics_public\" must be true or false");
      c.metrics_public = v.get<bool>();
    }
    if (doc.contains("index_journal")) {
      if (auto r = ParseIndexJournal(doc["index_journal"], c); !r) return r.error();
    }
    if (doc.contains("tiers")) {
      have_tiers = true;
      if (auto r = ParseTiers(doc["tiers"], c); !r) return r.error();
    }
    if (doc.contains("storage_classes")) {
      have_classes = true;
      if (auto r = ParseClasses(doc["storage_classes"], c); !r) return r.error();
      if (c.storage_classes.empty()) {
        return Error("storage_classes: no mapping for \"STANDARD\" (every server needs one)");
      }
    }
    if (doc.contains("lifecycle")) {
      if (auto r = ParseLifecycle(doc["lifecycle"], c); !r) return r.error();
    }
    if (doc.contains("identity")) {
      const json& v = doc["identity"];
      if (!v.is_object()) {
        return Error("\"identity\" must be an object: {\"master_key_file\": PATH}");
      }
      for (const auto& [key, field] : v.items()) {
        if (key != "master_key_file") {
          c.warnings.push_back("identity: unknown key \"" + key + "\" ignored");
        } else if (!field.is_string() || field.get<std::string>().empty()) {
          return Error("identity: \"master_key_file\" must be a file path");
        } else {
          c.identity_master_key_file = field.get<std::string>();
        }
      }
    }
    if (doc.contains("encryption")) {
      if (auto r = ParseEncryption(doc["encryption"], c); !r) return r.error();
    }
    if (doc.contains("audit")) {
      if (auto r = ParseAudit(doc["audit"], c); !r) return r.error();
    }
    if (doc.contains("limits")) {
      if (auto r = ParseLimits(doc["limits"], c); !r) return r.error();
    }
    static const std::set<std::string, std::less<>> kKnownKeys = {"listen",
                                                                  "data",
                                                                  "region",
                                                                  "domains",
                                                                  "tiers",
                                                                  "storage_classes",
                                                                  "inline_threshold",
                                                                  "workers",
                                                                  "worker_slice_us",
                                                                  "tls",
                                                                  "index_journal",
                                                                  "lifecycle",
                                                                  "log_level",
                                                                  "access_log",
                                                                  "metrics_public",
                                                                  "identity",
                                                                  "encryption",
                                                                  "audit",
                                                                  "limits"};
    for (const auto& [key, v] : doc.items()) {
      if (!kKnownKeys.contains(key)) c.warnings.push_back("unknown key \"" + key + "\" ignored");
    }
  }
  // Flags override the file.
  if (flags.listen) {
    if (auto r = ParseListen(*flags.listen, c); !r) return r.error();
  }
  if (flags.data) c.data_dir = *flags.data;
  if (flags.region) c.region = *flags.region;
  if (!flags.domains.empty()) c.domains = flags.domains;
  if (flags.workers) c.workers = *flags.workers;
  if (flags.lifecycle_day_seconds) c.lifecycle.day_seconds = *flags.lifecycle_day_seconds;
  if (flags.log_level) c.log_level = *flags.log_level;
  if (flags.access_log) c.access_log = *flags.access_log;
  if (c.access_log == "-") c.access_log.clear();
  if (flags.tls_cert || flags.tls_key || flags.tls_listen) {
    if (!c.tls) c.tls.emplace();
    if (flags.tls_cert) c.tls->cert_file = *flags.tls_cert;
    if (flags.tls_key) c.tls->key_file = *flags.tls_key;
    if (flags.tls_listen) {
      if (auto r = ParseAddress(*flags.tls_listen, c.tls->listen_host, c.tls->listen_port); !r) {
        return Error("--tls-listen: " + r.error().message);
      }
    }
  }
  if (c.tls) {
    if (c.tls->cert_file.empty() || c.tls->key_file.empty()) {
      return Error(
          "TLS needs both a certificate and a key (\"tls\": {\"cert\", \"key\"} or --tls-cert "
          "and --tls-key)");
    }
    // HTTPS alone unless plain HTTP was asked for explicitly.
    c.http_enabled = have_listen || flags.listen.has_value();
    if (c.http_enabled && c.listen_port != 0 && c.listen_port == c.tls->listen_port &&
        c.listen_host == c.tls->listen_host) {
      return Error("\"listen\" and \"tls.listen\" are the same address " + c.listen_host + ":" +
                   std::to_string(c.listen_port) + "; HTTP and HTTPS need two ports");
    }
  }

  if (!have_tiers) c.tiers = DefaultTiers(c.data_dir);
  if (!have_classes) c.storage_classes.clear();  // filled from the tiers by Validate
  c.index_dir = (std::filesystem::path(c.data_dir) / "index").string();
  if (c.identity_master_key_file.empty()) {
    c.identity_master_key_file = (std::filesystem::path(c.data_dir) / "identity.key").string();
  }
  if (c.sse_master_key_file.empty()) {
    c.sse_master_key_file = (std::filesystem::path(c.data_dir) / "sse.key").string();
  }
  if (c.audit.dir.empty()) c.audit.dir = (std::filesystem::path(c.data_dir) / "audit").string();
  if (auto r = Validate(c); !r) return r.error();
  return c;
}

std::vector<std::string> IndexJournalDrives(const ServerConfig& config) {
  std::vector<std::string> chosen;
  size_t total = 0;
  size_t max_set_size = 0, max_sets = 0;
  for (const TierConfig& t : config.tiers) {
    total += t.drives.size();
    const size_t set_size = t.data_shards + t.parity_shards;
    if (set_size == 0) continue;
    max_set_size = std::max(max_set_size, set_size);
    max_sets = std::max(max_sets, t.drives.size() / set_size);
  }
  const size_t want = std::min<size_t>(config.index_journal_copies, total);
  for (size_t slot = 0; slot < max_set_size && chosen.size() < want; ++slot) {
    for (size_t set = 0; set < max_sets && chosen.size() < want; ++set) {
      for (const TierConfig& t : config.tiers) {
        const size_t set_size = t.data_shards + t.parity_shards;
        if (chosen.size() == want || slot >= set_size || (set + 1) * set_size > t.drives.size()) {
          continue;
        }
        chosen.push_back(t.drives[set * set_size + slot]);
      }
    }
  }
  return chosen;
}

RootCredentials LoadRootCredentials(
    const std::function<std::optional<std::string>(const char*)>& getenv) {
  auto access = getenv("STRATA_ROOT_ACCESS_KEY");
  auto secret = getenv("STRATA_ROOT_SECRET_KEY");
  if (access && secret && !access->empty() && !secret->empty()) {
    return {*access, *secret, false};
  }
  return {std::string(kDevAccessKey), std::string(kDevSecretKey), true};
}

}  // namespace strata::server
