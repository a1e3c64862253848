#include "server/heal_job.h"

#include <boost/system/errc.hpp>

#include "erasure/chunk_store.h"
#include "erasure/thread_name.h"

namespace strata::server {

std::string_view HealStateName(HealStatus::State state) {
  switch (state) {
    case HealStatus::State::kIdle:
      return "idle";
    case HealStatus::State::kRunning:
      return "running";
    case HealStatus::State::kDone:
      return "done";
    case HealStatus::State::kFailed:
      return "failed";
    case HealStatus::State::kCanceled:
      return "canceled";
  }
  return "idle";
}

HealJob::HealJob(ScrubFn scrub, std::function<bool(const erasure::ScrubBlob&)> is_referenced,
                 uint64_t default_bytes_per_second)
    : scrub_(std::move(scrub)),
      is_referenced_(std::move(is_referenced)),
      default_bytes_per_second_(default_bytes_per_second) {}

HealJob::~HealJob() { Stop(); }

bool HealJob::Start(const erasure::ScrubOptions& options) {
  std::lock_guard lock(mu_);
  if (stopping_ || status_.state == HealStatus::State::kRunning) return false;
  // The previous pass's thread has finished its work (state is not running); reap it.
  if (thread_.joinable()) thread_.join();
  const uint64_t pass = status_.pass + 1;
  status_ = HealStatus{};
  status_.state = HealStatus::State::kRunning;
  status_.pass = pass;
  status_.dry_run = options.dry_run;
  status_.started = std::chrono::system_clock::now();
  erasure::ScrubOptions pass_options = options;
  if (!pass_options.is_referenced) pass_options.is_referenced = is_referenced_;
  if (pass_options.max_bytes_per_second == 0) {
    pass_options.max_bytes_per_second = default_bytes_per_second_;
  }
  thread_ = std::thread([this, pass_options] {
    erasure::NameThisThread("heal-job");
    Run(pass_options);
  });
  return true;
}

void HealJob::Run(erasure::ScrubOptions options) {
  // Verifying and rebuilding is CPU (CRC32C, decoding) and disk: it must not compete with
  // requests on equal terms. This thread does nothing else, so the change is for good.
  erasure::LowerThreadPriorityForBackgroundWork();
  erasure::ScrubProgress progress = [this](const erasure::ScrubBlob& blob,
                                           const erasure::ScrubReport& so_far) {
    std::lock_guard lock(mu_);
    status_.report = so_far;
    status_.last_blob = blob.blob_id;
    return !stopping_;
  };
  auto result = scrub_(options, progress);
  std::lock_guard lock(mu_);
  status_.finished = std::chrono::system_clock::now();
  if (result) {
    status_.report = std::move(*result);
    // A pass stopped through the progress callback returns what it has.
    status_.state = stopping_ ? HealStatus::State::kCanceled : HealStatus::State::kDone;
  } else if (result.error() == boost::system::errc::operation_canceled) {
    status_.state = HealStatus::State::kCanceled;
  } else {
    status_.state = HealStatus::State::kFailed;
    status_.error = result.error().message();
    // The scrub function says so for a chunk store without scrub support (see ScrubFn).
    status_.not_supported = result.error() == boost::system::errc::function_not_supported;
  }
}

HealStatus HealJob::Status() const {
  std::lock_guard lock(mu_);
  return status_;
}

void HealJob::Stop() {
  std::thread t;
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
    t = std::move(thread_);
  }
  if (t.joinable()) t.join();
}

}  // namespace strata::server
