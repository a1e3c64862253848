// ObjectStoreImpl: the ObjectStore over a MetadataStore and an erasure::ChunkStore. Declared here
// so its methods can live in two files: object_store.cc (buckets, objects, conditional writes)
// and multipart_store.cc (multipart uploads). Internal to storage/; others use NewObjectStore.
//
// Locking. Three striped lock arrays, always taken in this order:
//   bucket stripe (shared_mutex): shared by every commit into a bucket (Put, Delete, part and
//     upload records, Complete, Abort); exclusive by DeleteBucket, so a bucket's emptiness check,
//     its upload cleanup and its deletion see no concurrent commit.
//   upload stripe (mutex): serializes writes of one upload's records (UploadPart's part record,
//     Complete, Abort), so a completion sees a fixed part set and exactly one of Complete/Abort
//     finds the upload record.
//   key stripe (shared_mutex): exclusive for read-old/commit-new of an object record (Put,
//     Delete, Complete); shared by Get while it reads the record and opens or pins the data.
// Drive I/O for bodies happens outside every lock; only record reads and writes (and, for Get,
// the blob Open) happen under them.
#pragma once

#include <array>
#include <memory>
#include <mutex>
#include <optional>
#include <shared_mutex>
#include <string>
#include <vector>

#include "erasure/chunk_store.h"
#include "storage/object_record.h"
#include "storage/object_store.h"
#include "storage/part_pins.h"
#include "storage/upload_record.h"

namespace strata::storage {

class ObjectStoreImpl final : public ObjectStore {
 public:
  ObjectStoreImpl(MetadataStore& metadata, erasure::ChunkStore& chunks, StoreOptions options);

  boost::system::error_code CreateBucket(const std::string& name,
                                         const std::string& region) override;
  Result<BucketInfo> GetBucket(const std::string& name) override;
  boost::system::error_code DeleteBucket(const std::string& name) override;
  Result<std::vector<BucketInfo>> ListBuckets() override;

  Result<ObjectInfo> Put(const std::string& bucket, const std::string& key, BodySource& body,
                         const PutOptions& options) override;
  Result<std::unique_ptr<ObjectReader>> Get(const std::string& bucket,
                                            const std::string& key) override;
  Result<ObjectInfo> Head(const std::string& bucket, const std::string& key) override;
  boost::system::error_code Delete(const std::string& bucket, const std::string& key) override;
  Result<ListResult> List(const std::string& bucket, const ListOptions& options) override;
  boost::system::error_code DeleteIf(const std::string& bucket, const std::string& key,
                                     const WriteCondition& condition) override;

  Result<UploadInfo> CreateMultipartUpload(const std::string& bucket, const std::string& key,
                                           const MultipartOptions& options) override;
  Result<PartInfo> UploadPart(const std::string& bucket, const std::string& key,
                              const std::string& upload_id, uint32_t part_number,
                              BodySource& body) override;
  Result<ObjectInfo> CompleteMultipartUpload(const std::string& bucket, const std::string& key,
                                             const std::string& upload_id,
                                             const std::vector<CompletedPart>& parts,
                                             const WriteCondition& condition) override;
  boost::system::error_code AbortMultipartUpload(const std::string& bucket, const std::string& key,
                                                 const std::string& upload_id) override;
  Result<ListPartsResult> ListParts(const std::string& bucket, const std::string& key,
                                    const std::string& upload_id,
                                    const ListPartsOptions& options) override;
  Result<ListUploadsResult> ListMultipartUploads(const std::string& bucket,
                                                 const ListUploadsOptions& options) override;

 private:
  static constexpr size_t kKeyLockStripes = 256;
  static constexpr size_t kBucketLockStripes = 64;
  static constexpr size_t kUploadLockStripes = 64;

  // A body stored by StoreBody: inline bytes or a committed blob, and its digests.
  struct StoredBody {
    uint64_t size = 0;
    ContentDigests digests;
    std::string inline_data;               // when !blob
    std::optional<erasure::BlobRef> blob;  // committed
  };
  // Streams `body` into inline bytes (up to inline_threshold) or a blob at `placement`, enforcing
  // `max_size` as bytes arrive, then Finish()es it; if `required` is not kNone the body must have
  // computed that checksum (kInvalidArgument). The blob is committed only after all checks; on
  // any error nothing is left behind.
  Result<StoredBody> StoreBody(BodySource& body, const erasure::Placement& placement,
                               uint64_t max_size, ChecksumAlgorithm required);

  // The current object at record_key (read under its key lock). `exists` with no record: the
  // stored record is corrupt (it can still be overwritten, which repairs it).
  struct Current {
    bool exists = false;
    std::optional<ObjectRecord> record;
  };
  Result<Current> ReadCurrent(const std::string& record_key);
  // kPreconditionFailed unless `current` satisfies `condition`.
  static boost::system::error_code CheckCondition(const WriteCondition& condition,
                                                  const Current& current);
  // Deletes the data of a record the index no longer references: a blob at once (open readers
  // keep their pinned shards), parts when the object's last reader closes.
  void Retire(const ObjectRecord& old);
  void DeleteBlob(const std::string& encoded_ref);

  std::shared_mutex& KeyLock(const std::string& record_key);
  std::shared_mutex& BucketLock(const std::string& bucket);
  std::mutex& UploadLock(const std::string& upload_id);

  boost::system::error_code CheckBucketExists(const std::string& bucket);
  // The record at record_key; kNoSuchKey, or kNoSuchBucket if the bucket itself is missing.
  Result<ObjectRecord> LoadRecord(const std::string& bucket, const std::string& record_key,
                                  bool with_payload);
  // The upload's record; kNoSuchUpload (kNoSuchBucket if the bucket is gone) if absent.
  Result<UploadRecord> LoadUpload(const std::string& bucket, const std::string& key,
                                  const std::string& upload_id);

  MetadataStore& metadata_;
  erasure::ChunkStore& chunks_;
  const StoreOptions options_;
  std::shared_ptr<PartPins> pins_;
  std::array<std::shared_mutex, kKeyLockStripes> key_locks_;
  std::array<std::shared_mutex, kBucketLockStripes> bucket_locks_;
  std::array<std::mutex, kUploadLockStripes> upload_locks_;
};

// Shared by both files.
boost::system::error_code ValidateObjectKey(const std::string& key);

}  // namespace strata::storage
