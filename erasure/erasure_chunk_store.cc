// The chunk store: routes blobs to a tier's erasure set and hands out writers and readers; owns
// the drives' identity verdicts, the heal queue with its healer thread, and the scrubber.
// Tiers are immutable after construction; a drive slot goes on- or offline through its
// SlotDrive's atomic flag, so reads and writes take no store-wide lock.
#include <array>
#include <atomic>
#include <condition_variable>
#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <unordered_set>
#include <vector>

#include "erasure/blob_id.h"
#include "erasure/blob_reader.h"
#include "erasure/blob_writer.h"
#include "erasure/chunk_store.h"
#include "erasure/heal.h"
#include "erasure/placement.h"
#include "erasure/shard_format.h"
#include "erasure/slot_drive.h"
#include "erasure/thread_name.h"
#include "erasure/throttle.h"
#include "erasure/tier.h"

namespace strata::erasure {
namespace {

constexpr char kIdChars[] = "0123456789abcdefghijklmnopqrstuvwxyz";

struct AtomicCounters {
  std::atomic<uint64_t> blobs_scanned{0}, blobs_healed{0}, blobs_unrecoverable{0},
      blobs_heal_failed{0}, shards_rewritten{0}, bytes_read{0}, bytes_written{0},
      temp_files_removed{0}, heal_queued{0}, heal_dropped{0}, scrub_passes{0}, orphans_reclaimed{0};
};

class ErasureChunkStore final : public ChunkStore, public DamageSink {
 public:
  ErasureChunkStore(std::vector<std::unique_ptr<Tier>> tiers,
                    std::vector<std::vector<SlotDrive*>> slots, ChunkStoreOptions options)
      : tiers_(std::move(tiers)),
        slots_(std::move(slots)),
        options_(std::move(options)),
        heal_throttle_(options_.heal_bytes_per_second),
        scrub_throttle_(options_.scrub.max_bytes_per_second) {}

  ~ErasureChunkStore() override { StopBackgroundWork(); }

  // Identity check at open; sets every slot's online flag. Returns true if a drive was
  // formatted fresh in a set whose other drives already held a format record (a replacement).
  Result<bool> CheckIdentities(bool initial) {
    std::vector<DriveSlot> slots;
    for (size_t t = 0; t < tiers_.size(); ++t) {
      const Tier& tier = *tiers_[t];
      for (uint32_t d = 0; d < slots_[t].size(); ++d) {
        slots.push_back(DriveSlot{slots_[t][d], tier.name, tier.k, tier.m, d / tier.set_width(),
                                  d % tier.set_width()});
      }
    }
    std::vector<DriveStatus> statuses;
    bool replaced = false;
    if (options_.check_drive_identity) {
      std::string deployment;
      auto checked = CheckDriveIdentities(slots, initial ? options_.deployment_id : deployment_id(),
                                          initial, &deployment);
      if (!checked) return Result<bool>(boost::system::in_place_error, checked.error());
      statuses = std::move(*checked);
      {
        std::lock_guard<std::mutex> lock(status_mu_);
        deployment_id_ = deployment;
      }
      for (size_t i = 0; i < statuses.size(); ++i) {
        if (statuses[i].state != DriveState::kFormatted) continue;
        for (size_t j = 0; j < statuses.size(); ++j) {
          if (slots[j].tier == slots[i].tier && slots[j].set_index == slots[i].set_index &&
              statuses[j].state == DriveState::kOnline) {
            replaced = true;
          }
        }
      }
    } else {
      for (const DriveSlot& slot : slots) {
        DriveStatus st;
        st.path = slot.drive->path();
        st.tier = slot.tier;
        st.set_index = slot.set_index;
        st.position = slot.position;
        statuses.push_back(std::move(st));
      }
    }
    for (size_t i = 0; i < slots.size(); ++i) {
      static_cast<SlotDrive*>(slots[i].drive)->set_online(statuses[i].online());
    }
    std::lock_guard<std::mutex> lock(status_mu_);
    statuses_ = std::move(statuses);
    return replaced;
  }

  void StartBackground(bool scrub_now) {
    if (options_.start_healer) {
      healer_ = std::thread([this] {
        NameThisThread("healer");
        HealerLoop();
      });
    }
    if (options_.scrub_interval.count() > 0) {
      scrubber_ = std::thread([this, scrub_now] {
        NameThisThread("scrubber");
        ScrubberLoop(scrub_now);
      });
    }
  }

