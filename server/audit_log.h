// The tamper-evident audit log: one JSON line per audited request, hash-chained, durable before
// the response is sent. See README.md (Audit log) for the record format and the operator's tools.
//
// Layout of the folder (config "audit": {"dir"}, default <data>/audit):
//   GENESIS                 the genesis string (one line); the first record's prev is its SHA-256
//   audit-<first seq>.log   segments, 20-digit zero-padded first sequence number, rotated by size
// The live (newest) segment runs ahead of its records in written zeros (see AuditLog): its records
// end at its first zero byte. A closed segment is cut to its records and holds no zeros.
// A record line is
//   {"seq":N,"time":...,"request_id":...,"principal":...,"remote":...,"operation":...,
//    "bucket":...,"key":...,"version_id":...,"status":N,"bytes_in":N,"bytes_out":N,
//    "prev":"<hex>","hash":"<hex>"}
// where hash = SHA-256 of the line's bytes with the `,"hash":"<hex>"` member removed (so of
// `{...,"prev":"<hex>"}`), and prev = the previous record's hash (the genesis hash for seq 1).
// The pure helpers below define the format; the verifier (audit_verify.h) uses them too.
#pragma once

#include <boost/system/error_code.hpp>
#include <boost/system/result.hpp>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <utility>
#include <vector>

#include "storage/wake_signal.h"

namespace strata::server {

// One audited request, as the audit handler (audit_handler.h) sees it.
struct AuditEvent {
  std::chrono::system_clock::time_point time;
  std::string request_id;
  std::string principal;  // the access key the request was signed with; "anonymous" if none
  std::string remote;     // client address
  std::string operation;  // "PutObject", "AdminHeal", ... ("" if the request was not routed)
  std::string bucket;
  std::string key;
  std::string version_id;  // the response's x-amz-version-id, if any
  unsigned status = 0;
  uint64_t bytes_in = 0;   // request body bytes the handler read
  uint64_t bytes_out = 0;  // response body bytes (Content-Length of the response)
};

// ---- The format (pure) ----------------------------------------------------------------------

inline constexpr size_t kAuditHashHexSize = 64;
// The longest record line the verifier and the tail reader accept (keys are at most 1 KiB).
inline constexpr size_t kMaxAuditLineBytes = 64 * 1024;

// Lower-case hex SHA-256 of `data`.
std::string Sha256Hex(std::string_view data);

// The record line (no newline) for `event` with sequence number `seq` after a record whose hash
// is `prev_hash`. Invalid UTF-8 in the event's strings is replaced, never thrown on.
std::string FormatAuditLine(const AuditEvent& event, uint64_t seq, std::string_view prev_hash);

// What a line says about its place in the chain.
struct AuditLink {
  uint64_t seq = 0;
  std::string prev;      // as recorded
  std::string hash;      // as recorded
  std::string computed;  // SHA-256 of the line without its hash member
};
// Parses a record line (no newline). nullopt when it is not a well-formed record (not JSON, a
// missing or mistyped member, no trailing hash member). Never throws; bounded by the line.
std::optional<AuditLink> ParseAuditLink(std::string_view line);

// Segment file name for a segment whose first record is `first_seq`: "audit-000...0042.log".
std::string AuditSegmentName(uint64_t first_seq);
// The first seq named by a segment file name; nullopt for other names.
std::optional<uint64_t> ParseAuditSegmentName(std::string_view name);

// ---- The writer -------------------------------------------------------------------------------

struct AuditLogOptions {
  std::string dir;
  uint64_t segment_bytes = 64ull << 20;  // rotate once a segment reaches this size
  // Names the deployment in a new log's genesis string (e.g. the data folder).
  std::string deployment;
  // Whether appends are fdatasync'ed before they return (tests of format only turn this off).
  bool sync = true;
};

// Appends records to the folder. Thread-safe: concurrent Append()s are ordered by seq in the
// file and share fdatasync calls (group commit): while one thread syncs, the records written
// meanwhile wait and are covered by the next sync, so N concurrent writers cost about two
// syncs, not N.
//
// The live segment is written with pwrite at its records' end and kept 0.5-1 MiB ahead of them
// in written zeros (never past its rotation size plus 4 KiB) by the log's own filler thread, so
// that a group's fdatasync writes data and flushes without also updating the file's size and
// block allocation. Rotation and destruction cut the segment to its records, durably, first.
class AuditLog {
 public:
  // Creates the folder and GENESIS if absent, finds the newest segment and reads its last
  // record to continue the chain. What follows the last whole record is cut off: the zero tail
  // of a segment that was live at a crash, and a torn line (never acknowledged); in the last
  // 1 MiB before the zeros the records end at the first zero byte, since every acknowledged
  // byte was synced with all before it. Errors: the folder cannot be created or read, or the
  // last record is not a well-formed record (io_error / bad_message with *detail set).
  [[nodiscard]] static boost::system::result<std::unique_ptr<AuditLog>> Open(
      AuditLogOptions options, std::string* detail = nullptr);
  // Stops the filler and cuts the live segment to its records (synced). REQUIRES: no Append in
  // flight.
  ~AuditLog();
  AuditLog(const AuditLog&) = delete;
  AuditLog& operator=(const AuditLog&) = delete;

