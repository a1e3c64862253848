// LifecycleWorker (see lifecycle_worker.h).
#include "storage/lifecycle_worker.h"

#include <algorithm>

#include "erasure/thread_name.h"

namespace strata::storage {
namespace {

std::chrono::milliseconds DefaultInterval(const LifecycleWorkerOptions& o) {
  using std::chrono::milliseconds;
  milliseconds interval = o.interval;
  if (interval.count() == 0) {
    interval = std::min<milliseconds>(std::chrono::duration_cast<milliseconds>(o.day_length) / 4,
                                      std::chrono::hours(1));
  }
  return std::max<milliseconds>(interval, std::chrono::seconds(1));
}

// The longest prefix shared by every enabled rule's filter: the versions scan starts there.
std::string CommonPrefix(const LifecycleConfiguration& config) {
  std::optional<std::string> common;
  for (const auto& rule : config.rules) {
    if (!rule.enabled) continue;
    const std::string& p = rule.filter.prefix;
    if (!common) {
      common = p;
      continue;
    }
    size_t n = 0;
    while (n < common->size() && n < p.size() && (*common)[n] == p[n]) ++n;
    common->resize(n);
  }
  return common.value_or("");
}

bool HasVersionActions(const LifecycleConfiguration& config) {
  for (const auto& r : config.rules) {
    if (r.enabled && (r.expiration || !r.transitions.empty() || r.noncurrent_expiration ||
                      !r.noncurrent_transitions.empty())) {
      return true;
    }
  }
  return false;
}

bool HasAbort(const LifecycleConfiguration& config) {
  for (const auto& r : config.rules) {
    if (r.enabled && r.abort_incomplete_upload_days) return true;
  }
  return false;
}

}  // namespace

LifecycleWorker::LifecycleWorker(ObjectStore& store, LifecycleWorkerOptions options)
    : store_(store), options_(std::move(options)), interval_(DefaultInterval(options_)) {}

LifecycleWorker::~LifecycleWorker() { Stop(); }

void LifecycleWorker::Start() {
  std::lock_guard lock(mu_);
  if (thread_.joinable()) return;
  stop_ = false;
  thread_ = std::thread([this] {
    erasure::NameThisThread("lifecycle");
    Loop();
  });
}

void LifecycleWorker::Stop() {
  std::thread t;
  {
    std::lock_guard lock(mu_);
    stop_ = true;
    t = std::move(thread_);
  }
  cv_.notify_all();
  if (t.joinable()) t.join();
}

void LifecycleWorker::Loop() {
  while (true) {
    {
      std::unique_lock lock(mu_);
      cv_.wait_for(lock, interval_, [this] { return stopping(); });
      if (stopping()) return;
    }
    RunPassNow();
  }
}

void LifecycleWorker::RunPassNow() {
  std::lock_guard pass(pass_mu_);
  auto start = std::chrono::steady_clock::now();
  Pass();
  std::chrono::duration<double> took = std::chrono::steady_clock::now() - start;
  std::lock_guard lock(mu_);
  ++counters_.passes;
  counters_.last_pass_seconds = took.count();
}

LifecycleCounters LifecycleWorker::Counters() const {
  std::lock_guard lock(mu_);
  return counters_;
}

void LifecycleWorker::Pass() {
  auto buckets = store_.ListBuckets();
  if (!buckets) {
    std::lock_guard lock(mu_);
    ++counters_.errors;
    return;
  }
  for (const BucketInfo& bucket : *buckets) {
    if (stopping()) return;
    auto config = store_.GetBucketLifecycle(bucket.name);
    if (!config) {
      // Deleted meanwhile, or simply none: nothing to do. Anything else is worth counting.
      if (config.error() != Errc::kNoSuchLifecycleConfiguration &&
          config.error() != Errc::kNoSuchBucket) {
        std::lock_guard lock(mu_);
        ++counters_.errors;
      }
      continue;
    }
    ProcessBucket(bucket.name, *config, Now());
  }
}

void LifecycleWorker::ProcessBucket(const std::string& bucket, const LifecycleConfiguration& config,
                                    TimePoint now) {
  if (HasVersionActions(config)) ProcessVersions(bucket, config, now);
  if (HasAbort(config) && !stopping()) ProcessUploads(bucket, config, now);
}

void LifecycleWorker::ProcessVersions(const std::string& bucket,
                                      const LifecycleConfiguration& config, TimePoint now) {
  TagLookup tags;
  if (NeedsTags(config)) {
    tags = [this, &bucket](const ObjectInfo& v) -> Result<TagSet> {
      auto t = store_.GetObjectTagging(bucket, v.key, v.version_id);
      if (!t) return t.error();
      return std::move(t->tags);
    };
  }
  std::vector<ObjectInfo> key_versions;  // one key's versions, newest first, across pages
  auto flush = [&] {
    if (key_versions.empty()) return;
    {
      std::lock_guard lock(mu_);
      counters_.versions_scanned += key_versions.size();
    }
    for (const auto& action : EvaluateKey(config, key_versions, tags, now, options_.day_length)) {
      if (stopping()) break;
      Apply(bucket, key_versions, action);
    }
    key_versions.clear();
  };
  ListVersionsOptions list;
  list.prefix = CommonPrefix(config);
  list.max_keys = 1000;
  while (!stopping()) {
    auto page = store_.ListObjectVersions(bucket, list);
    if (!page) {
      if (page.error() != Errc::kNoSuchBucket) {
        std::lock_guard lock(mu_);
        ++counters_.errors;
      }
      return;
    }
    for (ObjectInfo& v : page->versions) {
      if (!key_versions.empty() && key_versions.front().key != v.key) flush();
      if (stopping()) return;
      key_versions.push_back(std::move(v));
    }
    if (!page->truncated) break;
    list.key_marker = page->next_key_marker;
    list.version_id_marker = page->next_version_id_marker;
  }
  if (!stopping()) flush();
}

void LifecycleWorker::ProcessUploads(const std::string& bucket,
                                     const LifecycleConfiguration& config, TimePoint now) {
  ListUploadsOptions list;
  list.prefix = CommonPrefix(config);
  while (!stopping()) {
    auto page = store_.ListMultipartUploads(bucket, list);
    if (!page) {
      if (page.error() != Errc::kNoSuchBucket) {
        std::lock_guard lock(mu_);
        ++counters_.errors;
      }
      return;
    }
    for (const UploadInfo& u : page->uploads) {
      if (stopping()) return;
      if (!AbortUploadDue(config, u.key, u.initiated, now, options_.day_length)) continue;
      auto ec = store_.AbortMultipartUpload(bucket, u.key, u.upload_id);
      std::lock_guard lock(mu_);
      if (!ec) {
        ++counters_.uploads_aborted;
      } else if (ec != Errc::kNoSuchUpload) {  // completed or aborted meanwhile: fine
        ++counters_.errors;
      }
    }
    if (!page->truncated) break;
    list.key_marker = page->next_key_marker;
    list.upload_id_marker = page->next_upload_id_marker;
  }
}

void LifecycleWorker::Apply(const std::string& bucket, const std::vector<ObjectInfo>& versions,
                            const LifecycleAction& action) {
  const ObjectInfo* version = nullptr;
  for (const auto& v : versions) {
    if (v.version_id == action.version_id) version = &v;
  }
  if (!version) return;
  const std::string& key = version->key;
  auto count = [this](uint64_t LifecycleCounters::*field, uint64_t n = 1) {
    std::lock_guard lock(mu_);
    counters_.*field += n;
  };
  auto failed = [&](boost::system::error_code ec) {
    if (ec == Errc::kObjectLocked) return count(&LifecycleCounters::skipped_locked);
    // The key changed since it was listed (overwritten, removed): next pass decides again.
    if (ec == Errc::kPreconditionFailed || ec == Errc::kNoSuchKey || ec == Errc::kNoSuchVersion ||
        ec == Errc::kNoSuchBucket || ec == Errc::kDeleteMarker || ec == Errc::kMethodNotAllowed) {
      return;
    }
    count(&LifecycleCounters::errors);
  };
  switch (action.kind) {
    case LifecycleActionKind::kExpireCurrent: {
      DeleteOptions options;
      // Only the version that was evaluated: a newer PUT since the listing is not expired.
      options.condition.if_match = version->etag;
      auto result = store_.DeleteObject(bucket, key, options);
      if (!result) return failed(result.error());
      count(&LifecycleCounters::expired);
      if (result->delete_marker) count(&LifecycleCounters::markers_written);
      return;
    }
    case LifecycleActionKind::kRemoveExpiredMarker:
    case LifecycleActionKind::kExpireNoncurrent: {
      DeleteOptions options;
      options.version_id = action.version_id;
      auto result = store_.DeleteObject(bucket, key, options);
      if (!result) return failed(result.error());
      count(action.kind == LifecycleActionKind::kRemoveExpiredMarker
                ? &LifecycleCounters::markers_removed
                : &LifecycleCounters::noncurrent_expired);
      return;
    }
    case LifecycleActionKind::kTransitionCurrent:
    case LifecycleActionKind::kTransitionNoncurrent: {
      // This thread stays at normal priority (it commits under key locks and may lead a journal
      // group commit); TransitionVersion copies the data on a background-priority thread of its
      // own and comes back here to commit. `stop` is polled there: an atomic load.
      TransitionOptions options;
      options.max_bytes_per_second = options_.transition_bytes_per_second;
      options.busy_bytes_per_second = options_.transition_busy_bytes_per_second;
      options.foreground_busy = options_.foreground_busy;
      options.stop = [this] { return stopping(); };
      auto info =
          store_.TransitionVersion(bucket, key, action.version_id, action.storage_class, options);
      if (!info) return failed(info.error());
      count(&LifecycleCounters::transitions);
      count(&LifecycleCounters::transition_bytes, info->size);
      return;
    }
  }
}

}  // namespace strata::storage
