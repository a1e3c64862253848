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
// reported as such (its bytes skipped), not buffered. A zero byte ends the records (the live
// segment's preallocated tail).
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
    while (!zeros_ && in_.get(c)) {
      if (c == '\0') {
        zeros_ = true;
        break;
      }
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
  bool zeros_ = false;  // a zero byte was read: nothing after it is a record
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

AuditChainVerifier::AuditChainVerifier(std::string_view genesis)
    : expected_prev_(Sha256Hex(genesis)) {
  report_.last_hash = expected_prev_;  // an empty log's head is the genesis hash
}

void AuditChainVerifier::Fail(std::string problem, uint64_t line) {
  if (!ok()) return;
  report_.problem = std::move(problem);
  report_.file = where_;
  report_.line = line;
}

void AuditChainVerifier::BeginSegment(std::string_view name, std::string where) {
  if (!ok()) return;
  where_ = std::move(where);
  partial_.clear();
  line_ = 0;
  offset_ = 0;
  zero_line_ = 0;
  too_long_ = false;
  in_segment_ = true;
  ++report_.segments;
  const std::optional<uint64_t> named = ParseAuditSegmentName(name);
  if (!named) return Fail("not an audit segment name: \"" + std::string(name) + "\"", 0);
  if (*named != expected_seq_) {
    Fail(*named > expected_seq_ ? "segment starts at seq " + std::to_string(*named) + " but seq " +
                                      std::to_string(expected_seq_) + " was expected: records " +
                                      std::to_string(expected_seq_) + ".." +
                                      std::to_string(*named - 1) + " are missing"
                                : "segment starts at seq " + std::to_string(*named) +
                                      ", overlapping the previous segment (expected seq " +
                                      std::to_string(expected_seq_) + ")",
         0);
  }
}

void AuditChainVerifier::Feed(std::string_view bytes) {
  const uint64_t base = offset_;
  const size_t total = bytes.size();
  offset_ += total;
  while (ok() && in_segment_ && !bytes.empty()) {
    if (zero_line_ > 0) {
      // In the zeros: only more zeros may follow (the live segment's preallocated tail).
      if (bytes.find_first_not_of('\0') == std::string_view::npos) return;
      return Fail("zero bytes in the middle of the records (more bytes follow them)", zero_line_);
    }
    const size_t nl = bytes.find('\n');
    const size_t zero = bytes.substr(0, nl).find('\0');
    const std::string_view piece = bytes.substr(0, std::min(nl, zero));
    // Keep at most one line; a longer one is remembered as too long, not buffered.
    if (!too_long_) {
      if (partial_.size() + piece.size() > kMaxAuditLineBytes) {
        too_long_ = true;
        partial_.clear();
      } else {
        partial_.append(piece);
      }
    }
    if (zero != std::string_view::npos) {
      // The records end here if nothing but zeros follows; partial_ is a torn line before
      // them, judged at EndSegment like any unterminated last line.
      zero_line_ = line_ + 1;
      zeros_offset_ = base + (total - bytes.size()) + zero;
      bytes.remove_prefix(zero);
      continue;
    }
    if (nl == std::string_view::npos) return;
    ++line_;
    if (too_long_) {
      return Fail("line longer than " + std::to_string(kMaxAuditLineBytes) + " bytes", line_);
    }
    CheckLine(partial_);
    partial_.clear();
    bytes.remove_prefix(nl + 1);
  }
}

void AuditChainVerifier::RewindToZeros() {
  if (!ok() || zero_line_ == 0) return;
  offset_ = zeros_offset_;
  zero_line_ = 0;
}

void AuditChainVerifier::EndSegment(bool newest) {
  if (!ok() || !in_segment_) return;
  in_segment_ = false;
  if (too_long_) {
    return Fail("line longer than " + std::to_string(kMaxAuditLineBytes) + " bytes", line_ + 1);
  }
  // The end of the newest segment may be a record being written right now, and zeros after
  // it: the live segment runs ahead of its records in zeros. A closed segment has neither.
  if (zero_line_ > 0 && !newest) {
    return Fail(
        "zero bytes after the records of a segment that is not the newest (it was "
        "not cut to its records when it was closed)",
        zero_line_);
  }
  if (!partial_.empty() && !newest) {
    Fail("unterminated last line in a segment that is not the newest", line_ + 1);
  }
  partial_.clear();
}

void AuditChainVerifier::CheckLine(std::string_view line) {
  std::optional<AuditLink> link = ParseAuditLink(line);
  if (!link) return Fail("not a well-formed audit record", line_);
  if (link->computed != link->hash) {
    return Fail("seq " + std::to_string(link->seq) +
                    ": the record's hash does not match its content (the record was edited)",
                line_);
  }
  if (link->seq != expected_seq_) {
    return Fail(
        link->seq > expected_seq_
            ? "seq " + std::to_string(link->seq) + " where seq " + std::to_string(expected_seq_) +
                  " was expected (a record is missing, or records were reordered)"
            : "seq " + std::to_string(link->seq) + " where seq " + std::to_string(expected_seq_) +
                  " was expected (a record is repeated, or records were reordered)",
        line_);
  }
  if (link->prev != expected_prev_) {
    return Fail("seq " + std::to_string(link->seq) +
                    ": broken link (prev is not the hash of the record before it" +
                    (expected_seq_ == 1 ? ", the genesis hash)" : ")"),
                line_);
  }
  if (report_.first_seq == 0) report_.first_seq = link->seq;
  report_.last_seq = link->seq;
  report_.last_hash = link->hash;
  ++report_.records;
  expected_prev_ = std::move(link->hash);
  ++expected_seq_;
}

AuditVerifyReport AuditChainVerifier::report() const {
  AuditVerifyReport r = report_;
  r.intact = ok();
  return r;
}

AuditVerifyReport VerifyAuditLog(const std::string& dir) {
  AuditVerifyReport failed;
  const std::string genesis_path = (fs::path(dir) / "GENESIS").string();
  std::string genesis;
  {
    std::ifstream in(genesis_path, std::ios::binary);
    if (!in || !std::getline(in, genesis)) {
      failed.problem = "cannot read the genesis file (is this an audit log folder?)";
      failed.file = genesis_path;
      return failed;
    }
  }
  std::string error;
  std::vector<std::string> segments = ListAuditSegments(dir, &error);
  if (!error.empty()) {
    failed.problem = error;
    failed.file = dir;
    return failed;
  }
  AuditChainVerifier verifier(genesis);
  std::string buffer(64 * 1024, '\0');
  for (size_t s = 0; s < segments.size() && verifier.ok(); ++s) {
    const std::string& path = segments[s];
    verifier.BeginSegment(fs::path(path).filename().string(), path);
    std::ifstream in(path, std::ios::binary);
    if (!in) {
      AuditVerifyReport r = verifier.report();
      if (!r.intact) break;
      r.intact = false;
      r.problem = "cannot open the segment";
      r.file = path;
      r.segments = segments.size();
      return r;
    }
    const bool newest = s + 1 == segments.size();
    // The live segment grows while it is read: a chunk read as zeros may hold records by the
    // time the next chunk is read. Zeros followed by data there are read again from the zeros
    // (a few times at one place: zeros that stay are reported).
    uint64_t rewound_at = 0;
    int rewinds_here = 0;
    while (verifier.ok() && in) {
      in.read(buffer.data(), static_cast<std::streamsize>(buffer.size()));
      const std::string_view chunk(buffer.data(), static_cast<size_t>(in.gcount()));
      if (newest && verifier.in_zeros() &&
          chunk.find_first_not_of('\0') != std::string_view::npos) {
        const uint64_t at = verifier.zeros_offset();
        rewinds_here = at == rewound_at ? rewinds_here + 1 : 1;
        rewound_at = at;
        if (rewinds_here <= 3) {
          verifier.RewindToZeros();
          in.clear();
          in.seekg(static_cast<std::streamoff>(at));
          continue;
        }
      }
      verifier.Feed(chunk);
    }
    verifier.EndSegment(newest);
  }
  AuditVerifyReport report = verifier.report();
  report.segments = segments.size();
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
