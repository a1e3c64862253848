// The object layer: all that api/ sees of storage. Buckets, objects and listing over the
// metadata index and the chunk store. Thread-safe.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "storage/body_source.h"
#include "storage/errors.h"
#include "storage/metadata_store.h"
#include "storage/stream.h"

namespace strata::erasure {
class ChunkStore;
}

namespace strata::storage {

using Clock = std::chrono::system_clock;
using TimePoint = Clock::time_point;

struct BucketInfo {
  std::string name;
  TimePoint created;
  std::string region;  // the LocationConstraint given at creation ("" = us-east-1)
};

// Stored response headers, lower-case names: content-type, content-encoding,
// content-disposition, content-language, cache-control, expires, x-amz-meta-*.
using HeaderList = std::vector<std::pair<std::string, std::string>>;

struct ObjectInfo {
  std::string bucket;
  std::string key;
  std::string version_id;  // "null" for unversioned objects
  uint64_t size = 0;
  std::string etag;  // hex MD5 without quotes (multipart: "<hex>-<parts>")
  TimePoint last_modified;
  std::string storage_class = "STANDARD";
  HeaderList headers;
  Checksum checksum;
};

struct PutOptions {
  HeaderList headers;
  std::string storage_class;  // empty: the bucket's (or the store's) default
};

struct ListOptions {
  std::string prefix;
  std::string delimiter;     // empty: no grouping
  std::string start_after;   // exclusive; keys and common prefixes must sort after it
  uint32_t max_keys = 1000;  // 0 is valid: an empty page (truncated if anything matched)
};

struct ListResult {
  std::vector<ObjectInfo> objects;  // byte order of the UTF-8 key
  std::vector<std::string> common_prefixes;
  bool truncated = false;
  // The last key or common prefix in this page; continue with start_after = next_marker.
  std::string next_marker;
};

// Random access to one object's bytes, pinned to the version that was opened: a concurrent
// overwrite or delete does not change what this reader returns. Not thread-safe.
class ObjectReader {
 public:
  virtual ~ObjectReader() = default;
  virtual const ObjectInfo& info() const = 0;
  // Reads up to out.size() bytes at offset; short only at the end of the object.
  [[nodiscard]] virtual Result<size_t> ReadAt(uint64_t offset, std::span<std::byte> out) = 0;
};

// A stream over [first, first + length) of an object.
std::unique_ptr<ByteSource> NewRangeSource(std::unique_ptr<ObjectReader> reader, uint64_t first,
                                           uint64_t length);

class ObjectStore {
 public:
  virtual ~ObjectStore() = default;

  // Buckets. Names are validated by api/ (S3 naming rules) before they get here.
  [[nodiscard]] virtual boost::system::error_code CreateBucket(const std::string& name,
                                                               const std::string& region) = 0;
  [[nodiscard]] virtual Result<BucketInfo> GetBucket(const std::string& name) = 0;
  // kBucketNotEmpty if any object (or, later, version or upload) remains.
  [[nodiscard]] virtual boost::system::error_code DeleteBucket(const std::string& name) = 0;
  [[nodiscard]] virtual Result<std::vector<BucketInfo>> ListBuckets() = 0;  // sorted by name

  // Objects. Put drains `body`, then calls body.Finish(); on any error (the source's own, a
  // digest mismatch, quorum loss) nothing becomes visible and the previous object is intact.
  // The returned info is durable when Put returns.
  [[nodiscard]] virtual Result<ObjectInfo> Put(const std::string& bucket, const std::string& key,
                                               BodySource& body, const PutOptions& options) = 0;
  [[nodiscard]] virtual Result<std::unique_ptr<ObjectReader>> Get(const std::string& bucket,
                                                                  const std::string& key) = 0;
  [[nodiscard]] virtual Result<ObjectInfo> Head(const std::string& bucket,
                                                const std::string& key) = 0;
  // Deleting an absent key succeeds (S3 semantics); kNoSuchBucket if the bucket is absent.
  [[nodiscard]] virtual boost::system::error_code Delete(const std::string& bucket,
                                                         const std::string& key) = 0;
  // Cost proportional to the page: a common prefix is skipped with one seek.
  [[nodiscard]] virtual Result<ListResult> List(const std::string& bucket,
                                                const ListOptions& options) = 0;
};

struct StoreOptions {
  // Storage class -> tier name in the chunk store. Must contain "STANDARD".
  std::map<std::string, std::string> storage_class_tiers = {{"STANDARD", "nvme"}};
  // Objects up to this size are kept inline in the metadata record (no shard files).
  uint64_t inline_threshold = 16 * 1024;
  // Object size limit for a single PUT.
  uint64_t max_object_size = 5ull << 30;
};

// The object store over a metadata index and a chunk store (both not owned; must outlive it).
std::unique_ptr<ObjectStore> NewObjectStore(MetadataStore& metadata, erasure::ChunkStore& chunks,
                                            StoreOptions options);

}  // namespace strata::storage
