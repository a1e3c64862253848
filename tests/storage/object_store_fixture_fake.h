// An ObjectStore over a memory index and a chosen chunk store: the in-memory fake ("fake") or
// the real erasure-coded store over temp folders ("erasure"), so one contract suite runs on
// both. Counts cursor moves and live blobs for the cost and leak checks.
#pragma once

#include <memory>
#include <string>

#include "erasure/chunk_store.h"
#include "storage/object_store.h"
#include "tests/storage/counting_metadata_store_fake.h"
#include "tests/storage/memory_chunk_store_fake.h"
#include "tests/storage/temp_dir_fake.h"

namespace strata::storage::testing {

inline constexpr uint64_t kTestInlineThreshold = 1024;

class StoreFixture {
 public:
  // kind: "fake" or "erasure".
  explicit StoreFixture(const std::string& kind, StoreOptions options = DefaultOptions());
  static StoreOptions DefaultOptions();

  ObjectStore& store() { return *store_; }
  CountingMetadataStore& metadata() { return *counting_; }
  MemoryChunkStore* fake() { return fake_.get(); }  // null for "erasure"
  const std::string& kind() const { return kind_; }

  // Blobs currently stored (erasure: complete shard sets on the drives). Also fails the test if
  // the erasure drives hold temp files (an abandoned write not cleaned up).
  size_t BlobCount() const;

  // Creates a bucket or fails the test.
  void MakeBucket(const std::string& name);
  // Puts data with no declared digests or fails the test.
  ObjectInfo PutOrDie(const std::string& bucket, const std::string& key, const std::string& data,
                      const PutOptions& options = {});
  // The whole object, or the error.
  Result<std::string> ReadAll(const std::string& bucket, const std::string& key);

 private:
  std::string kind_;
  std::unique_ptr<TempDir> dir_;
  std::unique_ptr<MetadataStore> memory_;
  std::unique_ptr<CountingMetadataStore> counting_;
  std::unique_ptr<MemoryChunkStore> fake_;
  std::unique_ptr<erasure::ChunkStore> erasure_;
  std::unique_ptr<ObjectStore> store_;
};

// Reads a whole object through its reader.
Result<std::string> ReadAllFrom(ObjectReader& reader);

}  // namespace strata::storage::testing
