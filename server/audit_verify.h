// Offline checks and reads of an audit log folder (see audit_log.h for the format): the chain
// verifier behind `strata-admin audit verify` and the tail reader behind `audit tail`. They read
// the files only; safe to run while a server appends (a line being written at the very end is
// skipped, not reported, and so are the zeros the live segment runs ahead in).
#pragma once

#include <cstdint>
#include <deque>
#include <string>
#include <string_view>
#include <vector>

namespace strata::server {

struct AuditVerifyReport {
  bool intact = false;
  uint64_t records = 0;
  size_t segments = 0;
  uint64_t first_seq = 0;  // 0: empty log
  uint64_t last_seq = 0;
  std::string last_hash;  // the head of the chain (anchor it elsewhere to detect a rewrite)
  // When not intact: the first problem, where it is (file path and 1-based line; line 0 for a
  // problem with the file or folder itself).
  std::string problem;
  std::string file;
  uint64_t line = 0;
};

// The chain check itself, fed segment by segment from anywhere (files, an S3 archive): bytes
// in any pieces, split into lines here. Stops at the first problem (later calls are no-ops).
// Memory is bounded by one line (kMaxAuditLineBytes) whatever it is fed. Not thread-safe.
class AuditChainVerifier {
 public:
  // `genesis`: the GENESIS file's first line (without the newline).
  explicit AuditChainVerifier(std::string_view genesis);

  // Starts the next segment. `name` is its file name ("audit-<first seq>.log"; must match its
  // first record), `where` names it in the report (a path, an S3 key).
  void BeginSegment(std::string_view name, std::string where);
  // The segment's next bytes.
  void Feed(std::string_view bytes);
  // Ends the segment. `newest`: it is the log's live segment, whose unterminated last line may
  // be a record being written (skipped) and whose records may be followed by zeros (its
  // preallocated tail: the end); elsewhere either is a problem. Zeros followed by anything but
  // zeros are a problem in any segment.
  void EndSegment(bool newest);

  bool ok() const { return report_.problem.empty(); }
  // Whether the segment's bytes so far end in zeros (after its last line, or a torn one), and
  // at which offset of the segment (bytes fed since BeginSegment) they began.
  bool in_zeros() const { return zero_line_ > 0; }
  uint64_t zeros_offset() const { return zeros_offset_; }
  // For a segment being appended to while it is read: forgets the zeros, so that the next
  // Feed continues the segment from zeros_offset() (the caller feeds the bytes from there
  // again). No-op unless in_zeros().
  void RewindToZeros();
  // The verdict so far (intact = no problem found; segments = segments begun).
  AuditVerifyReport report() const;

 private:
  void Fail(std::string problem, uint64_t line);
  void CheckLine(std::string_view line);

  AuditVerifyReport report_;
  std::string expected_prev_;
  uint64_t expected_seq_ = 1;
  std::string where_;
  std::string partial_;        // the current line so far (at most kMaxAuditLineBytes)
  uint64_t line_ = 0;          // lines of the current segment seen (1-based number of the next - 1)
  uint64_t offset_ = 0;        // bytes of the current segment fed
  uint64_t zero_line_ = 0;     // the line where the zeros began (0: none seen)
  uint64_t zeros_offset_ = 0;  // the segment offset where they began
  bool too_long_ = false;
  bool in_segment_ = false;
};

// Walks every segment of `dir` in order and checks, record by record: the line is a well-formed
// record, its hash matches its content (an edited record), its seq is the previous one plus one
// (a missing, duplicated or reordered record), its prev is the previous record's hash (the
// first record's: SHA-256 of GENESIS), and each segment's name matches its first record.
// Stops at the first problem. Memory is bounded by one line (kMaxAuditLineBytes).
AuditVerifyReport VerifyAuditLog(const std::string& dir);

// The last `n` complete record lines of the log, oldest first (they are not verified). Reads the
// segments newest first until it has n; a segment's records end at its first zero byte. Errors (an
// unreadable folder) set *error.
std::vector<std::string> TailAuditLog(const std::string& dir, size_t n, std::string* error);

// The segment files of `dir`, ordered by first seq (full paths). Errors set *error.
std::vector<std::string> ListAuditSegments(const std::string& dir, std::string* error);

}  // namespace strata::server
