// The chunk store: routes blobs to a tier's erasure set and hands out writers and readers.
// Tiers are immutable after construction, so the store needs no lock of its own.
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "erasure/blob_id.h"
#include "erasure/blob_reader.h"
#include "erasure/blob_writer.h"
#include "erasure/chunk_store.h"
#include "erasure/placement.h"
#include "erasure/shard_format.h"
#include "erasure/tier.h"

namespace strata::erasure {
namespace {

class ErasureChunkStore final : public ChunkStore {
 public:
  explicit ErasureChunkStore(std::vector<std::unique_ptr<Tier>> tiers) : tiers_(std::move(tiers)) {}

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
    return OpenBlobReader(**tier, ref);
  }

  boost::system::error_code Delete(const BlobRef& ref) override {
    auto tier = Check(ref);
    if (!tier) return tier.error();
    // Best effort by contract: a shard on an unreachable drive becomes an orphan, which the
    // scrubber removes later; failing the delete would not make it go away sooner.
    for (uint32_t i = 0; i < (*tier)->set_width(); ++i) {
      (void)(*tier)->drive(ref.set_index, i).DeleteChunk(ChunkId{ref.blob_id, i});
    }
    return {};
  }

  bool HasTier(std::string_view tier) const override { return FindTier(tier) != nullptr; }

 private:
  const Tier* FindTier(std::string_view name) const {
    for (const auto& t : tiers_) {
      if (t->name == name) return t.get();
    }
    return nullptr;
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

  const std::vector<std::unique_ptr<Tier>> tiers_;
};

}  // namespace

Result<std::unique_ptr<ChunkStore>> NewErasureChunkStore(std::vector<TierSpec> specs) {
  const auto invalid = make_error_code(Errc::kInvalidArgument);
  std::vector<std::unique_ptr<Tier>> tiers;
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
    tier->drives = std::move(spec.drives);
    tiers.push_back(std::move(tier));
  }
  return std::unique_ptr<ChunkStore>(new ErasureChunkStore(std::move(tiers)));
}

}  // namespace strata::erasure
