// Internal to erasure/: the drive in one slot of an erasure set, which the chunk store can take
// offline (a refused or failed drive) and bring back (after a re-check) while I/O goes on.
// Thread-safe.
#pragma once

#include <atomic>
#include <memory>

#include "erasure/drive.h"

namespace strata::erasure {

class SlotDrive final : public Drive {
 public:
  explicit SlotDrive(std::unique_ptr<Drive> base) : base_(std::move(base)) {}

  Drive& base() { return *base_; }
  bool online() const { return online_.load(std::memory_order_acquire); }
  void set_online(bool online) { online_.store(online, std::memory_order_release); }

  // Offline: every call fails with kDriveFailed and never reaches the drive.
  const std::string& path() const override { return base_->path(); }
  Result<std::unique_ptr<ChunkWriter>> CreateChunk(const ChunkId& id) override {
    if (!online()) return Offline();
    return base_->CreateChunk(id);
  }
  Result<std::unique_ptr<ChunkReader>> OpenChunk(const ChunkId& id) override {
    if (!online()) return Offline();
    return base_->OpenChunk(id);
  }
  Result<size_t> ReadChunk(const ChunkId& id, uint64_t offset, std::span<std::byte> out) override {
    if (!online()) return Offline();
    return base_->ReadChunk(id, offset, out);
  }
  boost::system::error_code DeleteChunk(const ChunkId& id) override {
    if (!online()) return Offline();
    return base_->DeleteChunk(id);
  }
  Result<uint64_t> ChunkSize(const ChunkId& id) override {
    if (!online()) return Offline();
    return base_->ChunkSize(id);
  }
  // Identity calls always reach the drive: they decide whether it may come online.
  Result<std::string> ReadFormatRecord() override { return base_->ReadFormatRecord(); }
  boost::system::error_code WriteFormatRecord(std::string_view bytes) override {
    return base_->WriteFormatRecord(bytes);
  }
  Result<bool> HasChunks() override { return base_->HasChunks(); }
  Result<std::vector<ChunkInfo>> ListChunks(std::string_view prefix) override {
    if (!online()) return Offline();
    return base_->ListChunks(prefix);
  }
  Result<uint64_t> RemoveStaleTemp(std::chrono::seconds max_age) override {
    if (!online()) return Offline();
    return base_->RemoveStaleTemp(max_age);
  }

 private:
  static boost::system::error_code Offline() { return make_error_code(Errc::kDriveFailed); }

  const std::unique_ptr<Drive> base_;
  std::atomic<bool> online_{true};
};

}  // namespace strata::erasure