  Result<std::unique_ptr<BlobWriter>> Create(const Placement& placement) override {
    const Tier* tier = FindTier(placement.tier);
    if (tier == nullptr) return make_error_code(Errc::kUnknownTier);
    if (placement.label.size() > kMaxLabelSize) return make_error_code(Errc::kInvalidArgument);
    auto id = NewBlobId();
    if (!id) return id.error();
    const uint32_t set = ChooseErasureSet(placement.placement_key, tier->num_sets());
    return StartBlobWriter(*tier, set, std::move(*id), placement.label);
  }

  Result<std::unique_ptr<BlobReader>> Open(const BlobRef& ref) override {
    auto tier = Check(ref);
    if (!tier) return tier.error();
    return OpenBlobReader(**tier, ref, options_.start_healer ? this : nullptr);
  }

  boost::system::error_code Delete(const BlobRef& ref) override {
    auto tier = Check(ref);
    if (!tier) return tier.error();
    std::lock_guard<std::mutex> lock(BlobLock(ref.blob_id));
    // Best effort by contract: a shard on an unreachable drive becomes an orphan, which the
    // scrubber reports later; failing the delete would not make it go away sooner.
    for (uint32_t i = 0; i < (*tier)->set_width(); ++i) {
      (void)(*tier)->drive(ref.set_index, i).DeleteChunk(ChunkId{ref.blob_id, i});
    }
    return {};
  }

  bool HasTier(std::string_view tier) const override { return FindTier(tier) != nullptr; }

  Result<HealReport> HealBlob(const BlobRef& ref) override {
    auto tier = Check(ref);
    if (!tier) return tier.error();
    return Heal(**tier, ref, HealOptions{});
  }

  Result<ScrubReport> ScrubAll(const ScrubOptions& options,
                               const ScrubProgress& progress) override {
    std::lock_guard<std::mutex> pass_lock(scrub_mu_);
    Throttle throttle(options.max_bytes_per_second);
    {
      std::lock_guard<std::mutex> lock(throttles_mu_);
      if (stopping_) return make_error_code(boost::system::errc::operation_canceled);
      active_throttles_.insert(&throttle);
    }
    auto result = ScrubPass(options, progress, throttle);
    std::lock_guard<std::mutex> lock(throttles_mu_);
    active_throttles_.erase(&throttle);
    return result;
  }

  MaintenanceCounters Counters() const override {
    MaintenanceCounters c;
    c.blobs_scanned = counters_.blobs_scanned;
    c.blobs_healed = counters_.blobs_healed;
    c.blobs_unrecoverable = counters_.blobs_unrecoverable;
    c.blobs_heal_failed = counters_.blobs_heal_failed;
    c.shards_rewritten = counters_.shards_rewritten;
    c.bytes_read = counters_.bytes_read;
    c.bytes_written = counters_.bytes_written;
    c.temp_files_removed = counters_.temp_files_removed;
    c.heal_queued = counters_.heal_queued;
    c.heal_dropped = counters_.heal_dropped;
    c.scrub_passes = counters_.scrub_passes;
    c.orphans_reclaimed = counters_.orphans_reclaimed;
    return c;
  }

  std::vector<DriveStatus> DriveStatuses() const override {
    std::lock_guard<std::mutex> lock(status_mu_);
    return statuses_;
  }

  void StopBackgroundWork() override {
    {
      std::lock_guard<std::mutex> lock(throttles_mu_);
      stopping_ = true;
      for (Throttle* t : active_throttles_) t->Stop();
    }
    {
      std::lock_guard<std::mutex> lock(queue_mu_);
      stopping_queue_ = true;
      queue_.clear();
    }
    queue_cv_.notify_all();
    heal_throttle_.Stop();
    scrub_throttle_.Stop();
    if (healer_.joinable()) healer_.join();
    if (scrubber_.joinable()) scrubber_.join();
  }

