// Verifying reader. Reads only the data blocks a range needs; touches other shards only when a
// needed block is missing, unreadable or fails its CRC, and then rebuilds it from any k good
// blocks of the stripe. The blocks of the last stripe touched stay cached for sequential reads.
#include "erasure/blob_reader.h"

#include <algorithm>
#include <array>
#include <cstring>
#include <vector>

#include "erasure/crc32c.h"
#include "erasure/shard_format.h"

namespace strata::erasure {
namespace {

// First read of a shard header; long labels need a second read.
constexpr size_t kHeaderProbeSize = 4096;

uint32_t LoadLe32(const std::byte* p) {
  return static_cast<uint32_t>(p[0]) | static_cast<uint32_t>(p[1]) << 8 |
         static_cast<uint32_t>(p[2]) << 16 | static_cast<uint32_t>(p[3]) << 24;
}

class ErasureBlobReader final : public BlobReader {
 public:
  ErasureBlobReader(const Tier& tier, const BlobRef& ref,
                    std::vector<std::unique_ptr<ChunkReader>> chunks, DamageSink* sink)
      : tier_(tier),
        sink_(sink),
        ref_(ref),
        layout_(ref.data_shards, ref.block_size, ref.size),
        shards_(chunks.size()),
        have_(chunks.size(), 0),
        tried_(chunks.size(), 0) {
    for (size_t i = 0; i < chunks.size(); ++i) {
      shards_[i].chunk = std::move(chunks[i]);
      if (shards_[i].chunk == nullptr) Damaged(static_cast<uint32_t>(i));
    }
  }

  uint64_t size() const override { return ref_.size; }

  Result<size_t> ReadAt(uint64_t offset, std::span<std::byte> out) override {
    if (offset >= ref_.size || out.empty()) return size_t{0};
    const uint64_t n = std::min<uint64_t>(out.size(), ref_.size - offset);
    uint64_t done = 0;
    while (done < n) {
      const uint64_t pos = offset + done;
      const uint64_t s = pos / layout_.stripe_bytes();
      const uint64_t a = pos - s * layout_.stripe_bytes();  // range [a, b) within the stripe
      const uint64_t b = std::min(layout_.StripeDataLength(s), a + (n - done));
      const uint64_t len = layout_.BlockLength(s);
      const uint32_t lo = static_cast<uint32_t>(a / len);
      const uint32_t hi = static_cast<uint32_t>((b - 1) / len);
      // Blocks the range covers whole are read straight into `out` (no copy through the stripe
      // buffer) when they verify; the rest, and any that fail, go through LoadBlocks.
      uint32_t first_slow = UINT32_MAX, last_slow = 0;
      for (uint32_t j = lo; j <= hi; ++j) {
        const uint64_t from = std::max<uint64_t>(a, j * len);
        const uint64_t to = std::min<uint64_t>(b, (j + 1) * len);
        const bool whole = from == j * len && to == (j + 1) * len;
        const bool cached = cached_stripe_ == s && have_[j];
        if (whole && !cached && ReadDirect(j, s, len, out.data() + done + (from - a))) continue;
        first_slow = std::min(first_slow, j);
        last_slow = j;
      }
      if (first_slow != UINT32_MAX) {
        if (auto ec = LoadBlocks(s, len, first_slow, last_slow)) return ec;
        for (uint32_t j = first_slow; j <= last_slow; ++j) {
          const uint64_t from = std::max<uint64_t>(a, j * len);
          const uint64_t to = std::min<uint64_t>(b, (j + 1) * len);
          std::memcpy(out.data() + done + (from - a), Slot(j) + (from - j * len), to - from);
        }
      }
      done += b - a;
    }
    return static_cast<size_t>(n);
  }

 private:
  struct Shard {
    std::unique_ptr<ChunkReader> chunk;  // null: could not be opened
    bool checked = false;                // header verified
    bool bad = false;                    // header or size wrong: never use
    bool reported = false;               // told the damage sink
    uint64_t header_length = 0;
  };

  std::byte* Slot(uint32_t i) { return buffer_.data() + size_t{i} * slot_stride_; }

  // Makes data blocks [lo, hi] of stripe s valid in the buffer, rebuilding them if needed.
  boost::system::error_code LoadBlocks(uint64_t s, uint64_t len, uint32_t lo, uint32_t hi) {
    if (buffer_.empty()) {
      // Stripe 0 has the longest blocks: block_size, or the whole blob if it is one short stripe.
      slot_stride_ = layout_.BlockLength(0) + kBlockCrcSize;
      buffer_.resize(slot_stride_ * shards_.size());
    }
    if (cached_stripe_ != s) {
      std::fill(have_.begin(), have_.end(), 0);
      std::fill(tried_.begin(), tried_.end(), 0);
      cached_stripe_ = s;
    }
    bool missing = false;
    for (uint32_t j = lo; j <= hi; ++j) {
      if (!have_[j] && !tried_[j]) {
        tried_[j] = 1;
        have_[j] = TryLoad(j, s, len);
      }
      if (!have_[j]) missing = true;
    }
    if (!missing) return {};

    // Degraded read: gather k good blocks (other data shards first, then parity).
    const uint32_t k = ref_.data_shards;
    uint32_t good = static_cast<uint32_t>(std::count(have_.begin(), have_.end(), 1));
    for (uint32_t i = 0; i < shards_.size() && good < k; ++i) {
      if (have_[i] || tried_[i]) continue;
      tried_[i] = 1;
      have_[i] = TryLoad(i, s, len);
      if (have_[i]) ++good;
    }
    if (good < k) return make_error_code(Errc::kReadQuorumLost);
    std::vector<std::byte*> ptrs(shards_.size(), nullptr);
    for (uint32_t i = 0; i < shards_.size(); ++i) {
      if (have_[i] || (i >= lo && i <= hi)) ptrs[i] = Slot(i);
    }
    if (auto ec = tier_.codec->Reconstruct(len, ptrs, have_)) return ec;
    for (uint32_t j = lo; j <= hi; ++j) have_[j] = 1;
    return {};
  }

