#include "tests/storage/object_store_fixture_fake.h"

#include <catch2/catch.hpp>
#include <filesystem>
#include <vector>

#include "tests/storage/byte_source_fake.h"

namespace strata::storage::testing {
namespace {

struct TierShape {
  const char* name;
  uint32_t k;
  uint32_t m;
};
// Small blocks so a few MiB spans many stripes.
constexpr TierShape kTiers[] = {{"nvme", 2, 2}, {"hdd", 2, 1}};
constexpr uint32_t kBlockSize = 16 * 1024;

// Finished shard files and temp files under a drive folder.
void CountFiles(const std::string& dir, size_t& shards, size_t& temps) {
  std::error_code ec;
  for (auto it = std::filesystem::recursive_directory_iterator(dir, ec);
       !ec && it != std::filesystem::recursive_directory_iterator(); it.increment(ec)) {
    if (!it->is_regular_file()) continue;
    // Deleted shards wait in <drive>/trash/ for a background unlink: no longer a blob's.
    if (it->path().parent_path().filename() == "trash") continue;
    if (it->path().extension() == ".tmp") {
      ++temps;
    } else {
      ++shards;
    }
  }
}

}  // namespace

StoreOptions StoreFixture::DefaultOptions() {
  StoreOptions options;
  options.storage_class_tiers = {{"STANDARD", "nvme"}, {"STANDARD_IA", "hdd"}};
  options.inline_threshold = kTestInlineThreshold;
  options.max_object_size = 64 << 20;
  return options;
}

StoreFixture::StoreFixture(const std::string& kind, StoreOptions options) : kind_(kind) {
  memory_ = NewMemoryMetadataStore();
  counting_ = std::make_unique<CountingMetadataStore>(*memory_);
  erasure::ChunkStore* chunks = nullptr;
  if (kind == "fake") {
    fake_ = std::make_unique<MemoryChunkStore>();
    chunks = fake_.get();
  } else {
    dir_ = std::make_unique<TempDir>();
    std::vector<erasure::TierSpec> tiers;
    for (const auto& shape : kTiers) {
      erasure::TierSpec spec;
      spec.name = shape.name;
      spec.data_shards = shape.k;
      spec.parity_shards = shape.m;
      spec.block_size = kBlockSize;
      for (uint32_t i = 0; i < shape.k + shape.m; ++i) {
        auto drive = erasure::OpenLocalDrive(dir_->path() + "/" + shape.name + std::to_string(i));
        REQUIRE(drive);
        spec.drives.push_back(std::move(*drive));
      }
      tiers.push_back(std::move(spec));
    }
    auto made = erasure::NewErasureChunkStore(std::move(tiers));
    REQUIRE(made);
    erasure_ = std::move(*made);
    chunks = erasure_.get();
  }
  store_ = NewObjectStore(*counting_, *chunks, std::move(options));
}

size_t StoreFixture::BlobCount() const {
  if (fake_) return fake_->blob_count();
  size_t blobs = 0;
  for (const auto& shape : kTiers) {
    size_t shards = 0, temps = 0;
    for (uint32_t i = 0; i < shape.k + shape.m; ++i) {
      CountFiles(dir_->path() + "/" + shape.name + std::to_string(i), shards, temps);
    }
    CHECK(temps == 0);
    CHECK(shards % (shape.k + shape.m) == 0);
    blobs += shards / (shape.k + shape.m);
  }
  return blobs;
}

void StoreFixture::MakeBucket(const std::string& name) {
  REQUIRE_FALSE(store_->CreateBucket(name, ""));
}

ObjectInfo StoreFixture::PutOrDie(const std::string& bucket, const std::string& key,
                                  const std::string& data, const PutOptions& options) {
  TestBody body(data);
  auto info = store_->Put(bucket, key, body, options);
  if (!info) FAIL("Put failed: " << info.error().message());
  return *info;
}

Result<std::string> StoreFixture::ReadAll(const std::string& bucket, const std::string& key) {
  auto reader = store_->Get(bucket, key);
  if (!reader) return reader.error();
  return ReadAllFrom(**reader);
}

Result<std::string> ReadAllFrom(ObjectReader& reader) {
  std::string out;
  std::vector<std::byte> buffer(100 * 1000);  // not a multiple of any block size
  while (true) {
    auto n = reader.ReadAt(out.size(), buffer);
    if (!n) return n.error();
    if (*n == 0) break;
    out.append(reinterpret_cast<const char*>(buffer.data()), *n);
  }
  return out;
}

}  // namespace strata::storage::testing