  // DamageSink: called inline by readers. Queues the blob unless its damage is on a drive that
  // is offline (nothing could be written there) or the queue is full.
  void ReportDamage(const BlobRef& ref, uint32_t shard_index) override {
    const Tier* tier = FindTier(ref.tier);
    if (tier == nullptr) return;
    const auto& slots = slots_[TierIndex(tier)];
    const size_t d = size_t{ref.set_index} * tier->set_width() + shard_index;
    if (d >= slots.size() || !slots[d]->online()) return;
    {
      std::lock_guard<std::mutex> lock(queue_mu_);
      if (stopping_queue_ || queued_.count(ref.blob_id)) return;
      if (queue_.size() >= options_.heal_queue_capacity) {
        ++counters_.heal_dropped;  // the scrubber will find it
        return;
      }
      queued_.insert(ref.blob_id);
      queue_.push_back(ref);
      ++counters_.heal_queued;
    }
    queue_cv_.notify_one();
  }

 private:
  const Tier* FindTier(std::string_view name) const {
    for (const auto& t : tiers_) {
      if (t->name == name) return t.get();
    }
    return nullptr;
  }
  size_t TierIndex(const Tier* tier) const {
    for (size_t i = 0; i < tiers_.size(); ++i) {
      if (tiers_[i].get() == tier) return i;
    }
    return 0;
  }

  std::string deployment_id() const {
    std::lock_guard<std::mutex> lock(status_mu_);
    return deployment_id_;
  }

  // The tier of ref, if ref is consistent with it (refs come from stored metadata: check them).
  Result<const Tier*> Check(const BlobRef& ref) const {
    const Tier* tier = FindTier(ref.tier);
    if (tier == nullptr) return make_error_code(Errc::kUnknownTier);
    if (!IsValidBlobId(ref.blob_id) || ref.data_shards != tier->k || ref.parity_shards != tier->m ||
        ref.set_index >= tier->num_sets() || ref.block_size == 0 ||
        ref.block_size > kMaxBlockSize) {
      return make_error_code(Errc::kInvalidArgument);
    }
    return tier;
  }

  // Heal and Delete of one blob are serialised, so a heal never writes shards of a blob that
  // was deleted meanwhile. Striped: blobs sharing a stripe merely wait for each other.
  std::mutex& BlobLock(const std::string& blob_id) {
    return blob_locks_[StableHash64(blob_id) % blob_locks_.size()];
  }

  Result<HealReport> Heal(const Tier& tier, const BlobRef& ref, const HealOptions& options) {
    Result<HealReport> report = make_error_code(Errc::kNotFound);
    {
      std::lock_guard<std::mutex> lock(BlobLock(ref.blob_id));
      report = HealShards(tier, ref, options);
    }
    if (report) {
      counters_.bytes_read += report->bytes_read;
      counters_.bytes_written += report->bytes_written;
      counters_.shards_rewritten += report->rewritten.size();
      if (report->damaged() && !options.dry_run) {
        if (report->healthy()) {
          ++counters_.blobs_healed;
        } else {
          ++counters_.blobs_heal_failed;
        }
      }
    } else if (report.error() == make_error_code(Errc::kReadQuorumLost)) {
      ++counters_.blobs_unrecoverable;
    }
    return report;
  }

  void HealerLoop() {
    // Heals readers' reports at the rate heal_throttle_ allows, and only with what the
    // foreground leaves over.
    LowerThreadPriorityForBackgroundWork();
    while (true) {
      BlobRef ref;
      {
        std::unique_lock<std::mutex> lock(queue_mu_);
        queue_cv_.wait(lock, [&] { return stopping_queue_ || !queue_.empty(); });
        if (stopping_queue_) return;
        ref = std::move(queue_.front());
        queue_.pop_front();
      }
      // Still in queued_ while healing: readers finding the same damage meanwhile do not
      // queue it again.
      if (auto tier = Check(ref)) {
        HealOptions options;
        options.throttle = &heal_throttle_;
        (void)Heal(**tier, ref, options);
      }
      std::lock_guard<std::mutex> lock(queue_mu_);
      queued_.erase(ref.blob_id);
    }
  }

  void ScrubberLoop(bool scrub_now) {
    LowerThreadPriorityForBackgroundWork();
    if (!scrub_now && !scrub_throttle_.SleepFor(options_.scrub_interval)) return;
    while (!scrub_throttle_.stopped()) {
      (void)ScrubAll(options_.scrub, nullptr);
      if (!scrub_throttle_.SleepFor(options_.scrub_interval)) return;
    }
  }

