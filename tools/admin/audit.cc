#include "tools/admin/audit.h"

#include <sys/stat.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iostream>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <pugixml.hpp>
#include <thread>

#include "api/uri.h"
#include "server/audit_log.h"
#include "server/audit_verify.h"
#include "tools/admin/admin_client.h"

namespace strata::admin {
namespace {

constexpr std::string_view kAuditUsage = R"(Usage:
  strata-admin audit verify [--dir DIR] [--json]
      check the hash chain of every record: exit 0 with a summary when intact, 1 with the
      first problem (edited, missing, reordered record, broken link) and its file and line
  strata-admin audit verify --bucket NAME [--endpoint URL] [--ca FILE] [--insecure]
                            [--region R] [--json]
      the same check on the archived copy in bucket NAME (the server's "archive_bucket"), read
      over S3 as the root: the oldest (locked) version of audit/GENESIS and of every
      audit/audit-*.log, so overwrites and delete markers change nothing
  strata-admin audit tail [--dir DIR] [-n N] [--follow]
      print the last N records (default 10); --follow keeps printing new ones
DIR defaults to $STRATA_AUDIT_DIR, else ./strata-data/audit (the server's <data>/audit).
The endpoint defaults to $STRATA_ENDPOINT, else http://127.0.0.1:9000; credentials come from
STRATA_ROOT_ACCESS_KEY / STRATA_ROOT_SECRET_KEY.
)";

int AuditUsage(const std::string& problem) {
  std::cerr << "strata-admin: " << problem << "\n\n" << kAuditUsage;
  return 2;
}

void PrintReport(const server::AuditVerifyReport& r, const std::string& what, bool json,
                 const std::vector<std::string>& notes) {
  if (json) {
    nlohmann::ordered_json j = {{"intact", r.intact},     {"records", r.records},
                                {"segments", r.segments}, {"first_seq", r.first_seq},
                                {"last_seq", r.last_seq}, {"last_hash", r.last_hash},
                                {"problem", r.problem},   {"file", r.file},
                                {"line", r.line},         {"notes", notes}};
    std::cout << j.dump(2) << "\n";
    return;
  }
  for (const std::string& note : notes) std::cout << "note: " << note << "\n";
  if (r.intact) {
    std::cout << what << ": intact, " << r.records << " records";
    if (r.records > 0) std::cout << " (seq " << r.first_seq << ".." << r.last_seq << ")";
    std::cout << " in " << r.segments << " segment(s)\nhead hash: " << r.last_hash << "\n";
  } else {
    std::cout << what << ": BROKEN at " << r.file;
    if (r.line > 0) std::cout << " line " << r.line;
    std::cout << ": " << r.problem << "\n"
              << "(" << r.records << " records verified before it)\n";
  }
}

// ---- verify --bucket: the archived copy over S3 ---------------------------------------------

// What a GET of the archive reads per request (the client's answers are bounded at 16 MiB).
constexpr uint64_t kRangeBytes = 8ull << 20;

struct ArchivedVersion {
  std::string key;
  std::string version_id;
  uint64_t size = 0;
  size_t versions = 0;  // versions of the key (delete markers excluded)
  bool hidden = false;  // the latest entry of the key is a delete marker
};

class ArchiveReader {
 public:
  ArchiveReader(AdminClient& client, std::string bucket)
      : client_(client), bucket_(std::move(bucket)) {}

  // The oldest version of every key under `prefix`, by key; nullopt with *error on failure.
  std::optional<std::map<std::string, ArchivedVersion>> ListOldest(const std::string& prefix,
                                                                   std::string* error) {
    std::map<std::string, ArchivedVersion> out;
    std::string key_marker, version_marker;
    for (int page = 0; page < 100000; ++page) {
      std::string target = "/" + bucket_ + "?versions&prefix=" + api::UriEncode(prefix, true);
      if (!key_marker.empty()) {
        target += "&key-marker=" + api::UriEncode(key_marker, true) +
                  "&version-id-marker=" + api::UriEncode(version_marker, true);
      }
      auto r = client_.Call("GET", target, error);
      if (!r) return std::nullopt;
      if (r->status != 200) {
        *error = "listing the versions of bucket \"" + bucket_ + "\" failed: HTTP " +
                 std::to_string(r->status) + " " + ErrorCode(r->body);
        return std::nullopt;
      }
      pugi::xml_document doc;
      if (!doc.load_buffer(r->body.data(), r->body.size())) {
        *error = "the version listing is not valid XML";
        return std::nullopt;
      }
      pugi::xml_node root = doc.child("ListVersionsResult");
      // Entries come newest first per key: the last Version seen for a key is its oldest.
      for (pugi::xml_node n : root.children()) {
        const std::string name = n.name();
        if (name != "Version" && name != "DeleteMarker") continue;
        const std::string key = n.child_value("Key");
        ArchivedVersion& v = out[key];
        v.key = key;
        if (name == "DeleteMarker") {
          v.hidden |= std::string_view(n.child_value("IsLatest")) == "true";
          continue;
        }
        ++v.versions;
        v.version_id = n.child_value("VersionId");
        v.size = std::strtoull(n.child_value("Size"), nullptr, 10);
      }
      if (std::string_view(root.child_value("IsTruncated")) != "true") break;
      key_marker = root.child_value("NextKeyMarker");
      version_marker = root.child_value("NextVersionIdMarker");
      if (key_marker.empty()) break;
    }
    // Keys with only delete markers have nothing to verify.
    std::erase_if(out, [](const auto& kv) { return kv.second.versions == 0; });
    return out;
  }

  // Streams one version's bytes to `sink` in ranges. False with *error on failure.
  template <class Sink>
  bool Read(const ArchivedVersion& v, Sink&& sink, std::string* error) {
    const std::string target = "/" + bucket_ + "/" + api::UriEncode(v.key, false) +
                               "?versionId=" + api::UriEncode(v.version_id, true);
    for (uint64_t offset = 0; offset < v.size;) {
      const uint64_t last = std::min(v.size, offset + kRangeBytes) - 1;
      HttpRequest request{
          "GET",
          target,
          {{"range", "bytes=" + std::to_string(offset) + "-" + std::to_string(last)}},
          {}};
      auto r = client_.Send(request, error);
      if (!r) return false;
      if (r->status != 200 && r->status != 206) {
        *error = "GET " + v.key + " (version " + v.version_id + ") failed: HTTP " +
                 std::to_string(r->status) + " " + ErrorCode(r->body);
        return false;
      }
      if (r->body.empty() || r->body.size() > last - offset + 1) {
        *error = "GET " + v.key + ": unexpected answer of " + std::to_string(r->body.size()) +
                 " bytes at offset " + std::to_string(offset);
        return false;
      }
      sink(std::string_view(r->body));
      offset += r->body.size();
    }
    return true;
  }

 private:
  static std::string ErrorCode(const std::string& body) {
    pugi::xml_document doc;
    if (!doc.load_buffer(body.data(), body.size())) return "";
    return doc.child("Error").child_value("Code");
  }

  AdminClient& client_;
  std::string bucket_;
};

int VerifyBucket(const ClientOptions& options, const std::string& bucket, bool json) {
  AdminClient client(options);
  ArchiveReader reader(client, bucket);
  const std::string what = "audit archive s3://" + bucket + "/audit/";
  std::string error;
  auto keys = reader.ListOldest("audit/", &error);
  if (!keys) {
    std::cerr << "strata-admin: " << error << "\n";
    return 1;
  }
  std::vector<std::string> notes;
  auto it = keys->find("audit/GENESIS");
  if (it == keys->end()) {
    server::AuditVerifyReport r;
    r.problem = "no audit/GENESIS in the bucket (is this the audit archive bucket?)";
    r.file = "s3://" + bucket + "/audit/GENESIS";
    PrintReport(r, what, json, notes);
    return 1;
  }
  std::string genesis;
  if (!reader.Read(
          it->second,
          [&genesis](std::string_view bytes) {
            // One line is all GENESIS holds; more is not read into memory.
            if (genesis.size() < server::kMaxAuditLineBytes) genesis.append(bytes);
          },
          &error)) {
    std::cerr << "strata-admin: " << error << "\n";
    return 1;
  }
  genesis = genesis.substr(0, genesis.find('\n'));

  std::vector<std::pair<uint64_t, const ArchivedVersion*>> segments;
  for (const auto& [key, v] : *keys) {
    if (v.versions > 1) {
      notes.push_back(key + " has " + std::to_string(v.versions) +
                      " versions; the oldest (locked) one is verified");
    }
    if (v.hidden) notes.push_back(key + " is hidden by a delete marker; its versions remain");
    if (auto seq = server::ParseAuditSegmentName(key.substr(6))) segments.emplace_back(*seq, &v);
  }
  std::sort(segments.begin(), segments.end());

  server::AuditChainVerifier verifier(genesis);
  for (const auto& [seq, v] : segments) {
    if (!verifier.ok()) break;
    verifier.BeginSegment(v->key.substr(6),
                          "s3://" + bucket + "/" + v->key + "?versionId=" + v->version_id);
    if (!reader.Read(
            *v, [&verifier](std::string_view bytes) { verifier.Feed(bytes); }, &error)) {
      std::cerr << "strata-admin: " << error << "\n";
      return 1;
    }
    // Every archived segment is a closed one: a torn last line is a problem there.
    verifier.EndSegment(/*newest=*/false);
  }
  server::AuditVerifyReport r = verifier.report();
  r.segments = segments.size();
  PrintReport(r, what, json, notes);
  return r.intact ? 0 : 1;
}

int Verify(const std::string& dir, bool json) {
  server::AuditVerifyReport r = server::VerifyAuditLog(dir);
  PrintReport(r, "audit log " + dir, json, {});
  return r.intact ? 0 : 1;
}

// Reads `path` from `offset` to its first zero byte (the live segment's preallocated tail) or
// its end, and hands each complete line to `emit` (null: none; a line longer than
// kMaxAuditLineBytes is skipped). Returns the offset after the last complete line and sets
// *pending when bytes follow it (a line being written).
std::uintmax_t ReadNewLines(const std::string& path, std::uintmax_t offset,
                            const std::function<void(const std::string&)>& emit, bool* pending) {
  std::ifstream in(path, std::ios::binary);
  in.seekg(static_cast<std::streamoff>(offset));
  std::string chunk(64 * 1024, '\0'), line;
  bool too_long = false;
  *pending = false;
  std::uintmax_t pos = offset;  // the file offset of bytes[0]
  while (in) {
    in.read(chunk.data(), static_cast<std::streamsize>(chunk.size()));
    std::string_view bytes(chunk.data(), static_cast<size_t>(in.gcount()));
    const size_t zero = bytes.find('\0');
    const bool at_zeros = zero != std::string_view::npos;
    bytes = bytes.substr(0, zero);
    for (size_t nl; (nl = bytes.find('\n')) != std::string_view::npos;) {
      if (!too_long && line.size() + nl <= server::kMaxAuditLineBytes) {
        line.append(bytes.substr(0, nl));
        if (emit) emit(line);
      }
      pos += nl + 1;
      offset = pos;
      line.clear();
      too_long = false;
      bytes.remove_prefix(nl + 1);
    }
    pos += bytes.size();
    if (line.size() + bytes.size() > server::kMaxAuditLineBytes) {
      too_long = true;
      line.clear();
    } else {
      line.append(bytes);
    }
    if (at_zeros) break;
  }
  *pending = too_long || !line.empty();
  return offset;
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
  // Follow the newest segment from the end of its records; move to the next one when it
  // appears. (The live segment's size is no guide: it runs ahead of its records in zeros.)
  std::vector<std::string> segments = server::ListAuditSegments(dir, &error);
  std::string path = segments.empty() ? "" : segments.back();
  std::uintmax_t offset = 0;
  bool pending = false;
  if (!path.empty()) offset = ReadNewLines(path, 0, nullptr, &pending);
  const auto print = [](const std::string& line) { std::cout << line << "\n"; };
  for (;;) {
    std::this_thread::sleep_for(std::chrono::milliseconds(500));
    segments = server::ListAuditSegments(dir, &error);
    if (!path.empty()) {
      offset = ReadNewLines(path, offset, print, &pending);
      std::cout << std::flush;
    }
    if (!segments.empty() && segments.back() != path && !pending) {
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
  std::string bucket;
  std::string endpoint = "http://127.0.0.1:9000";
  if (const char* e = std::getenv("STRATA_ENDPOINT"); e && *e) endpoint = e;
  ClientOptions client;
  for (size_t i = 1; i < args.size(); ++i) {
    const std::string& a = args[i];
    if (a == "--bucket" || a == "--endpoint" || a == "--ca" || a == "--region") {
      if (i + 1 >= args.size() || args[i + 1].empty()) return AuditUsage(a + " needs a value");
      const std::string& v = args[++i];
      if (a == "--bucket") bucket = v;
      if (a == "--endpoint") endpoint = v;
      if (a == "--ca") client.ca_file = v;
      if (a == "--region") client.region = v;
    } else if (a == "--insecure") {
      client.insecure = true;
    } else if (a == "--dir" || a == "-n") {
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
  if (args[0] == "verify" && !bucket.empty()) {
    auto parsed = ParseEndpoint(endpoint);
    if (!parsed) return AuditUsage("--endpoint must be http://HOST[:PORT] or https://HOST[:PORT]");
    const char* access = std::getenv("STRATA_ROOT_ACCESS_KEY");
    const char* secret = std::getenv("STRATA_ROOT_SECRET_KEY");
    if (access == nullptr || secret == nullptr || *access == '\0' || *secret == '\0') {
      return AuditUsage("verify --bucket needs STRATA_ROOT_ACCESS_KEY and STRATA_ROOT_SECRET_KEY");
    }
    client.endpoint = *parsed;
    client.access_key = access;
    client.secret_key = secret;
    return VerifyBucket(client, bucket, json);
  }
  if (!bucket.empty()) return AuditUsage("--bucket is for verify only");
  if (args[0] == "verify") return Verify(dir, json);
  if (args[0] == "tail") return Tail(dir, n, follow);
  return AuditUsage("unknown audit subcommand \"" + args[0] + "\"");
}

}  // namespace strata::admin
