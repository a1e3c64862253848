#include "tools/admin/audit.h"

#include <sys/stat.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <nlohmann/json.hpp>
#include <thread>

#include "server/audit_log.h"
#include "server/audit_verify.h"

namespace strata::admin {
namespace {

constexpr std::string_view kAuditUsage = R"(Usage:
  strata-admin audit verify [--dir DIR] [--json]
      check the hash chain of every record: exit 0 with a summary when intact, 1 with the
      first problem (edited, missing, reordered record, broken link) and its file and line
  strata-admin audit tail [--dir DIR] [-n N] [--follow]
      print the last N records (default 10); --follow keeps printing new ones
DIR defaults to $STRATA_AUDIT_DIR, else ./strata-data/audit (the server's <data>/audit).
)";

int AuditUsage(const std::string& problem) {
  std::cerr << "strata-admin: " << problem << "\n\n" << kAuditUsage;
  return 2;
}

int Verify(const std::string& dir, bool json) {
  server::AuditVerifyReport r = server::VerifyAuditLog(dir);
  if (json) {
    nlohmann::ordered_json j = {
        {"intact", r.intact},       {"records", r.records},   {"segments", r.segments},
        {"first_seq", r.first_seq}, {"last_seq", r.last_seq}, {"last_hash", r.last_hash},
        {"problem", r.problem},     {"file", r.file},         {"line", r.line}};
    std::cout << j.dump(2) << "\n";
  } else if (r.intact) {
    std::cout << "audit log " << dir << ": intact, " << r.records << " records";
    if (r.records > 0) std::cout << " (seq " << r.first_seq << ".." << r.last_seq << ")";
    std::cout << " in " << r.segments << " segment(s)\nhead hash: " << r.last_hash << "\n";
  } else {
    std::cout << "audit log " << dir << ": BROKEN at " << r.file;
    if (r.line > 0) std::cout << " line " << r.line;
    std::cout << ": " << r.problem << "\n"
              << "(" << r.records << " records verified before it)\n";
  }
  return r.intact ? 0 : 1;
}

int Tail(const std::string& dir, size_t n, bool follow) {
  std::string error;
  std::vector<std::string> lines = server::TailAuditLog(dir, n, &error);
  if (!error.empty()) {
    std::cerr << "strata-admin: " << error << "\n";
    return 1;
  }
  for (const std::string& line : lines) std::cout << line << "\n";
  std::cout << std::flush;
  if (!follow) return 0;
  // Follow the newest segment from its current end; move to the next one when it appears.
  std::vector<std::string> segments = server::ListAuditSegments(dir, &error);
  std::string path = segments.empty() ? "" : segments.back();
  std::uintmax_t offset = 0;
  if (!path.empty()) {
    std::error_code ec;
    offset = std::filesystem::file_size(path, ec);
  }
  std::string partial;
  for (;;) {
    std::this_thread::sleep_for(std::chrono::milliseconds(500));
    segments = server::ListAuditSegments(dir, &error);
    if (!path.empty()) {
      std::ifstream in(path, std::ios::binary);
      in.seekg(static_cast<std::streamoff>(offset));
      std::string chunk((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
      offset += chunk.size();
      partial += chunk;
      size_t nl;
      while ((nl = partial.find('\n')) != std::string::npos) {
        std::cout << partial.substr(0, nl) << "\n";
        partial.erase(0, nl + 1);
      }
      std::cout << std::flush;
    }
    if (!segments.empty() && segments.back() != path && partial.empty()) {
      // The next segment (rotation): read it from its start.
      auto it = std::find(segments.begin(), segments.end(), path);
      path = it == segments.end() || it + 1 == segments.end() ? segments.back() : *(it + 1);
      offset = 0;
    }
  }
}

}  // namespace

int RunAuditCommand(const std::vector<std::string>& args) {
  if (args.empty()) return AuditUsage("audit needs a subcommand: verify or tail");
  std::string dir;
  if (const char* e = std::getenv("STRATA_AUDIT_DIR"); e && *e) dir = e;
  if (dir.empty()) dir = "./strata-data/audit";
  bool json = false;
  bool follow = false;
  size_t n = 10;
  for (size_t i = 1; i < args.size(); ++i) {
    const std::string& a = args[i];
    if (a == "--dir" || a == "-n") {
      if (i + 1 >= args.size() || args[i + 1].empty()) return AuditUsage(a + " needs a value");
      const std::string& v = args[++i];
      if (a == "--dir") {
        dir = v;
      } else {
        if (v.size() > 9 || v.find_first_not_of("0123456789") != std::string::npos) {
          return AuditUsage("-n needs a number");
        }
        n = std::stoul(v);
      }
    } else if (a.starts_with("--dir=")) {
      dir = a.substr(6);
    } else if (a == "--json") {
      json = true;
    } else if (a == "--follow" || a == "-f") {
      follow = true;
    } else if (a == "--help" || a == "-h") {
      std::cout << kAuditUsage;
      return 0;
    } else {
      return AuditUsage("unknown audit argument \"" + a + "\"");
    }
  }
  if (args[0] == "verify") return Verify(dir, json);
  if (args[0] == "tail") return Tail(dir, n, follow);
  return AuditUsage("unknown audit subcommand \"" + args[0] + "\"");
}

}  // namespace strata::admin
