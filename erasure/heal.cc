// Heal of one blob. Two passes: verify everything (a shard can be bad in any one stripe), then
// rewrite only the damaged shards, rebuilding each stripe from blocks that verify again now.
// Memory: one stripe of k+m blocks, whatever the blob size.
#include "erasure/heal.h"

#include <algorithm>
#include <array>
#include <memory>

#include "erasure/crc32c.h"
#include "erasure/shard_format.h"
#include "erasure/slot_drive.h"

namespace strata::erasure {
namespace {

constexpr size_t kHeaderProbeSize = 4096;

uint32_t LoadLe32(const std::byte* p) {
  return static_cast<uint32_t>(p[0]) | static_cast<uint32_t>(p[1]) << 8 |
         static_cast<uint32_t>(p[2]) << 16 | static_cast<uint32_t>(p[3]) << 24;
}

void StoreLe32(std::byte* p, uint32_t v) {
  for (int b = 0; b < 4; ++b) p[b] = static_cast<std::byte>((v >> (8 * b)) & 0xff);
}

struct ParsedHeader {
  ShardHeader header;
  uint32_t length = 0;
};

// Reads and decodes a shard's header (bounded by kMaxShardHeaderSize).
Result<ParsedHeader> ReadHeader(ChunkReader& chunk, uint64_t* bytes_read) {
  std::vector<std::byte> bytes(std::min<uint64_t>(kHeaderProbeSize, chunk.size()));
  auto got = chunk.ReadAt(0, bytes);
  if (!got) return got.error();
  *bytes_read += *got;
  bytes.resize(*got);
  auto length = ShardHeaderLength(bytes);
  if (!length) return length.error();
  if (*length > bytes.size()) {
    const size_t have = bytes.size();
    bytes.resize(*length);
    auto more = chunk.ReadAt(have, std::span(bytes).subspan(have));
    if (!more) return more.error();
    *bytes_read += *more;
    if (*more != *length - have) return make_error_code(Errc::kCorrupt);
  }
  auto header = DecodeShardHeader(std::span(bytes).first(*length));
  if (!header) return header.error();
  return ParsedHeader{std::move(*header), *length};
}

Result<uint64_t> ReadFooter(ChunkReader& chunk, uint64_t* bytes_read) {
  if (chunk.size() < kShardFooterSize) return make_error_code(Errc::kCorrupt);
  std::array<std::byte, kShardFooterSize> bytes;
  auto got = chunk.ReadAt(chunk.size() - kShardFooterSize, bytes);
  if (!got) return got.error();
  *bytes_read += *got;
  if (*got != kShardFooterSize) return make_error_code(Errc::kCorrupt);
  return DecodeShardFooter(bytes);
}

struct Shard {
  std::unique_ptr<ChunkReader> chunk;  // null: missing (never read again)
  uint64_t header_length = 0;
};

}  // namespace

Result<HealReport> HealShards(const Tier& tier, const BlobRef& ref, const HealOptions& options) {
  const uint32_t n = tier.set_width();
  const uint32_t k = ref.data_shards;
  const BlobLayout layout(k, ref.block_size, ref.size);
  HealReport report;
  report.blob_id = ref.blob_id;
  report.shards = n;
  std::vector<Shard> shards(n);
  std::vector<uint8_t> footer_bad(n, 0);
  std::string label;
  bool have_label = false;
  bool any_file = false;

  // Open and check every shard's header, length and footer.
  for (uint32_t i = 0; i < n; ++i) {
    auto chunk = tier.drive(ref.set_index, i).OpenChunk(ChunkId{ref.blob_id, i});
    if (!chunk) {
      if (chunk.error() != make_error_code(Errc::kNotFound)) any_file = true;  // unknown: maybe
      report.missing.push_back(i);
      continue;
    }
    any_file = true;
    auto header = ReadHeader(**chunk, &report.bytes_read);
    if (!header || header->header.blob_id != ref.blob_id || header->header.tier != ref.tier ||
        header->header.data_shards != k || header->header.parity_shards != ref.parity_shards ||
        header->header.shard_index != i || header->header.block_size != ref.block_size ||
        (*chunk)->size() != layout.ShardFileSize(header->length)) {
      report.missing.push_back(i);
      continue;
    }
    if (!have_label) {
      label = header->header.label;
      have_label = true;
    }
    auto size = ReadFooter(**chunk, &report.bytes_read);
    if (!size || *size != ref.size) footer_bad[i] = 1;  // blocks may still be good: keep reading
    shards[i].chunk = std::move(*chunk);
    shards[i].header_length = header->length;
  }
  if (!any_file) return make_error_code(Errc::kNotFound);
  // Fewer than k usable shards is not a blob we can vouch for, even when it has no stripes to
  // decode (a zero-length blob): it may be what a failed delete left behind.
  const auto usable = std::count_if(shards.begin(), shards.end(),
                                    [](const Shard& shard) { return shard.chunk != nullptr; });
  if (static_cast<uint32_t>(usable) < k) return make_error_code(Errc::kReadQuorumLost);
  if (options.label != nullptr) *options.label = label;

  const size_t stride = size_t{layout.BlockLength(0)} + kBlockCrcSize;
  std::vector<std::byte> buffer(stride * n);
  auto slot = [&](uint32_t i) { return buffer.data() + size_t{i} * stride; };
  // Reads shard i's block of stripe s into its slot; true only if it passed its CRC.
  auto load = [&](uint32_t i, uint64_t s, uint32_t len) {
    if (shards[i].chunk == nullptr) return false;
    auto got = shards[i].chunk->ReadAt(layout.BlockOffset(shards[i].header_length, s),
                                       std::span(slot(i), size_t{len} + kBlockCrcSize));
    if (!got) return false;
    report.bytes_read += *got;
    if (*got != len + kBlockCrcSize) return false;
    return Crc32c(std::span<const std::byte>(slot(i), len)) == LoadLe32(slot(i) + len);
  };
  auto pace = [&](uint64_t bytes) {
    return options.throttle == nullptr || options.throttle->Consume(bytes);
  };
  const auto canceled = make_error_code(boost::system::errc::operation_canceled);

  // Pass 1: verify every block of every shard that opened.
  std::vector<uint8_t> corrupt = footer_bad;
  bool quorum_lost = false;
  for (uint64_t s = 0; s < layout.num_stripes(); ++s) {
    const uint32_t len = layout.BlockLength(s);
    uint32_t good = 0;
    for (uint32_t i = 0; i < n; ++i) {
      if (shards[i].chunk == nullptr) continue;
      if (load(i, s, len)) {
        ++good;
      } else {
        corrupt[i] = 1;
      }
    }
    if (good < k) quorum_lost = true;
    if (!pace(uint64_t{len} * n)) return canceled;
  }
  for (uint32_t i = 0; i < n; ++i) {
    if (corrupt[i] && shards[i].chunk != nullptr) report.corrupt.push_back(i);
  }
  if (quorum_lost) return make_error_code(Errc::kReadQuorumLost);
  if (!report.damaged()) return report;
  if (!have_label) return make_error_code(Errc::kReadQuorumLost);  // unreachable when k >= 1

  std::vector<uint32_t> targets = report.missing;
  targets.insert(targets.end(), report.corrupt.begin(), report.corrupt.end());
  std::sort(targets.begin(), targets.end());
  if (options.dry_run) {
    report.failed = targets;
    return report;
  }

  // Pass 2: rebuild the targets into temp files. A target whose drive fails is dropped (its old
  // file, if any, stays as it was: never worse than before).
  std::vector<std::unique_ptr<ChunkWriter>> writers(n);
  ShardHeader header;
  header.blob_id = ref.blob_id;
  header.tier = ref.tier;
  header.data_shards = k;
  header.parity_shards = ref.parity_shards;
  header.block_size = ref.block_size;
  header.label = label;
  for (uint32_t i : targets) {
    auto writer = tier.drive(ref.set_index, i).CreateChunk(ChunkId{ref.blob_id, i});
    if (!writer) continue;
    header.shard_index = i;
    const std::string bytes = EncodeShardHeader(header);
    if ((*writer)->Append(std::as_bytes(std::span(bytes.data(), bytes.size())))) continue;
    report.bytes_written += bytes.size();
    writers[i] = std::move(*writer);
  }
  auto any_writer = [&] {
    return std::any_of(writers.begin(), writers.end(), [](const auto& w) { return w != nullptr; });
  };
  std::vector<uint8_t> present(n);
  std::vector<std::byte*> ptrs(n);
  std::array<std::byte, kBlockCrcSize> crc;
  for (uint64_t s = 0; s < layout.num_stripes() && any_writer(); ++s) {
    const uint32_t len = layout.BlockLength(s);
    uint32_t good = 0;
    for (uint32_t i = 0; i < n; ++i) {
      present[i] = load(i, s, len) ? 1 : 0;
      good += present[i];
      ptrs[i] = (present[i] || writers[i] != nullptr) ? slot(i) : nullptr;
    }
    // Dropping the writers removes their temp files: nothing is replaced.
    if (good < k) return make_error_code(Errc::kReadQuorumLost);
    if (auto ec = tier.codec->Reconstruct(len, ptrs, present)) return ec;
    for (uint32_t i = 0; i < n; ++i) {
      if (writers[i] == nullptr) continue;
      StoreLe32(crc.data(), Crc32c(std::span<const std::byte>(slot(i), len)));
      const std::span<const std::byte> pieces[2] = {std::span<const std::byte>(slot(i), len), crc};
      if (writers[i]->AppendGather(pieces)) {
        writers[i].reset();
        continue;
      }
      report.bytes_written += len + kBlockCrcSize;
    }
    if (!pace(uint64_t{len} * (n + targets.size()))) return canceled;
  }
  const auto footer = EncodeShardFooter(ref.size);
  for (uint32_t i : targets) {
    if (writers[i] != nullptr && !writers[i]->Append(footer) && !writers[i]->Commit()) {
      report.bytes_written += footer.size();
      report.rewritten.push_back(i);
    } else {
      report.failed.push_back(i);
    }
    writers[i].reset();
  }
  return report;
}

Result<BlobRef> DescribeBlob(const Tier& tier, uint32_t set, const std::string& blob_id,
                             const std::vector<uint32_t>& shard_indexes, std::string* label,
                             uint64_t* bytes_read) {
  for (uint32_t i : shard_indexes) {
    if (i >= tier.set_width()) continue;
    auto chunk = tier.drive(set, i).OpenChunk(ChunkId{blob_id, i});
    if (!chunk) continue;
    auto header = ReadHeader(**chunk, bytes_read);
    if (!header || header->header.blob_id != blob_id || header->header.tier != tier.name ||
        header->header.data_shards != tier.k || header->header.parity_shards != tier.m ||
        header->header.shard_index != i || header->header.block_size == 0 ||
        header->header.block_size > kMaxBlockSize) {
      continue;
    }
    auto size = ReadFooter(**chunk, bytes_read);
    if (!size) continue;
    const BlobLayout layout(tier.k, header->header.block_size, *size);
    if ((*chunk)->size() != layout.ShardFileSize(header->length)) continue;
    BlobRef ref;
    ref.blob_id = blob_id;
    ref.tier = tier.name;
    ref.set_index = set;
    ref.data_shards = tier.k;
    ref.parity_shards = tier.m;
    ref.block_size = header->header.block_size;
    ref.size = *size;
    *label = header->header.label;
    return ref;
  }
  return make_error_code(Errc::kCorrupt);
}

}  // namespace strata::erasure
