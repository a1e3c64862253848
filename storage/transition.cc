// ObjectStoreImpl::TransitionVersion: moves one version's data to another tier.
//
// Order (the same shape as Put): read the record, copy the data into new blobs on the target
// tier outside every lock (throttled, stoppable), commit them, then under the bucket (shared)
// and key (exclusive) locks re-read the version. Only if it still references the data that was
// copied is the updated record written (v/, and o/ when it is the latest) in one batch; the old
// data is then retired like an overwritten version's (blobs at once, since open readers pinned
// their shards; part blobs when the last pinned reader closes). Otherwise the copy is deleted
// and the caller hears kPreconditionFailed. A crash between the blob commit and the record
// write leaves unreferenced blobs for the scrubber, never a torn object.
//
// Priority (issue 8: background work may cost the foreground GET p99 at most 20 %): the copy -
// reading and verifying the source, encoding, writing and committing the new shards - runs on a
// thread of its own lowered to background priority (SCHED_IDLE, best-effort I/O 7), whose
// writer jobs therefore run on erasure's background pool too; the calling thread waits for it.
// Everything that takes a lock a request can wait on stays on the calling thread at its own
// priority: resolving the version (index reads), the switch under the bucket and key locks and
// the journal write, retiring the old data and discarding copies (chunk deletes take erasure's
// per-blob lock stripes, which DELETEs share). The copy itself takes no storage lock; in erasure
// it touches only short critical sections that requests share too (the stripe buffer pool's
// free list; a damage report to the healer queue on a bad source block), a risk heal and scrub
// already take.
//
// Rate: priority alone does not keep the cost down. With the copy at SCHED_IDLE, a 4 KiB GET
// loop on 2 cores still saw its p99 rise +51 % at ~38 MB/s of transitions: woken request
// threads queue on one core while the other runs background work (perf sched: their scheduling
// delays overlap erasure-bg, transition and reaper time). The cost follows the rate (+23 % at
// 13 MB/s, median +11.5 % at 8), so the Pacer drops to busy_bytes_per_second while the
// foreground is busy (tools/bench/background_bench.py).
#include <algorithm>
#include <chrono>
#include <system_error>
#include <thread>

#include "erasure/thread_name.h"
#include "storage/lifecycle.h"
#include "storage/metadata_keys.h"
#include "storage/object_record.h"
#include "storage/object_store_impl.h"

namespace strata::storage {
namespace {

boost::system::error_code Err(Errc e) { return make_error_code(e); }

constexpr size_t kCopyBufferBytes = 1 << 20;

// Paces a copy to max_bytes_per_second, or busy_bytes_per_second while the foreground is busy,
// and polls `stop` while it waits. Each chunk is due `n / rate` after the previous one, so the
// copy's own work counts toward the pause; a copy that fell further behind than one chunk's
// time (a stall) restarts from now instead of catching up in a burst. A change of rate takes
// effect at the next chunk.
class Pacer {
 public:
  explicit Pacer(const TransitionOptions& options)
      : options_(options), next_(std::chrono::steady_clock::now()) {}

  // Accounts `n` more bytes; sleeps until they are within the budget. False: stop requested.
  bool Account(uint64_t n) {
    if (Stopped()) return false;
    const uint64_t rate = Rate();
    if (rate == 0) return true;
    const auto chunk_time = std::chrono::nanoseconds(
        static_cast<int64_t>(static_cast<double>(n) * 1e9 / static_cast<double>(rate)));
    next_ = std::max(next_, std::chrono::steady_clock::now() - chunk_time) + chunk_time;
    // Sleep in short slices so a stop request is honoured promptly.
    while (std::chrono::steady_clock::now() < next_) {
      auto left = next_ - std::chrono::steady_clock::now();
      std::this_thread::sleep_for(
          std::min<std::chrono::steady_clock::duration>(left, std::chrono::milliseconds(20)));
      if (Stopped()) return false;
    }
    return true;
  }
  bool Stopped() const { return options_.stop && options_.stop(); }

