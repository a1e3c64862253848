// Human-readable renderings of the admin API's JSON documents (tables for `strata-admin info`,
// the heal summary and progress line). Pure functions.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "tools/admin/admin_client.h"

namespace strata::admin {

// A left-aligned text table: columns two spaces apart, one line per row.
std::string TextTable(const std::vector<std::vector<std::string>>& rows);

// 1536 -> "1.5 KiB"; below 1 KiB: "N B".
std::string HumanBytes(uint64_t bytes);
// 3725 -> "1h02m05s".
std::string HumanDuration(double seconds);

// The info document as text: a header line, a tier table, a drive table, counters, heal.
std::string FormatInfo(const nlohmann::json& info);
// One line: "pass 3 running: 120 blobs scanned, 2 healed, 0 failed, 0 unrecoverable, ...".
std::string FormatHealLine(const nlohmann::json& status);
// The closing summary of a heal pass (several lines).
std::string FormatHealSummary(const nlohmann::json& status);

// The body of an answer as JSON, or nullopt when it is not JSON.
std::optional<nlohmann::json> ParseJson(const HttpResult& r);
// Prints why a call failed to stderr (the server's JSON error, its S3 XML error code, or the
// status; a hint about the root credentials on 403) and returns exit status 1.
int ReportFailure(const HttpResult& r);

}  // namespace strata::admin
