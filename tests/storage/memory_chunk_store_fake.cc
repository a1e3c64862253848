#include "tests/storage/memory_chunk_store_fake.h"

#include <algorithm>
#include <cstring>

namespace strata::storage::testing {
namespace {

using erasure::Errc;

class MemoryBlobWriter final : public erasure::BlobWriter {
 public:
  MemoryBlobWriter(MemoryChunkStore& store, std::string tier)
      : store_(store), tier_(std::move(tier)) {}
  ~MemoryBlobWriter() override {
    if (!done_) store_.WriterClosed();
  }

  boost::system::error_code Append(std::span<const std::byte> data) override {
    if (done_) return make_error_code(Errc::kInvalidArgument);
    if (store_.ShouldFailAppend()) return make_error_code(Errc::kWriteQuorumLost);
    data_.append(reinterpret_cast<const char*>(data.data()), data.size());
    store_.AddAppended(data.size());
    return {};
  }

  erasure::Result<erasure::BlobRef> Commit() override {
    if (done_) return make_error_code(Errc::kInvalidArgument);
    done_ = true;
    store_.WriterClosed();
    if (store_.ShouldFailCommit()) return make_error_code(Errc::kWriteQuorumLost);
    return store_.Store(tier_, std::move(data_));
  }

 private:
  MemoryChunkStore& store_;
  std::string tier_;
  std::string data_;
  bool done_ = false;
};

class MemoryBlobReader final : public erasure::BlobReader {
 public:
  explicit MemoryBlobReader(std::shared_ptr<const std::string> data) : data_(std::move(data)) {}
  uint64_t size() const override { return data_->size(); }

  erasure::Result<size_t> ReadAt(uint64_t offset, std::span<std::byte> out) override {
    if (offset >= data_->size()) return size_t{0};
    size_t n = std::min<uint64_t>(out.size(), data_->size() - offset);
    std::memcpy(out.data(), data_->data() + offset, n);
    return n;
  }

 private:
  std::shared_ptr<const std::string> data_;  // pinned: outlives a Delete
};

}  // namespace

erasure::Result<std::unique_ptr<erasure::BlobWriter>> MemoryChunkStore::Create(
    const erasure::Placement& placement) {
  if (!HasTier(placement.tier)) return make_error_code(Errc::kUnknownTier);
  {
    std::lock_guard lock(mu_);
    placements_.push_back(placement);
  }
  ++open_writers_;
  return std::unique_ptr<erasure::BlobWriter>(
      std::make_unique<MemoryBlobWriter>(*this, placement.tier));
}

erasure::Result<std::unique_ptr<erasure::BlobReader>> MemoryChunkStore::Open(
    const erasure::BlobRef& ref) {
  auto data = Pin(ref.blob_id);
  if (!data) return make_error_code(Errc::kNotFound);
  return std::unique_ptr<erasure::BlobReader>(std::make_unique<MemoryBlobReader>(std::move(data)));
}

boost::system::error_code MemoryChunkStore::Delete(const erasure::BlobRef& ref) {
  std::lock_guard lock(mu_);
  blobs_.erase(ref.blob_id);
  return {};
}

size_t MemoryChunkStore::blob_count() const {
  std::lock_guard lock(mu_);
  return blobs_.size();
}

std::vector<erasure::Placement> MemoryChunkStore::placements() const {
  std::lock_guard lock(mu_);
  return placements_;
}

erasure::BlobRef MemoryChunkStore::Store(const std::string& tier, std::string data) {
  std::lock_guard lock(mu_);
  erasure::BlobRef ref;
  ref.blob_id = "mem" + std::to_string(next_id_++);
  ref.tier = tier;
  ref.data_shards = 1;
  ref.parity_shards = 0;
  ref.block_size = 4096;
  ref.size = data.size();
  blobs_[ref.blob_id] = std::make_shared<const std::string>(std::move(data));
  return ref;
}

std::shared_ptr<const std::string> MemoryChunkStore::Pin(const std::string& blob_id) const {
  std::lock_guard lock(mu_);
  auto it = blobs_.find(blob_id);
  return it == blobs_.end() ? nullptr : it->second;
}

}  // namespace strata::storage::testing
