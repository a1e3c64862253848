#include "server/audit_verify.h"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <optional>
#include <string_view>
#include <utility>

#include "server/audit_log.h"

namespace strata::server {
namespace {

namespace fs = std::filesystem;

// Reads a file line by line in bounded memory: a line longer than kMaxAuditLineBytes is
// reported as such (its bytes skipped), not buffered.
class LineReader {
 public:
  explicit LineReader(const std::string& path) : in_(path, std::ios::binary) {}
  bool ok() const { return static_cast<bool>(in_) || in_.eof(); }

  enum class Kind { kLine, kTooLong, kUnterminated, kEnd };
  // The next line (without '\n') in *line.
  Kind Next(std::string* line) {
    line->clear();
    bool too_long = false;
    char c;
    while (in_.get(c)) {
      if (c == '\n') return too_long ? Kind::kTooLong : Kind::kLine;
      if (line->size() >= kMaxAuditLineBytes) {
        too_long = true;
        continue;
      }
      line->push_back(c);
    }
    if (too_long) return Kind::kTooLong;
    return line->empty() ? Kind::kEnd : Kind::kUnterminated;
  }

 private:
  std::ifstream in_;
};

}  // namespace

std::vector<std::string> ListAuditSegments(const std::string& dir, std::string* error) {
  std::vector<std::pair<uint64_t, std::string>> found;
  std::error_code ec;
  for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
    if (auto first = ParseAuditSegmentName(it->path().filename().string())) {
      found.emplace_back(*first, it->path().string());
    }
  }
  if (ec) {
    if (error) *error = dir + ": " + ec.message();
    return {};
  }
  std::sort(found.begin(), found.end());
  std::vector<std::string> out;
  for (auto& [seq, path] : found) out.push_back(std::move(path));
  return out;
}

AuditVerifyReport VerifyAuditLog(const std::string& dir) {
  AuditVerifyReport report;
  auto fail = [&report](std::string problem, std::string file, uint64_t line) {
    report.intact = false;
    report.problem = std::move(problem);
    report.file = std::move(file);
    report.line = line;
    return report;
  };
  const std::string genesis_path = (fs::path(dir) / "GENESIS").string();
  std::string genesis;
  {
    std::ifstream in(genesis_path, std::ios::binary);
    if (!in || !std::getline(in, genesis)) {
      return fail("cannot read the genesis file (is this an audit log folder?)", genesis_path, 0);
    }
  }
  std::string error;
  std::vector<std::string> segments = ListAuditSegments(dir, &error);
  if (!error.empty()) return fail(error, dir, 0);
  report.segments = segments.size();

  std::string expected_prev = Sha256Hex(genesis);
  uint64_t expected_seq = 1;
  std::string line;
  for (size_t s = 0; s < segments.size(); ++s) {
    const std::string& path = segments[s];
    const uint64_t named = *ParseAuditSegmentName(fs::path(path).filename().string());
    if (named != expected_seq) {
      return fail(named > expected_seq
                      ? "segment starts at seq " + std::to_string(named) + " but seq " +
                            std::to_string(expected_seq) + " was expected: records " +
                            std::to_string(expected_seq) + ".." + std::to_string(named - 1) +
                            " are missing"
                      : "segment starts at seq " + std::to_string(named) +
                            ", overlapping the previous segment (expected seq " +
                            std::to_string(expected_seq) + ")",
                  path, 0);
    }
    LineReader reader(path);
    if (!reader.ok()) return fail("cannot open the segment", path, 0);
    const bool last_segment = s + 1 == segments.size();
    for (uint64_t n = 1;; ++n) {
      LineReader::Kind kind = reader.Next(&line);
      if (kind == LineReader::Kind::kEnd) break;
      if (kind == LineReader::Kind::kTooLong) {
        return fail("line longer than " + std::to_string(kMaxAuditLineBytes) + " bytes", path, n);
      }
      if (kind == LineReader::Kind::kUnterminated) {
        // The end of the newest segment may be a record being written right now.
        if (last_segment) break;
        return fail("unterminated last line in a segment that is not the newest", path, n);
      }
      std::optional<AuditLink> link = ParseAuditLink(line);
      if (!link) return fail("not a well-formed audit record", path, n);
      if (link->computed != link->hash) {
        return fail("seq " + std::to_string(link->seq) +
                        ": the record's hash does not match its content (the record was edited)",
                    path, n);
      }
      if (link->seq != expected_seq) {
        return fail(link->seq > expected_seq
                        ? "seq " + std::to_string(link->seq) + " where seq " +
                              std::to_string(expected_seq) +
                              " was expected (a record is missing, or records were reordered)"
                        : "seq " + std::to_string(link->seq) + " where seq " +
                              std::to_string(expected_seq) +
                              " was expected (a record is repeated, or records were reordered)",
                    path, n);
      }
      if (link->prev != expected_prev) {
        return fail("seq " + std::to_string(link->seq) +
                        ": broken link (prev is not the hash of the record before it" +
                        (expected_seq == 1 ? ", the genesis hash)" : ")"),
                    path, n);
      }
      if (report.first_seq == 0) report.first_seq = link->seq;
      report.last_seq = link->seq;
      report.last_hash = link->hash;
      ++report.records;
      expected_prev = std::move(link->hash);
      ++expected_seq;
    }
  }
  if (report.records == 0) report.last_hash = expected_prev;
  report.intact = true;
  return report;
}

std::vector<std::string> TailAuditLog(const std::string& dir, size_t n, std::string* error) {
  std::vector<std::string> segments = ListAuditSegments(dir, error);
  std::deque<std::string> out;  // oldest first
  std::string line;
  for (auto it = segments.rbegin(); it != segments.rend() && out.size() < n; ++it) {
    std::deque<std::string> mine;
    LineReader reader(*it);
    for (;;) {
      LineReader::Kind kind = reader.Next(&line);
      if (kind == LineReader::Kind::kEnd || kind == LineReader::Kind::kUnterminated) break;
      if (kind == LineReader::Kind::kTooLong) continue;
      mine.push_back(line);
      if (mine.size() > n) mine.pop_front();
    }
    while (!mine.empty() && out.size() < n) {
      out.push_front(std::move(mine.back()));
      mine.pop_back();
    }
  }
  return std::vector<std::string>(out.begin(), out.end());
}

}  // namespace strata::server
