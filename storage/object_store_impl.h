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
// Versions: every change to a key's versions (new version, marker, removal, tag/retention
// update) holds its key stripe (keyed by the o/ record key) exclusively; bucket state changes
// (versioning, lock config, tags) hold the bucket stripe exclusively.
// Drive I/O for bodies happens outside every lock; only record reads and writes (and, for Get,
// the blob Open) happen under them.
#pragma once

#include <array>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <shared_mutex>
#include <string>
#include <string_view>
#include <vector>

#include "erasure/chunk_store.h"
#include "storage/object_record.h"
#include "storage/object_store.h"
#include "storage/part_pins.h"
#include "storage/upload_record.h"
#include "storage/version_id.h"

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
  Result<ListPageEnd> ListInto(const std::string& bucket, const ListOptions& options,
                               ListVisitor& visitor) override;
  Result<ListResult> List(const std::string& bucket, const ListOptions& options) override;
  boost::system::error_code DeleteIf(const std::string& bucket, const std::string& key,
                                     const WriteCondition& condition) override;

  Result<UploadInfo> CreateMultipartUpload(const std::string& bucket, const std::string& key,
                                           const MultipartOptions& options) override;
  using ObjectStore::UploadPart;
  Result<PartInfo> UploadPart(const std::string& bucket, const std::string& key,
                              const std::string& upload_id, uint32_t part_number, BodySource& body,
                              const PartOptions& options) override;
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

  // Governance (governance_store.cc).
  boost::system::error_code CreateBucketWithOptions(const std::string& name,
                                                    const std::string& region,
                                                    const CreateBucketOptions& options) override;
  boost::system::error_code SetBucketVersioning(const std::string& bucket,
                                                VersioningState state) override;
  Result<VersioningState> GetBucketVersioning(const std::string& bucket) override;
  using ObjectStore::GetVersion;
  Result<std::unique_ptr<ObjectReader>> GetVersion(const std::string& bucket,
                                                   const std::string& key,
                                                   const std::string& version_id,
                                                   const ReadOptions& options) override;
  Result<ObjectInfo> HeadVersion(const std::string& bucket, const std::string& key,
                                 const std::string& version_id) override;
  Result<ObjectInfo> StatVersion(const std::string& bucket, const std::string& key,
                                 const std::string& version_id) override;
  Result<DeleteResult> DeleteObject(const std::string& bucket, const std::string& key,
                                    const DeleteOptions& options) override;
  Result<ListVersionsResult> ListObjectVersions(const std::string& bucket,
                                                const ListVersionsOptions& options) override;
  Result<std::string> PutObjectTagging(const std::string& bucket, const std::string& key,
                                       const std::string& version_id, const TagSet& tags) override;
  Result<VersionTags> GetObjectTagging(const std::string& bucket, const std::string& key,
                                       const std::string& version_id) override;
  Result<std::string> DeleteObjectTagging(const std::string& bucket, const std::string& key,
                                          const std::string& version_id) override;
  boost::system::error_code PutBucketTagging(const std::string& bucket,
                                             const TagSet& tags) override;
  Result<TagSet> GetBucketTagging(const std::string& bucket) override;
  boost::system::error_code DeleteBucketTagging(const std::string& bucket) override;
  boost::system::error_code PutObjectLockConfiguration(
      const std::string& bucket, const ObjectLockConfiguration& config) override;
  Result<ObjectLockConfiguration> GetObjectLockConfiguration(const std::string& bucket) override;
  Result<std::string> PutObjectRetention(const std::string& bucket, const std::string& key,
                                         const std::string& version_id, const Retention& retention,
                                         bool bypass_governance) override;
  Result<std::string> PutObjectLegalHold(const std::string& bucket, const std::string& key,
                                         const std::string& version_id, bool on) override;

  // Lifecycle (lifecycle_store.cc).
  boost::system::error_code PutBucketLifecycle(const std::string& bucket,
                                               const LifecycleConfiguration& config) override;
  Result<LifecycleConfiguration> GetBucketLifecycle(const std::string& bucket) override;
  boost::system::error_code DeleteBucketLifecycle(const std::string& bucket) override;
  Result<ObjectInfo> TransitionVersion(const std::string& bucket, const std::string& key,
                                       const std::string& version_id,
                                       const std::string& storage_class,
                                       const TransitionOptions& options) override;

  // CORS (cors_store.cc).
  boost::system::error_code PutBucketCors(const std::string& bucket,
                                          const CorsConfiguration& config) override;
  Result<std::optional<CorsConfiguration>> GetBucketCors(const std::string& bucket) override;
  boost::system::error_code DeleteBucketCors(const std::string& bucket) override;

  // Access control (access_store.cc).
  Result<std::optional<std::string>> GetBucketAccess(const std::string& bucket,
                                                     BucketAccessKind kind) override;
  boost::system::error_code PutBucketAccess(const std::string& bucket, BucketAccessKind kind,
                                            const std::string& document) override;
  Result<std::string> GetObjectAcl(const std::string& bucket, const std::string& key,
                                   const std::string& version_id) override;
  Result<std::string> PutObjectAcl(const std::string& bucket, const std::string& key,
                                   const std::string& version_id, const std::string& acl) override;
  // Adds the ACL record of the version with `sort_id` to `batch` (access_store.cc).
  static void StageObjectAcl(const std::string& bucket, const std::string& key,
                             const std::string& sort_id, const std::string& acl, WriteBatch& batch);

 private:
  static constexpr size_t kKeyLockStripes = 256;
  static constexpr size_t kBucketLockStripes = 64;
  static constexpr size_t kUploadLockStripes = 64;

  // A body stored by StoreBody: inline bytes or a committed blob, and its digests.
  struct StoredBody {
    uint64_t size = 0;  // of the body (the plaintext, when encrypted)
    ContentDigests digests;
    std::string inline_data;               // when !blob
    std::optional<erasure::BlobRef> blob;  // committed
  };
  // Streams `body` into inline bytes (up to inline_threshold) or a blob at `placement`, enforcing
  // `max_size` as bytes arrive, then Finish()es it; if `required` is not kNone the body must have
  // computed that checksum (kInvalidArgument). With a non-empty `sse_base_key` the body is
  // stored encrypted (storage/sse.h; max_size still limits the plaintext). The blob is committed
  // only after all checks; on any error nothing is left behind.
  Result<StoredBody> StoreBody(BodySource& body, const erasure::Placement& placement,
                               uint64_t max_size, ChecksumAlgorithm required,
                               const std::string& sse_base_key);
  // A new version's (or upload's) encryption: the envelope to record and the base key to store
  // its bodies under (both empty for kNone). kInternal for SSE-S3 without a keyring.
  struct NewEncryption {
    std::string envelope;
    std::string base_key;
  };
  Result<NewEncryption> PrepareEncryption(const SseRequest& request) const;
  // The base key of stored data with `envelope` ("" for plain data), checking the customer key
  // (CheckSseCustomerKey's errors).
  Result<std::string> OpenEncryption(const std::string& envelope,
                                     const std::string& customer_key) const;

  // The current object at record_key (read under its key lock). `exists` with no record: the
  // stored record is corrupt (it can still be overwritten, which repairs it).
  struct Current {
    bool exists = false;
    std::optional<ObjectRecord> record;
  };
  // The latest version's record (payload included: see ResolveInlinePayload).
  Result<Current> ReadCurrent(const std::string& record_key);
  // An "o/" record whose inline bytes live in its version record (kInlineInVersion) gets them
  // back (kInline): every decoded record the store works with is whole, so one re-encoded
  // after a change (tags, retention, class) never loses its data. kCorrupt if the version
  // record is missing or does not hold them.
  boost::system::error_code ResolveInlinePayload(std::string_view record_key, ObjectRecord& record);
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

  // ---- Versions (governance_store.cc). All under the key lock unless said otherwise. ----
  TimePoint Now() const { return options_.clock ? options_.clock() : Clock::now(); }
  int64_t NowMs() const { return ToUnixMillis(Now()); }
  // The bucket record; kNoSuchBucket if absent.
  Result<BucketRecord> LoadBucket(const std::string& bucket);
  // Applies `opts` (tags, retention, legal hold; else the bucket's default rule) to a new
  // version's record, validating them. Needs no lock (the bucket record is re-read at commit).
  boost::system::error_code ApplyVersionOptions(const BucketRecord& b, const VersionOptions& opts,
                                                ObjectRecord& record);
  // Adds a new version (or delete marker) `record` of key to `batch` as the latest (o/ and v/),
  // assigning its ids per the bucket's versioning state. Outside kEnabled it replaces the null
  // version (kObjectLocked if locked): that record is returned, to Retire after the commit.
  // `current`: the key's latest record as the caller read it under the key lock, if it did.
  Result<std::optional<ObjectRecord>> StageNewVersion(const std::string& bucket,
                                                      const std::string& key, const BucketRecord& b,
                                                      ObjectRecord& record, WriteBatch& batch,
                                                      const Current* current = nullptr);
  // The null version (with payload), or nullopt. In a bucket never versioned it can only be
  // the latest record (each write replaced the one before), so `current`, when given, answers
  // without scanning the key's versions: that LevelDB iterator was ~7 % of a 4 KiB PUT's CPU.
  Result<std::optional<ObjectRecord>> FindNullVersion(const std::string& bucket,
                                                      const std::string& key, const BucketRecord& b,
                                                      const Current* current);
  // The version named version_id ("null" or a generated id; else nullopt), with payload.
  Result<std::optional<ObjectRecord>> FindVersion(const std::string& bucket, const std::string& key,
                                                  const std::string& version_id);
  // The named version (empty: latest), as the ObjectStore governance methods describe:
  // kNoSuchKey / kNoSuchVersion, and, unless allow_marker, kDeleteMarker / kMethodNotAllowed.
  // HeadVersion / StatVersion: the version's info, with is_latest; delete markers only when
  // allow_marker (else kDeleteMarker / kMethodNotAllowed).
  Result<ObjectInfo> DescribeVersion(const std::string& bucket, const std::string& key,
                                     const std::string& version_id, bool allow_marker);
  Result<ObjectRecord> ResolveVersion(const std::string& bucket, const std::string& key,
                                      const std::string& version_id, bool allow_marker);
  // kObjectLocked if `record` may not be removed now (legal hold; active retention, GOVERNANCE
  // yielding to bypass). Delete markers are always removable.
  boost::system::error_code CheckRemovable(const ObjectRecord& record, bool bypass) const;
  // Read-modify-write of one existing version's governance fields (tags, retention, hold)
  // under the bucket (shared) and key (exclusive) locks; keeps o/ in step when it is the
  // latest. Returns the version id.
  Result<std::string> UpdateVersion(
      const std::string& bucket, const std::string& key, const std::string& version_id,
      const std::function<boost::system::error_code(const BucketRecord&, ObjectRecord&)>& change);
  // Opens a reader over a loaded record; `key_lock` (held shared) is released once the data is
  // opened or pinned.
  Result<std::unique_ptr<ObjectReader>> OpenRecord(const std::string& bucket,
                                                   const std::string& key, ObjectRecord record,
                                                   const ReadOptions& options,
                                                   std::shared_lock<std::shared_mutex>& key_lock);
  // One-time migration of format-1 object records (no sort id) into version entries.
  void MigrateLegacyRecords();

  MetadataStore& metadata_;
  erasure::ChunkStore& chunks_;
  const StoreOptions options_;
  std::shared_ptr<PartPins> pins_;
  std::array<std::shared_mutex, kKeyLockStripes> key_locks_;
  std::array<std::shared_mutex, kBucketLockStripes> bucket_locks_;
  std::array<std::mutex, kUploadLockStripes> upload_locks_;
  VersionIdGenerator version_ids_;
};

// kInvalidTag unless `tags` satisfy the S3 limits (at most max_tags, keys 1..128 and values
// 0..256 UTF-8 characters of valid UTF-8, unique keys).
boost::system::error_code ValidateTags(const TagSet& tags, size_t max_tags);

// Shared by both files.
boost::system::error_code ValidateObjectKey(const std::string& key);

// The metadata key of a bucket's CORS configuration, "c/<bucket>" (cors_store.cc); DeleteBucket
// deletes it with the bucket record.
std::string CorsKey(std::string_view bucket);

}  // namespace strata::storage