  // Reports shard i to the heal sink, once per reader.
  void Damaged(uint32_t i) {
    if (sink_ == nullptr || shards_[i].reported) return;
    shards_[i].reported = true;
    sink_->ReportDamage(ref_, i);
  }

  bool TryLoad(uint32_t i, uint64_t s, uint64_t len) {
    const bool ok = TryLoadBlock(i, s, len);
    if (!ok) Damaged(i);
    return ok;
  }

  // Whether shard i can be read: present, not known bad, and its header checked (once).
  bool Usable(uint32_t i) {
    Shard& shard = shards_[i];
    if (shard.chunk == nullptr || shard.bad) return false;
    if (!shard.checked) {
      shard.checked = true;
      shard.bad = !CheckHeader(i);
    }
    return !shard.bad;
  }

  // Reads data shard i's block of stripe s straight into dst (len bytes); true only if it
  // passed its CRC. On false, dst holds garbage and the caller takes the verifying slow path,
  // which reads the block again and reports the damage.
  bool ReadDirect(uint32_t i, uint64_t s, uint64_t len, std::byte* dst) {
    if (!Usable(i)) return false;
    Shard& shard = shards_[i];
    std::array<std::byte, kBlockCrcSize> crc;
    const std::span<std::byte> pieces[2] = {std::span(dst, len), crc};
    auto got = shard.chunk->ReadAtGather(layout_.BlockOffset(shard.header_length, s), pieces);
    if (!got || *got != len + kBlockCrcSize) return false;
    return Crc32c(std::span<const std::byte>(dst, len)) == LoadLe32(crc.data());
  }

  // Reads shard i's block of stripe s into its slot; true only if it passed its CRC.
  bool TryLoadBlock(uint32_t i, uint64_t s, uint64_t len) {
    if (!Usable(i)) return false;
    Shard& shard = shards_[i];
    std::byte* slot = Slot(i);
    auto got = shard.chunk->ReadAt(layout_.BlockOffset(shard.header_length, s),
                                   std::span(slot, len + kBlockCrcSize));
    if (!got || *got != len + kBlockCrcSize) return false;
    return Crc32c(std::span<const std::byte>(slot, len)) == LoadLe32(slot + len);
  }

  // Verifies that shard i is this blob's shard i, with the length the blob's size implies.
  bool CheckHeader(uint32_t i) {
    Shard& shard = shards_[i];
    std::vector<std::byte> bytes(std::min<uint64_t>(kHeaderProbeSize, shard.chunk->size()));
    auto got = shard.chunk->ReadAt(0, bytes);
    if (!got) return false;
    bytes.resize(*got);
    auto length = ShardHeaderLength(bytes);
    if (!length) return false;
    if (*length > bytes.size()) {
      const size_t have = bytes.size();
      bytes.resize(*length);
      auto more = shard.chunk->ReadAt(have, std::span(bytes).subspan(have));
      if (!more || *more != *length - have) return false;
    }
    auto header = DecodeShardHeader(std::span(bytes).first(*length));
    if (!header) return false;
    if (header->blob_id != ref_.blob_id || header->tier != ref_.tier ||
        header->data_shards != ref_.data_shards || header->parity_shards != ref_.parity_shards ||
        header->shard_index != i || header->block_size != ref_.block_size) {
      return false;
    }
    shard.header_length = *length;
    return shard.chunk->size() == layout_.ShardFileSize(*length);
  }

  const Tier& tier_;
  DamageSink* const sink_;
  const BlobRef ref_;
  const BlobLayout layout_;
  std::vector<Shard> shards_;
  // The cached stripe: slot i holds shard i's block (+ CRC) of cached_stripe_ when have_[i].
  std::vector<std::byte> buffer_;
  size_t slot_stride_ = 0;
  uint64_t cached_stripe_ = UINT64_MAX;
  std::vector<uint8_t> have_;   // slot i holds good (verified or rebuilt) bytes
  std::vector<uint8_t> tried_;  // shard i was read for cached_stripe_ (and failed if !have_)
};

}  // namespace

Result<std::unique_ptr<BlobReader>> OpenBlobReader(const Tier& tier, const BlobRef& ref,
                                                   DamageSink* sink) {
  // Open every shard now, so later deletes or overwrites cannot change what this reader sees.
  const uint32_t n = tier.set_width();
  std::vector<std::unique_ptr<ChunkReader>> chunks(n);
  uint32_t opened = 0;
  bool all_not_found = true;
  for (uint32_t i = 0; i < n; ++i) {
    auto chunk = tier.drive(ref.set_index, i).OpenChunk(ChunkId{ref.blob_id, i});
    if (chunk) {
      chunks[i] = std::move(*chunk);
      ++opened;
    } else if (chunk.error() != make_error_code(Errc::kNotFound)) {
      all_not_found = false;
    }
  }
  if (opened == 0 && all_not_found) return make_error_code(Errc::kNotFound);
  if (opened < ref.data_shards) return make_error_code(Errc::kReadQuorumLost);
  return std::unique_ptr<BlobReader>(new ErasureBlobReader(tier, ref, std::move(chunks), sink));
}

}  // namespace strata::erasure