  Result<ScrubReport> ScrubPass(const ScrubOptions& options, const ScrubProgress& progress,
                                Throttle& throttle) {
    ScrubReport report;
    auto rechecked = CheckIdentities(/*initial=*/false);
    if (!rechecked) return rechecked.error();
    report.drives = DriveStatuses();
    for (const auto& tier_slots : slots_) {
      for (SlotDrive* drive : tier_slots) {
        auto removed = drive->RemoveStaleTemp(options.temp_max_age);
        if (removed) report.temp_files_removed += *removed;
      }
    }
    counters_.temp_files_removed += report.temp_files_removed;
    const auto young = std::chrono::system_clock::now() - options.grace;
    for (const auto& tier_ptr : tiers_) {
      const Tier& tier = *tier_ptr;
      for (uint32_t set = 0; set < tier.num_sets(); ++set) {
        for (char a : std::string_view(kIdChars)) {
          for (char b : std::string_view(kIdChars)) {
            if (throttle.stopped()) return make_error_code(boost::system::errc::operation_canceled);
            const std::string prefix{a, b};
            // Shards of this prefix on every drive of the set, grouped by blob (bounded: one
            // prefix directory at a time).
            std::map<std::string, std::vector<uint32_t>> blobs;
            std::map<std::string, std::chrono::system_clock::time_point> newest;
            for (uint32_t i = 0; i < tier.set_width(); ++i) {
              auto listed = tier.drive(set, i).ListChunks(prefix);
              if (!listed) continue;  // offline or unsupported: its shards count as missing
              for (const ChunkInfo& info : *listed) {
                if (info.id.shard_index != i) continue;  // a stray file: not this slot's shard
                blobs[info.id.blob_id].push_back(i);
                auto& t = newest[info.id.blob_id];
                t = std::max(t, info.modified);
              }
            }
            for (const auto& [blob_id, indexes] : blobs) {
              ScrubBlob blob;
              blob.blob_id = blob_id;
              blob.tier = tier.name;
              blob.set_index = set;
              ScrubOne(tier, set, indexes, newest[blob_id] > young, options, throttle, blob,
                       report);
              if (progress && !progress(blob, report)) return report;
            }
          }
        }
      }
    }
    ++counters_.scrub_passes;
    return report;
  }

  void ScrubOne(const Tier& tier, uint32_t set, const std::vector<uint32_t>& indexes, bool young,
                const ScrubOptions& options, Throttle& throttle, ScrubBlob& blob,
                ScrubReport& report) {
    using Outcome = ScrubBlob::Outcome;
    if (young) {
      blob.outcome = Outcome::kSkipped;
      ++report.blobs_skipped;
      return;
    }
    ++report.blobs_scanned;
    ++counters_.blobs_scanned;
    uint64_t described_bytes = 0;
    auto ref = DescribeBlob(tier, set, blob.blob_id, indexes, &blob.label, &described_bytes);
    report.bytes_read += described_bytes;
    counters_.bytes_read += described_bytes;
    if (!ref) {
      blob.outcome = Outcome::kUnrecoverable;
      ++report.blobs_unrecoverable;
      ++counters_.blobs_unrecoverable;
      return;
    }
    blob.size = ref->size;
    // Orphans first: healing a blob nothing references would only waste I/O (and a crash
    // mid-commit may have left it below k shards, which heal would call unrecoverable).
    if (options.is_referenced && !blob.label.empty() && !options.is_referenced(blob)) {
      blob.outcome = Outcome::kOrphan;
      ++report.orphans_found;
      if (!options.dry_run) {
        (void)Delete(*ref);  // best effort: shards on unreachable drives wait for a later pass
        ++report.orphans_reclaimed;
        ++counters_.orphans_reclaimed;
      }
      return;
    }
    HealOptions heal_options;
    heal_options.dry_run = options.dry_run;
    heal_options.throttle = &throttle;
    auto healed = Heal(tier, *ref, heal_options);
    if (!healed) {
      if (healed.error() == make_error_code(Errc::kNotFound) ||  // deleted meanwhile
          healed.error() == make_error_code(boost::system::errc::operation_canceled)) {
        blob.outcome = Outcome::kSkipped;
        ++report.blobs_skipped;
        --report.blobs_scanned;
        return;
      }
      blob.outcome = Outcome::kUnrecoverable;
      ++report.blobs_unrecoverable;
      return;
    }
    blob.report = std::move(*healed);
    report.bytes_read += blob.report.bytes_read;
    report.bytes_written += blob.report.bytes_written;
    report.shards_rewritten += blob.report.rewritten.size();
    if (!blob.report.damaged()) {
      blob.outcome = Outcome::kHealthy;
      ++report.blobs_healthy;
    } else if (blob.report.healthy()) {
      blob.outcome = Outcome::kHealed;
      ++report.blobs_healed;
    } else {
      blob.outcome = Outcome::kHealFailed;
      ++report.blobs_heal_failed;
    }
  }