  // Writes the event's record and returns once it is durable (fdatasync), with its seq. On a
  // write error the partial line is zeroed again (cut off past the zeros) and the seq is not
  // used; after an fdatasync failure the log refuses every later append (the page cache can no
  // longer be trusted).
  [[nodiscard]] boost::system::result<uint64_t> Append(const AuditEvent& event);

  // The last seq written (0: empty log) and its hash. Thread-safe.
  uint64_t last_seq() const;
  std::string last_hash() const;
  // fdatasync calls made so far (for the group-commit test and measurements).
  uint64_t sync_count() const;

  // Called after each rotation with the full path of the segment just closed (cut to its
  // records, durable, never written again). Runs on the appending thread with the log's lock held,
  // before that append writes its record: it must only hand the path on (e.g. wake the archiver,
  // audit_archive.h), never block or call into the log. Replaces any previous listener; empty:
  // none. Thread-safe.
  void SetRotationListener(std::function<void(const std::string& closed_segment)> listener);

 private:
  struct Segment;
  explicit AuditLog(AuditLogOptions options);
  boost::system::error_code OpenSegment(uint64_t first_seq);  // REQUIRES: mu_ held
  // Cuts the live segment to its records and syncs that (no sync or fill in flight).
  // REQUIRES: mu_ held.
  boost::system::error_code CloseSegment();
  // Writes the first zeros ahead of a segment just opened (not flushed; the filler adds the
  // rest). A failure only means that appends grow the file. REQUIRES: mu_ held.
  void WriteInitialZeros();
  // Whether the live segment wants more zeros ahead of its records. REQUIRES: mu_ held.
  bool NeedsFill() const;
  // The filler thread: writes zeros ahead of the live segment's records when NeedsFill().
  void FillLoop();
  // An appender waiting for a sync to cover its record (on its own stack), with its own
  // wake-up, signalled outside mu_ after a sync: woken while mu_ was held, every covered
  // waiter went back to sleep on mu_ at once.
  enum class WakeState { kWaiting, kSynced, kRecheck };  // kSynced: its record is durable
  using Wake = storage::WakeSignal<WakeState, WakeState::kWaiting>;
  struct Waiter {
    uint64_t seq = 0;
    bool queued = false;  // GUARDED_BY(mu_): in waiters_
    std::shared_ptr<Wake> wake = std::make_shared<Wake>();
  };
  using PendingWake = std::pair<std::shared_ptr<Wake>, WakeState>;
  // After a sync (or a failure): tells the waiters it covered (kSynced; all of them kRecheck
  // on a failure) and the first one it did not (kRecheck: it syncs next). Signals them at once,
  // or, given `later`, leaves that to the caller once it has released mu_. REQUIRES: mu_ held.
  void WakeAfterSync(std::vector<PendingWake>* later = nullptr);

  const AuditLogOptions options_;
  mutable std::mutex mu_;
  std::condition_variable synced_cv_;
  std::shared_ptr<Segment> segment_;  // GUARDED_BY(mu_)
  uint64_t seq_ = 0;                  // GUARDED_BY(mu_): last seq written
  std::string hash_;                  // GUARDED_BY(mu_): its hash
  uint64_t synced_seq_ = 0;           // GUARDED_BY(mu_): last seq known durable
  bool syncing_ = false;              // GUARDED_BY(mu_): a thread is inside fdatasync
  std::deque<Waiter*> waiters_;       // GUARDED_BY(mu_): ascending seq
  boost::system::error_code failed_;  // GUARDED_BY(mu_): sticky fdatasync failure
  uint64_t syncs_ = 0;                // GUARDED_BY(mu_)
  std::string segment_path_;          // GUARDED_BY(mu_): the live segment's path
  std::function<void(const std::string&)> on_rotate_;  // GUARDED_BY(mu_)
  // The filler waits on fill_cv_ for NeedsFill() or stopping_; appenders that would write past
  // the zeros while a fill is in flight, and rotations, wait on synced_cv_ for it to end.
  std::condition_variable fill_cv_;
  bool stopping_ = false;  // GUARDED_BY(mu_)
  std::thread filler_;
};

}  // namespace strata::server