 private:
  // The lower of the limits that apply now; 0: none.
  uint64_t Rate() const {
    uint64_t rate = options_.max_bytes_per_second;
    const uint64_t busy = options_.busy_bytes_per_second;
    if (busy != 0 && (rate == 0 || busy < rate) && options_.foreground_busy &&
        options_.foreground_busy()) {
      rate = busy;
    }
    return rate;
  }

  const TransitionOptions& options_;
  std::chrono::steady_clock::time_point next_;
};

// The record as the index stores it: kParts records hold their part list in `parts` after
// decoding, and the encoding takes it from `payload`.
std::string EncodeForWrite(ObjectRecord record) {
  if (record.payload_kind == PayloadKind::kParts) record.payload = EncodePartList(record.parts);
  return EncodeObjectRecord(record);
}

// The bytes that identify a version's data: equal iff the record references the same data.
std::string DataIdentity(const ObjectRecord& r) {
  std::string id = r.sort_id;
  id.push_back(static_cast<char>(r.payload_kind));
  id += r.payload_kind == PayloadKind::kParts ? EncodePartList(r.parts) : r.payload;
  return id;
}

// Copies the blob `encoded` into a new committed blob at `placement`.
Result<erasure::BlobRef> CopyBlob(erasure::ChunkStore& chunks, const std::string& encoded,
                                  const erasure::Placement& placement, Pacer& pacer) {
  auto ref = erasure::BlobRef::Decode(encoded);
  if (!ref) return Err(Errc::kCorrupt);
  auto reader = chunks.Open(*ref);
  if (!reader) return reader.error();
  auto writer = chunks.Create(placement);
  if (!writer) return writer.error();
  std::vector<std::byte> buffer(kCopyBufferBytes);
  const uint64_t size = (*reader)->size();
  for (uint64_t offset = 0; offset < size;) {
    auto n = (*reader)->ReadAt(offset, buffer);
    if (!n) return n.error();
    if (*n == 0) return Err(Errc::kCorrupt);  // shorter than it claims
    if (auto ec = (*writer)->Append(std::span(buffer).first(*n))) return ec;
    offset += *n;
    if (!pacer.Account(*n)) return Err(Errc::kPreconditionFailed);  // abandoned: uncommitted
  }
  return (*writer)->Commit();
}

// Runs `work` on a new thread lowered to background priority and waits for it. A thread per
// call (not a job on erasure's background pool): the work waits for its writer's jobs, and jobs
// must never wait for jobs. Starting a thread is small beside a copy's shard commits. If no
// thread can be started, runs `work` here at this thread's priority.
template <typename Work>
void RunAtBackgroundPriority(Work& work) {
  std::thread thread;
  try {
    thread = std::thread([&work] {
      erasure::NameThisThread("transition");
      (void)erasure::LowerThreadPriorityForBackgroundWork();  // refused: normal priority
      work();
    });
  } catch (const std::system_error&) {
    work();
    return;
  }
  thread.join();
}

}  // namespace

Result<ObjectInfo> ObjectStoreImpl::TransitionVersion(const std::string& bucket,
                                                      const std::string& key,
                                                      const std::string& version_id,
                                                      const std::string& storage_class,
                                                      const TransitionOptions& options) {
  auto tier = options_.storage_class_tiers.find(storage_class);
  if (tier == options_.storage_class_tiers.end()) return Err(Errc::kInvalidStorageClass);
  if (version_id.empty()) return Err(Errc::kInvalidArgument);
  if (auto ec = ValidateObjectKey(key)) return ec;
  auto loaded = ResolveVersion(bucket, key, version_id, /*allow_marker=*/true);
  if (!loaded) return loaded.error();
  ObjectRecord record = std::move(*loaded);
  if (record.delete_marker) return Err(Errc::kMethodNotAllowed);
  const std::string identity = DataIdentity(record);

  // Copy the data that is not on the target tier yet, outside every lock, at background
  // priority (see the top of this file).
  Pacer pacer(options);
  std::vector<erasure::BlobRef> created;  // committed copies; deleted unless the switch lands
  auto discard = [&](boost::system::error_code ec) {
    for (const auto& ref : created) (void)chunks_.Delete(ref);
    return ec;
  };
  auto on_target = [&](const std::string& encoded) {
    auto ref = erasure::BlobRef::Decode(encoded);
    return ref && ref->tier == tier->second;
  };
  ObjectRecord updated = record;
  updated.storage_class = storage_class;
  // What is not on the target tier yet: the blob reference, its placement label, and where
  // the copy's reference goes in the updated record (part entries are never added or removed,
  // so the pointers stay valid).
  struct PendingCopy {
    std::string source;
    std::string label;
    std::string* target;
  };
  std::vector<PendingCopy> pending;
  if (record.payload_kind == PayloadKind::kBlob && !on_target(record.payload)) {
    pending.push_back(
        {record.payload, EncodeBlobLabel(bucket, key, record.version_id), &updated.payload});
  } else if (record.payload_kind == PayloadKind::kParts) {
    for (PartEntry& part : updated.parts.parts) {
      if (part.kind != PayloadKind::kBlob || on_target(part.data)) continue;
      pending.push_back(
          {part.data, EncodePartBlobLabel(bucket, key, updated.parts.upload_id, part.part_number),
           &part.data});
    }
  }
  boost::system::error_code copy_error;
  auto copy_all = [&] {
    for (PendingCopy& p : pending) {
      erasure::Placement placement{tier->second, bucket + "/" + key, std::move(p.label)};
      auto copy = CopyBlob(chunks_, p.source, placement, pacer);
      if (!copy) {
        copy_error = copy.error();
        return;
      }
      created.push_back(*copy);
      *p.target = copy->Encode();
    }
  };
  if (!pending.empty()) RunAtBackgroundPriority(copy_all);  // inline data: no thread to start
  // Back at this thread's priority: discarding deletes blobs.
  if (copy_error) return discard(copy_error);
  if (pacer.Stopped()) return discard(Err(Errc::kPreconditionFailed));

  // Switch the record if it still references what was copied.
  const std::string record_key = ObjectRecordKey(bucket, key);
  {
    std::shared_lock bucket_lock(BucketLock(bucket));
    std::unique_lock key_lock(KeyLock(record_key));
    auto found = FindVersion(bucket, key, record.version_id);
    if (!found) return discard(found.error());
    if (!*found || DataIdentity(**found) != identity) {
      return discard(Err(Errc::kPreconditionFailed));
    }
    // Tags, retention and legal hold may have changed since the copy began: keep the current
    // ones, change only the class and the data.
    ObjectRecord current = std::move(**found);
    ObjectRecord next = current;
    next.storage_class = storage_class;
    next.payload = updated.payload;
    next.parts = updated.parts;
    const std::string encoded = EncodeForWrite(next);
    WriteBatch batch;
    if (!next.sort_id.empty()) batch.Put(VersionRecordKey(bucket, key, next.sort_id), encoded);
    auto latest = ReadCurrent(record_key);
    if (!latest) return discard(latest.error());
    if (latest->record && latest->record->sort_id == next.sort_id) batch.Put(record_key, encoded);
    // A failed write leaves the copies for the scrubber (LevelDB may have logged the batch).
    if (auto ec = metadata_.Write(batch)) return ec;
    updated = std::move(next);
  }
  if (!created.empty()) {
    // Retire exactly the replaced data: the old record minus what was kept (blobs already on the
    // target tier and inline parts).
    ObjectRecord old = std::move(record);
    if (old.payload_kind == PayloadKind::kParts) {
      std::vector<PartEntry> moved;
      for (size_t i = 0; i < old.parts.parts.size(); ++i) {
        if (old.parts.parts[i].data != updated.parts.parts[i].data) {
          moved.push_back(std::move(old.parts.parts[i]));
        }
      }
      old.parts.parts = std::move(moved);
    }
    Retire(old);
  }
  return ToObjectInfo(bucket, key, std::move(updated));
}

}  // namespace strata::storage
