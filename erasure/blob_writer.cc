// Streaming encoder: buffers one stripe, encodes it, and appends one block (+ CRC32C) to each of
// the k+m shard files. Memory: one stripe of data plus m parity blocks, whatever the blob size.
#include "erasure/blob_writer.h"

#include <algorithm>
#include <array>
#include <cstring>
#include <vector>

#include "erasure/crc32c.h"
#include "erasure/shard_format.h"

namespace strata::erasure {
namespace {

class ErasureBlobWriter final : public BlobWriter {
 public:
  ErasureBlobWriter(const Tier& tier, uint32_t set, std::string blob_id)
      : tier_(tier),
        set_(set),
        blob_id_(std::move(blob_id)),
        stripe_bytes_(size_t{tier.k} * tier.block_size),
        writers_(tier.set_width()),
        crcs_(tier.set_width()) {}

  // Dropping the ChunkWriters removes their temp files: nothing was published.
  ~ErasureBlobWriter() override = default;

  // Creates every shard and writes its header. Returns the quorum verdict.
  boost::system::error_code Start(const std::string& label) {
    ShardHeader header;
    header.blob_id = blob_id_;
    header.tier = tier_.name;
    header.data_shards = tier_.k;
    header.parity_shards = tier_.m;
    header.block_size = tier_.block_size;
    header.label = label;
    for (uint32_t i = 0; i < tier_.set_width(); ++i) {
      auto writer = tier_.drive(set_, i).CreateChunk(ChunkId{blob_id_, i});
      if (!writer) continue;  // this drive is dropped for this blob
      header.shard_index = i;
      const std::string bytes = EncodeShardHeader(header);
      if ((*writer)->Append(std::as_bytes(std::span(bytes.data(), bytes.size())))) continue;
      writers_[i] = std::move(*writer);
    }
    return CheckQuorum();
  }

  boost::system::error_code Append(std::span<const std::byte> data) override {
    if (done_) return error_ ? error_ : make_error_code(Errc::kInvalidArgument);
    while (!data.empty()) {
      if (stripe_ == nullptr) Allocate();
      const size_t n = std::min(data.size(), stripe_bytes_ - fill_);
      std::memcpy(stripe_.get() + fill_, data.data(), n);
      fill_ += n;
      size_ += n;
      data = data.subspan(n);
      if (fill_ == stripe_bytes_) {
        if (auto ec = WriteStripe(tier_.block_size)) return Fail(ec);
        fill_ = 0;
      }
    }
    return {};
  }

  Result<BlobRef> Commit() override {
    if (done_) return error_ ? error_ : make_error_code(Errc::kInvalidArgument);
    if (fill_ > 0) {
      // The final stripe is short: blocks of ceil(fill / k) bytes, not block_size.
      const size_t len = (fill_ + tier_.k - 1) / tier_.k;
      if (auto ec = WriteStripe(len)) return Fail(ec);
      fill_ = 0;
    }
    const auto footer = EncodeShardFooter(size_);
    for (auto& w : writers_) {
      if (w != nullptr && w->Append(footer)) w.reset();
    }
    if (auto ec = CheckQuorum()) return Fail(ec);
    uint32_t durable = 0;
    for (auto& w : writers_) {
      if (w == nullptr) continue;
      if (w->Commit()) {
        w.reset();
      } else {
        ++durable;
      }
    }
    if (durable < tier_.write_quorum()) {
      // Some shards are published already: remove them so no partial blob is left behind.
      RemovePublished();
      return Fail(make_error_code(Errc::kWriteQuorumLost));
    }
    done_ = true;
    writers_.clear();
    BlobRef ref;
    ref.blob_id = blob_id_;
    ref.tier = tier_.name;
    ref.set_index = set_;
    ref.data_shards = tier_.k;
    ref.parity_shards = tier_.m;
    ref.block_size = tier_.block_size;
    ref.size = size_;
    return ref;
  }

 private:
  void Allocate() {
    // Uninitialized on purpose: a small blob touches only the pages it fills.
    stripe_.reset(new std::byte[stripe_bytes_]);
    if (tier_.m > 0) parity_.reset(new std::byte[size_t{tier_.m} * tier_.block_size]);
  }

  // Encodes the buffered stripe as k+m blocks of len bytes and appends them.
  boost::system::error_code WriteStripe(size_t len) {
    const uint32_t k = tier_.k;
    const uint32_t n = tier_.set_width();
    // Zero the padding of a short stripe: parity covers it and readers may rebuild from it.
    if (fill_ < k * len) std::memset(stripe_.get() + fill_, 0, k * len - fill_);
    std::array<const std::byte*, 255> data;
    std::array<std::byte*, 255> parity;
    for (uint32_t i = 0; i < k; ++i) data[i] = stripe_.get() + i * len;
    for (uint32_t j = 0; j < tier_.m; ++j) parity[j] = parity_.get() + j * len;
    tier_.codec->Encode(len, std::span(data.data(), k), std::span(parity.data(), tier_.m));
    for (uint32_t i = 0; i < n; ++i) {
      if (writers_[i] == nullptr) continue;
      const std::byte* block = i < k ? data[i] : parity[i - k];
      const uint32_t crc = Crc32c(std::span(block, len));
      for (int b = 0; b < 4; ++b) crcs_[i][b] = static_cast<std::byte>((crc >> (8 * b)) & 0xff);
      const std::span<const std::byte> pieces[2] = {std::span(block, len), crcs_[i]};
      if (writers_[i]->AppendGather(pieces)) writers_[i].reset();  // drop this drive
    }
    return CheckQuorum();
  }

  boost::system::error_code CheckQuorum() const {
    const auto healthy =
        std::count_if(writers_.begin(), writers_.end(), [](const auto& w) { return w != nullptr; });
    if (static_cast<uint32_t>(healthy) < tier_.write_quorum()) {
      return make_error_code(Errc::kWriteQuorumLost);
    }
    return {};
  }

  void RemovePublished() {
    for (uint32_t i = 0; i < tier_.set_width(); ++i) {
      (void)tier_.drive(set_, i).DeleteChunk(ChunkId{blob_id_, i});
    }
  }

  // Abandons the blob: drops every writer (removing temp files) and remembers the error.
  boost::system::error_code Fail(boost::system::error_code ec) {
    writers_.clear();
    stripe_.reset();
    parity_.reset();
    done_ = true;
    error_ = ec;
    return ec;
  }

  const Tier& tier_;
  const uint32_t set_;
  const std::string blob_id_;
  const size_t stripe_bytes_;
  std::vector<std::unique_ptr<ChunkWriter>> writers_;  // null: drive dropped
  std::vector<std::array<std::byte, kBlockCrcSize>> crcs_;
  std::unique_ptr<std::byte[]> stripe_;  // k * block_size data bytes, filled by Append
  std::unique_ptr<std::byte[]> parity_;  // m * block_size
  size_t fill_ = 0;                      // bytes buffered in stripe_
  uint64_t size_ = 0;                    // bytes appended in total
  bool done_ = false;                    // committed or failed
  boost::system::error_code error_;      // why it failed, if it did
};

}  // namespace

Result<std::unique_ptr<BlobWriter>> StartBlobWriter(const Tier& tier, uint32_t set,
                                                    std::string blob_id, const std::string& label) {
  auto writer = std::make_unique<ErasureBlobWriter>(tier, set, std::move(blob_id));
  if (auto ec = writer->Start(label)) return ec;  // the destructor removes what was created
  return std::unique_ptr<BlobWriter>(std::move(writer));
}

}  // namespace strata::erasure
