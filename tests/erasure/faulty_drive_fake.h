// A Drive wrapper for fault injection: forwards every call to the wrapped drive unless its
// FaultPlan says to fail it (the n-th call of a kind, or every call of a kind) or to corrupt the
// bytes it reads. The plan is shared, so a test keeps a handle after the store owns the drive.
#pragma once

#include <atomic>
#include <memory>
#include <mutex>

#include "erasure/drive.h"

namespace strata::erasure::testing {

// kList: ListChunks; kFormat: ReadFormatRecord and WriteFormatRecord.
enum class DriveOp { kCreate, kAppend, kCommit, kOpen, kRead, kDelete, kList, kFormat, kCount };

// Thread-safe.
class FaultPlan {
 public:
  // Fails the n-th (0-based) future call of op, counting from now.
  void FailNth(DriveOp op, int n);
  // Fails every call of op (or stops doing so).
  void FailAll(DriveOp op, bool fail = true);
  // Flips one bit in every successful read's output (or stops doing so).
  void CorruptReads(bool corrupt = true);
  // Error returned by failed calls (kDriveFailed unless set).
  void SetError(Errc errc);

  // Called by the fake: counts the call and says whether (and how) it fails.
  boost::system::error_code OnCall(DriveOp op);
  bool corrupt_reads() const { return corrupt_reads_; }
  int calls(DriveOp op) const;

 private:
  mutable std::mutex mu_;
  int calls_[static_cast<int>(DriveOp::kCount)] = {};      // GUARDED_BY(mu_)
  int fail_at_[static_cast<int>(DriveOp::kCount)] = {};    // GUARDED_BY(mu_); -1: none
  bool fail_all_[static_cast<int>(DriveOp::kCount)] = {};  // GUARDED_BY(mu_)
  bool armed_[static_cast<int>(DriveOp::kCount)] = {};     // GUARDED_BY(mu_)
  Errc errc_ = Errc::kDriveFailed;                         // GUARDED_BY(mu_)
  std::atomic<bool> corrupt_reads_{false};
};

// Wraps `base`; every call consults `plan`.
std::unique_ptr<Drive> NewFaultyDrive(std::unique_ptr<Drive> base, std::shared_ptr<FaultPlan> plan);

}  // namespace strata::erasure::testing
