// The audit log's locked copy: closed audit segments (audit_log.h) copied into a bucket with S3
// Object Lock, so that even the root cannot delete or rewrite what was logged. See README.md
// (Audit log, "Archive").
//
// Each closed segment `audit-<first seq>.log` of the audit folder is Put, through the server's
// own ObjectStore (erasure coded and journaled like any object), as `audit/<file name>` with
// Content-MD5 (a segment that changes while it is read is refused, never stored torn) and
// content-type application/x-ndjson; the folder's GENESIS goes to `audit/GENESIS` the same way,
// so `strata-admin audit verify --bucket` can check the chain from the bucket alone. Retention is
// the bucket's default rule when it has one, else COMPLIANCE for `retain_days`.
//
// The live (newest) segment is never archived: only segments the log has closed by rotating.
// (It runs ahead of its records in zeros; the log cuts a segment to its records, durably, before
// the next one is created, so every segment but the newest holds records only.)
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <thread>

#include "storage/object_store.h"

namespace strata::server {

struct AuditArchiverOptions {
  std::string dir;             // the audit log's folder
  std::string bucket;          // must exist with object lock enabled, or nothing is archived
  uint32_t retain_days = 365;  // COMPLIANCE retention when the bucket has no default rule
  // After a pass that left work undone (a failed Put, an unusable bucket), the next one runs
  // after this long even if no rotation wakes the archiver.
  std::chrono::milliseconds retry_interval = std::chrono::seconds(30);
  // Where warnings go (tests capture them); empty: the server log.
  std::function<void(const std::string&)> warn;
};

struct AuditArchiveCounters {
  uint64_t archived = 0;  // segments stored by this process
  uint64_t failures = 0;  // failed attempts (Put or Head errors, unreadable files)
  // Segments whose archived copy differs from the local file (left alone: the locked copy is
  // the earlier one; a changed local file is what the archive is there to expose).
  uint64_t mismatches = 0;
};

// What one pass did.
struct AuditArchivePass {
  bool bucket_usable = false;
  size_t archived = 0;  // stored in this pass
  size_t skipped = 0;   // already archived with the same ETag
  size_t failed = 0;
  size_t mismatched = 0;
};

// Copies closed segments into the archive bucket on its own thread. Thread-safe: Notify() may be
// called from any thread (the AuditLog's rotation listener), counters() too.
class AuditArchiver {
 public:
  // `store` is not owned and must outlive the archiver (Stop() before destroying it).
  AuditArchiver(storage::ObjectStore& store, AuditArchiverOptions options);
  ~AuditArchiver();  // Stop()
  AuditArchiver(const AuditArchiver&) = delete;
  AuditArchiver& operator=(const AuditArchiver&) = delete;

  // Starts the thread; its first pass archives every closed segment already on disk.
  void Start();
  // Wakes the thread for a pass (a segment was closed). Never blocks on a pass.
  void Notify();
  // Finishes the segment being stored, then returns; no rotation is forced. Idempotent.
  void Stop();

  // One pass, synchronously, on the caller's thread (the thread runs exactly this): checks the
  // bucket (exists, object lock enabled), then stores every closed segment not yet archived
  // (Head first: a copy with the local file's MD5 as ETag counts as archived). Must not run
  // concurrently with itself (do not call it while the thread runs).
  AuditArchivePass RunPass();

  AuditArchiveCounters counters() const;

 private:
  enum class Outcome { kArchived, kSkipped, kFailed, kMismatch };
  Outcome ArchiveFile(const std::string& path, const std::string& key,
                      const std::optional<storage::Retention>& retention);
  void Warn(const std::string& message);
  void Loop();

  storage::ObjectStore& store_;
  const AuditArchiverOptions options_;

  // Used by the pass only (one at a time).
  std::set<std::string> done_;      // segment names archived or found archived
  std::set<std::string> conflict_;  // names whose archived copy differs (warned once)
  bool genesis_done_ = false;
  bool bucket_warned_ = false;  // the "unusable bucket" warning was given for the current spell

  std::atomic<uint64_t> archived_{0};
  std::atomic<uint64_t> failures_{0};
  std::atomic<uint64_t> mismatches_{0};

  std::mutex mu_;
  std::condition_variable cv_;
  bool wake_ = false;  // GUARDED_BY(mu_)
  bool stop_ = false;  // GUARDED_BY(mu_)
  std::thread thread_;
};

}  // namespace strata::server