  const std::vector<std::unique_ptr<Tier>> tiers_;
  const std::vector<std::vector<SlotDrive*>> slots_;  // per tier, the drives of tiers_ in order
  const ChunkStoreOptions options_;

  mutable std::mutex status_mu_;
  std::vector<DriveStatus> statuses_;  // GUARDED_BY(status_mu_)
  std::string deployment_id_;          // GUARDED_BY(status_mu_)

  std::array<std::mutex, 64> blob_locks_;

  std::mutex queue_mu_;
  std::condition_variable queue_cv_;
  std::deque<BlobRef> queue_;               // GUARDED_BY(queue_mu_)
  std::unordered_set<std::string> queued_;  // GUARDED_BY(queue_mu_): queued or being healed
  bool stopping_queue_ = false;             // GUARDED_BY(queue_mu_)

  std::mutex scrub_mu_;  // one scrub pass at a time
  std::mutex throttles_mu_;
  std::set<Throttle*> active_throttles_;  // GUARDED_BY(throttles_mu_): running ScrubAll passes
  bool stopping_ = false;                 // GUARDED_BY(throttles_mu_)

  Throttle heal_throttle_;
  Throttle scrub_throttle_;  // paces the background scrubber's sleeps (its passes own theirs)
  AtomicCounters counters_;
  std::thread healer_;
  std::thread scrubber_;
};

}  // namespace

Result<std::unique_ptr<ChunkStore>> NewErasureChunkStore(std::vector<TierSpec> specs,
                                                         ChunkStoreOptions options) {
  const auto invalid = make_error_code(Errc::kInvalidArgument);
  std::vector<std::unique_ptr<Tier>> tiers;
  std::vector<std::vector<SlotDrive*>> slots;
  std::set<std::string> names;
  for (TierSpec& spec : specs) {
    if (spec.name.empty() || spec.name.size() > kMaxTierNameSize ||
        !names.insert(spec.name).second) {
      return invalid;
    }
    if (spec.block_size == 0 || spec.block_size > kMaxBlockSize) return invalid;
    const uint64_t width = uint64_t{spec.data_shards} + spec.parity_shards;
    if (spec.data_shards < 1 || width > 255) return invalid;
    if (spec.drives.empty() || spec.drives.size() % width != 0) return invalid;
    for (const auto& d : spec.drives) {
      if (d == nullptr) return invalid;
    }
    auto codec =
        Codec::Create(static_cast<int>(spec.data_shards), static_cast<int>(spec.parity_shards));
    if (!codec) return codec.error();
    auto tier = std::make_unique<Tier>();
    tier->name = std::move(spec.name);
    tier->k = spec.data_shards;
    tier->m = spec.parity_shards;
    tier->block_size = spec.block_size;
    tier->codec = std::move(*codec);
    std::vector<SlotDrive*> tier_slots;
    for (auto& d : spec.drives) {
      auto slot = std::make_unique<SlotDrive>(std::move(d));
      tier_slots.push_back(slot.get());
      tier->drives.push_back(std::move(slot));
    }
    slots.push_back(std::move(tier_slots));
    tiers.push_back(std::move(tier));
  }
  auto store =
      std::make_unique<ErasureChunkStore>(std::move(tiers), std::move(slots), std::move(options));
  auto replaced = store->CheckIdentities(/*initial=*/true);
  if (!replaced) return replaced.error();
  store->StartBackground(/*scrub_now=*/*replaced);
  return std::unique_ptr<ChunkStore>(std::move(store));
}

}  // namespace strata::erasure
