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
  MemoryBlobReader(const MemoryChunkStore& store, erasure::BlobRef ref)
      : store_(store), ref_(std::move(ref)) {}
  uint64_t size() const override { return ref_.size; }

  erasure::Result<size_t> ReadAt(uint64_t offset, std::span<std::byte> out) override {
    auto bytes = store_.Load(ref_.blob_id, offset, out.size());
    if (!bytes) return make_error_code(Errc::kNotFound);
    std::memcpy(out.data(), bytes->data(), bytes->size());
    return bytes->size();
  }

 private:
  const MemoryChunkStore& store_;
  erasure::BlobRef ref_;
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
  std::lock_guard lock(mu_);
  if (!blobs_.count(ref.blob_id)) return make_error_code(Errc::kNotFound);
  return std::unique_ptr<erasure::BlobReader>(std::make_unique<MemoryBlobReader>(*this, ref));
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
  blobs_[ref.blob_id] = std::move(data);
  return ref;
}

std::optional<std::string> MemoryChunkStore::Load(const std::string& blob_id, uint64_t offset,
                                                  size_t n) const {
  std::lock_guard lock(mu_);
  auto it = blobs_.find(blob_id);
  if (it == blobs_.end()) return std::nullopt;
  if (offset >= it->second.size()) return std::string();
  return it->second.substr(offset, n);
}

}  // namespace strata::storage::testing
