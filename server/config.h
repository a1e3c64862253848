// The server's configuration: command-line flags, the JSON config file, the embedded default, and
// the root credentials from the environment. Everything here is pure (no I/O) so it can be tested;
// main.cc reads the file and the environment and passes their contents in.
#pragma once

#include <boost/system/result.hpp>
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "server/log.h"

namespace strata::server {

// A configuration problem, with a message meant for the operator ("tiers[1] (hdd): erasure "4+x"
// is not of the form k+m").
struct ConfigError {
  std::string message;
};
// Lets boost::system::result<T, ConfigError>::value() throw on error (never used across layers).
[[noreturn]] void throw_exception_from_error(const ConfigError& e,
                                             const boost::source_location& loc);

template <class T>
using ConfigResult = boost::system::result<T, ConfigError>;

// Command-line flags. Each one that is set overrides the config file.
struct Flags {
  std::optional<std::string> listen;              // --listen HOST:PORT
  std::optional<std::string> data;                // --data DIR
  std::optional<std::string> config;              // --config FILE
  std::vector<std::string> domains;               // --domain D (repeatable); empty: not given
  std::optional<std::string> region;              // --region R
  std::optional<uint32_t> workers;                // --workers N
  std::optional<std::string> tls_cert;            // --tls-cert FILE
  std::optional<std::string> tls_key;             // --tls-key FILE
  std::optional<std::string> tls_listen;          // --tls-listen HOST:PORT
  std::optional<LogLevel> log_level;              // --log-level error|warn|info|debug
  std::optional<std::string> access_log;          // --access-log FILE ("-": stderr)
  std::optional<uint32_t> lifecycle_day_seconds;  // --lifecycle-day-seconds N
  bool help = false;                              // --help
  bool rebuild_index = false;  // --rebuild-index: rebuild the index offline, exit
};

// Parses argv[1..]. Accepts "--flag value" and "--flag=value".
[[nodiscard]] ConfigResult<Flags> ParseFlags(const std::vector<std::string>& args);
std::string UsageText();

struct TierConfig {
  std::string name;
  uint32_t data_shards = 2;    // k
  uint32_t parity_shards = 2;  // m
  uint32_t block_size = 256 * 1024;
  std::vector<std::string> drives;  // folders, in erasure-set order
};

// HTTPS: a certificate chain and its private key (PEM files), and where to listen.
struct TlsConfig {
  std::string cert_file;
  std::string key_file;
  std::string listen_host = "127.0.0.1";
  uint16_t listen_port = 9443;
};

// The lifecycle worker ("lifecycle": {"day_seconds", "interval_seconds",
// "transition_mb_per_second", "transition_busy_mb_per_second"}). A shortened day (tests, demos)
// makes rules take effect in seconds; interval 0 means min(day / 4, 1 h), at least 1 s.
// Transitions copy at most transition_mb_per_second, and at most transition_busy_mb_per_second
// while clients are being served (a request in flight or within the last 100 ms).
struct LifecycleConfig {
  uint32_t day_seconds = 86400;
  uint32_t interval_seconds = 0;
  uint64_t transition_mb_per_second = 64;      // 0: unthrottled
  uint64_t transition_busy_mb_per_second = 8;  // 0: no lower cap while busy
};

// The audit log ("audit": {"enabled", "dir", "segment_mb" | "segment_kb", "reads",
// "archive_bucket", "archive_retain_days"}); see audit_log.h and audit_archive.h.
struct AuditConfig {
  bool enabled = true;
  std::string dir;  // default <data>/audit
  uint64_t segment_bytes = 64ull << 20;
  bool reads = false;  // also audit GET and HEAD
  // Closed segments are copied into this bucket (object lock required) as audit/<name>; empty:
  // no archive.
  std::string archive_bucket;
  // COMPLIANCE retention given to archived segments when the bucket has no default rule.
  uint32_t archive_retain_days = 365;
};

// Hostile-input limits ("limits": {...}); see README.md (Limits).
struct LimitsConfig {
  uint32_t max_connections = 4096;       // beyond: accepted and closed at once
  uint32_t header_bytes = 64 * 1024;     // request line + all header fields
  uint32_t header_line_bytes = 8192;     // one header field (name + value)
  uint32_t header_fields = 200;          // number of header fields
  uint32_t uri_bytes = 8192;             // request target (414 beyond)
  uint32_t header_timeout_seconds = 30;  // a request header must arrive whole within this
  uint32_t idle_timeout_seconds = 60;    // keep-alive wait for the next request
  uint32_t body_timeout_seconds = 60;    // no request-body progress for this long
};

struct ServerConfig {
  // Plain HTTP. Off when TLS is configured and no "listen" / --listen was given: then the
  // server speaks HTTPS only. With both, it serves both, on two ports.
  bool http_enabled = true;
  std::string listen_host = "127.0.0.1";
  uint16_t listen_port = 9000;
  std::optional<TlsConfig> tls;
  std::string data_dir = "./strata-data";
  std::string index_dir;  // <data>/index: the LevelDB metadata index
  std::string region = "us-east-1";
  std::vector<std::string> domains = {"localhost"};
  std::vector<TierConfig> tiers;
  // Storage class -> tier name. Always contains "STANDARD".
  std::map<std::string, std::string> storage_classes;
  uint64_t inline_threshold = 16 * 1024;
  uint32_t workers = 4;
  // "worker_slice_us": the time slice the workers ask the kernel for (thread_slice.h); 0 leaves
  // the kernel's default. Kernels before 6.12 ignore it.
  uint32_t worker_slice_us = 200;
  LogLevel log_level = LogLevel::kInfo;
  std::string access_log;  // file for the JSON access log; empty: stderr
  // GET /metrics without authentication (true, the default: the server listens on loopback by
  // default), or only SigV4-signed by the root credentials (false).
  bool metrics_public = true;
  LifecycleConfig lifecycle;
  // "identity": {"master_key_file": PATH}: the 32-byte key that seals users' secret keys
  // (created 0600 at first start). Default <data>/identity.key.
  std::string identity_master_key_file;
  // "encryption": {"master_key_file": PATH, "allow_customer_keys_over_http": BOOL}: the
  // 32-byte key that wraps SSE-S3 data keys (created 0600 at first start; default
  // <data>/sse.key; losing it loses every SSE-S3 object), and whether SSE-C keys may travel
  // over plain HTTP (S3 refuses them; default false: HTTPS only).
  std::string sse_master_key_file;
  bool sse_customer_keys_over_http = false;
  // "index_journal": {"copies": N, "segment_mb": M}: the index journal's copies (on distinct
  // drives, see IndexJournalDrives) and the segment size that triggers a checkpoint.
  uint32_t index_journal_copies = 3;
  uint64_t index_journal_segment_bytes = 64ull << 20;
  AuditConfig audit;
  LimitsConfig limits;
  // Non-fatal findings (unknown keys, ...) for the operator to read at startup.
  std::vector<std::string> warnings;
};

// The default number of worker threads for a machine with `cores` cores: max(64, 8 * cores).
uint32_t DefaultWorkers(unsigned cores);

// Builds the configuration from the JSON text of the config file (empty: no file, use the
// embedded default) and the flags, which override it. `cores` sets the default worker count.
// Validates everything; the error names the problem.
[[nodiscard]] ConfigResult<ServerConfig> ParseConfig(std::string_view json_text, const Flags& flags,
                                                     unsigned cores);

// The drives that carry the index journal's copies (<drive>/index-journal), chosen from the
// configuration alone so a rebuild finds them: slot 0 of each erasure set, round-robin over the
// tiers (tier 0 set 0, tier 1 set 0, tier 0 set 1, ...), then slot 1 of each set, and so on;
// min(index_journal_copies, all drives) distinct drives.
std::vector<std::string> IndexJournalDrives(const ServerConfig& config);

// The root account. From STRATA_ROOT_ACCESS_KEY / STRATA_ROOT_SECRET_KEY; when either is unset
// (or empty), the fixed development default, flagged by is_default.
struct RootCredentials {
  std::string access_key;
  std::string secret_key;
  bool is_default = false;
};
inline constexpr std::string_view kDevAccessKey = "strata-admin";
inline constexpr std::string_view kDevSecretKey = "strata-dev-secret-change-me";

// `getenv` returns the value of a variable, or nullopt when unset.
RootCredentials LoadRootCredentials(
    const std::function<std::optional<std::string>(const char*)>& getenv);

}  // namespace strata::server
