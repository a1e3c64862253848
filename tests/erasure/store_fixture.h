// A chunk store over real temp folders, each drive wrapped in a FaultyDrive with its own plan.
#pragma once

#include <catch2/catch.hpp>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "erasure/chunk_store.h"
#include "tests/erasure/faulty_drive_fake.h"
#include "tests/erasure/test_util.h"

namespace strata::erasure::testing {

class StoreFixture {
 public:
  // The background healer is off unless a test asks for it: it would race with tests that
  // count drive calls or files.
  static ChunkStoreOptions QuietOptions() {
    ChunkStoreOptions options;
    options.start_healer = false;
    return options;
  }

  StoreFixture(uint32_t k, uint32_t m, uint32_t block_size, uint32_t sets = 1,
               ChunkStoreOptions options = QuietOptions())
      : k_(k), m_(m), block_size_(block_size), options_(std::move(options)) {
    for (uint32_t i = 0; i < (k + m) * sets; ++i) {
      dirs_.push_back(tmp_.Sub("drive" + std::to_string(i)));
      plans_.push_back(std::make_shared<FaultPlan>());
    }
    Reopen();
  }

  // Closes the store (stopping its background work) and opens a new one over the same drive
  // folders, or over `order` (drive folders by slot) if given, with the same fault plans.
  void Reopen(std::vector<std::string> order = {}) {
    store_.reset();
    if (order.empty()) order = dirs_;
    TierSpec spec;
    spec.name = "hot";
    spec.data_shards = k_;
    spec.parity_shards = m_;
    spec.block_size = block_size_;
    for (size_t i = 0; i < order.size(); ++i) {
      auto drive = OpenLocalDrive(order[i]);
      REQUIRE(drive);
      spec.drives.push_back(NewFaultyDrive(std::move(*drive), plans_[i]));
    }
    std::vector<TierSpec> specs;
    specs.push_back(std::move(spec));
    auto store = NewErasureChunkStore(std::move(specs), options_);
    REQUIRE(store);
    store_ = std::move(*store);
  }
  void Close() { store_.reset(); }

  ChunkStore& store() { return *store_; }
  ChunkStoreOptions& options() { return options_; }
  FaultPlan& plan(size_t drive) { return *plans_[drive]; }
  const std::string& dir(size_t drive) const { return dirs_[drive]; }
  size_t num_drives() const { return dirs_.size(); }

  // Writes data in pieces of `piece` bytes; returns the result of Commit (or the first error).
  Result<BlobRef> TryPut(const std::vector<std::byte>& data, size_t piece = 37,
                         const std::string& key = "bucket/key", const std::string& label = "l") {
    auto writer = store_->Create(Placement{"hot", key, label});
    if (!writer) return writer.error();
    for (size_t off = 0; off < data.size(); off += piece) {
      const size_t n = std::min(piece, data.size() - off);
      if (auto ec = (*writer)->Append(std::span(data).subspan(off, n))) return ec;
    }
    return (*writer)->Commit();
  }

  BlobRef Put(const std::vector<std::byte>& data, size_t piece = 37) {
    auto ref = TryPut(data, piece);
    REQUIRE(ref);
    return *ref;
  }

  Result<std::vector<std::byte>> TryGet(const BlobRef& ref) {
    auto reader = store_->Open(ref);
    if (!reader) return reader.error();
    std::vector<std::byte> out((*reader)->size());
    auto got = (*reader)->ReadAt(0, out);
    if (!got) return got.error();
    out.resize(*got);
    return out;
  }

  std::vector<std::byte> Get(const BlobRef& ref) {
    auto data = TryGet(ref);
    REQUIRE(data);
    return *data;
  }

  // Committed shard files on drive i.
  std::vector<std::string> ShardFiles(size_t drive) const {
    return FilesUnder(dirs_[drive] + "/chunks");
  }
  // Every file (committed or temp) on every drive.
  size_t CountAllFiles() const {
    size_t n = 0;
    for (const auto& d : dirs_)
      n += FilesUnder(d + "/chunks").size() + FilesUnder(d + "/tmp").size();
    return n;
  }

 private:
  TempDir tmp_;
  uint32_t k_, m_, block_size_;
  ChunkStoreOptions options_;
  std::vector<std::string> dirs_;
  std::vector<std::shared_ptr<FaultPlan>> plans_;
  std::unique_ptr<ChunkStore> store_;
};

}  // namespace strata::erasure::testing
