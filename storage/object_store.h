// The object layer: all that api/ sees of storage. Buckets, objects and listing over the
// metadata index and the chunk store. Thread-safe.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
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

struct LifecycleConfiguration;  // storage/lifecycle.h
class SseKeyring;               // storage/sse.h

using Clock = std::chrono::system_clock;
using TimePoint = Clock::time_point;

// Bucket versioning (issue 4). A new bucket is kUnversioned; once kEnabled it can only be
// kSuspended (and back); a bucket with object lock is always kEnabled.
enum class VersioningState : uint8_t { kUnversioned = 0, kEnabled = 1, kSuspended = 2 };

// Object lock retention mode. On disk: never renumber.
enum class RetentionMode : uint8_t { kNone = 0, kGovernance = 1, kCompliance = 2 };

// A version's retention: locked while retain_until > now (exactly now: expired).
struct Retention {
  RetentionMode mode = RetentionMode::kNone;
  TimePoint retain_until;
};

// A bucket's default retention, applied to new versions that set none. Exactly one of days or
// years is non-zero (kInvalidArgument otherwise); a year is 365 days.
struct DefaultRetention {
  RetentionMode mode = RetentionMode::kGovernance;
  uint32_t days = 0;
  uint32_t years = 0;
};

struct ObjectLockConfiguration {
  bool enabled = false;                  // "ObjectLockEnabled: Enabled"
  std::optional<DefaultRetention> rule;  // none: new versions get no retention by default
};

// Object and bucket tags, in the order given. Limits (kInvalidTag): objects up to 10 tags,
// buckets up to 50; keys 1..128 and values 0..256 UTF-8 characters (valid UTF-8); unique keys.
using TagSet = std::vector<std::pair<std::string, std::string>>;
inline constexpr size_t kMaxObjectTags = 10;
inline constexpr size_t kMaxBucketTags = 50;

struct BucketInfo {
  std::string name;
  TimePoint created;
  std::string region;  // the LocationConstraint given at creation ("" = us-east-1)
  VersioningState versioning = VersioningState::kUnversioned;
  bool object_lock_enabled = false;
};

struct CreateBucketOptions {
  bool object_lock_enabled = false;  // forces versioning kEnabled
};

// Server-side encryption of a version's data (issue 7). On disk: never renumber.
enum class SseMode : uint8_t {
  kNone = 0,
  kS3 = 1,        // SSE-S3 (AES256): a data key per object, wrapped by the server's master key
  kCustomer = 2,  // SSE-C: the client's key, given with every request, never stored
};

// How a write is to be encrypted, or the customer key a read of an SSE-C object needs. api/
// checks the key's MD5 and the algorithm ("AES256") before it gets here.
struct SseRequest {
  SseMode mode = SseMode::kNone;
  std::string customer_key;  // kCustomer: the raw 32-byte key
};

// Stored response headers, lower-case names: content-type, content-encoding,
// content-disposition, content-language, cache-control, expires, x-amz-meta-*.
using HeaderList = std::vector<std::pair<std::string, std::string>>;

// One part of an object completed from a multipart upload.
struct PartSummary {
  uint32_t part_number = 0;
  uint64_t size = 0;
  std::string etag;   // hex MD5 of the part, no quotes
  Checksum checksum;  // the part's checksum, when the upload had an algorithm
};

struct ObjectInfo {
  std::string bucket;
  std::string key;
  // "null" for versions written while the bucket was unversioned or suspended.
  std::string version_id;
  // A delete marker (only from StatVersion and ListObjectVersions): no data, size 0.
  bool delete_marker = false;
  bool is_latest = false;  // set by StatVersion and ListObjectVersions
  size_t tag_count = 0;
  Retention retention;  // mode kNone: no retention
  bool legal_hold = false;
  // A legal hold status (ON or OFF) was given for this version; GetObjectLegalHold answers
  // NoSuchObjectLockConfiguration for versions that never had one.
  bool legal_hold_set = false;
  uint64_t size = 0;
  std::string etag;  // hex MD5 without quotes (multipart: "<hex>-<parts>")
  TimePoint last_modified;
  std::string storage_class = "STANDARD";
  HeaderList headers;
  // Whole-object checksum; for multipart objects the composite checksum of the part checksums
  // (the value S3 shows as "<base64>-<parts>"; `value` holds the raw digest of digests).
  Checksum checksum;
  // Empty for objects written by a single PUT; in part-number order for multipart objects.
  std::vector<PartSummary> parts;
  // Encryption at rest. For kCustomer the etag is not the plaintext's MD5 (see storage/sse.h).
  SseMode sse = SseMode::kNone;
  std::string sse_envelope;  // opaque; for CheckSseCustomerKey
};

// Whether `customer_key` opens `info`'s data (HEAD checks it without reading): ok for the right
// SSE-C key, or no key on an object that is not SSE-C; kSseKeyRequired (SSE-C object, no key),
// kSseKeyMismatch (wrong key), kSseNotApplicable (a key for an object that is not SSE-C).
[[nodiscard]] boost::system::error_code CheckSseCustomerKey(const ObjectInfo& info,
                                                            std::string_view customer_key);

// Preconditions on a write, checked atomically with its commit (under the key's lock), so of
// two racing conditional creates exactly one succeeds. Failure: kPreconditionFailed.
struct WriteCondition {
  bool if_none_match_any = false;       // If-None-Match: * (create only if absent)
  std::optional<std::string> if_match;  // If-Match: replace only if the current ETag is this
                                        // (unquoted; "*" means any existing object)
};

// Governance settings of a new version (Put, CreateMultipartUpload). Tags: kInvalidTag beyond
// the limits. Retention or legal hold on a bucket without object lock: kInvalidRequest; a
// retain_until not after now: kInvalidArgument. No retention given: the bucket's default rule.
struct VersionOptions {
  TagSet tags;
  std::optional<Retention> retention;
  bool legal_hold = false;
  bool legal_hold_given = false;  // the request set a status (ON or OFF)
};

struct PutOptions {
  HeaderList headers;
  SseRequest sse;             // mode kNone: stored as given (api/ applies the bucket default first)
  std::string storage_class;  // empty: the bucket's (or the store's) default
  WriteCondition condition;
  VersionOptions version;
};

struct MultipartOptions {
  HeaderList headers;
  SseRequest sse;  // every part is encrypted so; SSE-C parts must then carry the same key
  std::string storage_class;  // empty: STANDARD; kInvalidStorageClass when not configured
  // Every part must then carry this checksum; the object gets the composite checksum.
  ChecksumAlgorithm checksum_algorithm = ChecksumAlgorithm::kNone;
  VersionOptions version;  // stored with the upload, applied at completion
  // api/'s ACL record for the completed version (opaque; "" for none): stored with the upload,
  // returned in UploadInfo::acl, and committed with the version (as PutObjectAcl would).
  std::string acl;
};

// DeleteObject. Without version_id: in an Enabled bucket writes a delete marker (new version
// id), in a Suspended one a "null" delete marker replacing the null version, in an Unversioned
// one removes the object. With version_id: removes that version or marker permanently.
struct DeleteOptions {
  std::string version_id;          // empty: the latest (see above)
  bool bypass_governance = false;  // api/ sets it only with s3:BypassGovernanceRetention
  WriteCondition condition;        // If-Match on the latest, or on version_id when given
};

struct DeleteResult {
  bool delete_marker = false;  // a marker was written, or the removed version was a marker
  std::string version_id;      // the marker written or the version removed ("" unversioned)
};

struct ListVersionsOptions {
  std::string prefix;
  std::string delimiter;
  std::string key_marker;         // exclusive: starts after every version of this key ...
  std::string version_id_marker;  // ... or, with key_marker, after this version of it
  uint32_t max_keys = 1000;       // versions + markers + common prefixes; capped at 1000
};

struct ListVersionsResult {
  // Versions and delete markers interleaved, by key, newest first per key; delete_marker and
  // is_latest set on each.
  std::vector<ObjectInfo> versions;
  std::vector<std::string> common_prefixes;
  bool truncated = false;
  std::string next_key_marker;         // when truncated
  std::string next_version_id_marker;  // when truncated ("" after a common prefix)
};

// Tags of one version.
struct VersionTags {
  std::string version_id;
  TagSet tags;
};

struct UploadInfo {
  std::string bucket;
  std::string key;
  std::string upload_id;
  TimePoint initiated;
  std::string storage_class;
  HeaderList headers;
  ChecksumAlgorithm checksum_algorithm = ChecksumAlgorithm::kNone;
  SseMode sse = SseMode::kNone;
  std::string acl;  // MultipartOptions::acl as created ("" for none)
};

// An SSE-C upload's key, given with each UploadPart (empty otherwise).
struct PartOptions {
  std::string customer_key;
};

// What a read needs besides the version: an SSE-C object's key.
struct ReadOptions {
  std::string customer_key;
};

struct PartInfo {
  uint32_t part_number = 0;
  uint64_t size = 0;
  std::string etag;  // hex MD5, no quotes
  TimePoint last_modified;
  Checksum checksum;
};

// A part the client names in CompleteMultipartUpload.
struct CompletedPart {
  uint32_t part_number = 0;
  std::string etag;  // unquoted hex
  // When the upload has a checksum algorithm, the client may echo the part's checksum (raw).
  std::optional<std::string> checksum;
};

struct ListPartsOptions {
  uint32_t part_number_marker = 0;  // exclusive
  uint32_t max_parts = 1000;
};

struct ListPartsResult {
  UploadInfo upload;
  std::vector<PartInfo> parts;
  bool truncated = false;
  uint32_t next_part_number_marker = 0;
};

struct ListUploadsOptions {
  std::string prefix;
  std::string delimiter;
  std::string key_marker;        // exclusive, with upload_id_marker as below
  std::string upload_id_marker;  // with key_marker: uploads of that key after this id
  uint32_t max_uploads = 1000;
};

struct ListUploadsResult {
  std::vector<UploadInfo> uploads;  // by key, then by initiation time
  std::vector<std::string> common_prefixes;
  bool truncated = false;
  std::string next_key_marker;
  std::string next_upload_id_marker;
};

struct ListOptions {
  std::string prefix;
  std::string delimiter;     // empty: no grouping
  std::string start_after;   // exclusive; keys and common prefixes must sort after it
  uint32_t max_keys = 1000;  // 0 is valid: an empty page (truncated if anything matched)
};

// How a listing page ended.
struct ListPageEnd {
  bool truncated = false;
  // When truncated: the page's last key or common prefix; continue with start_after =
  // next_marker. Empty when the page is shorter than max_keys.
  std::string next_marker;
};

struct ListResult : ListPageEnd {
  std::vector<ObjectInfo> objects;  // byte order of the UTF-8 key
  std::vector<std::string> common_prefixes;
};

// One object of a listing page: what ListObjects shows of it, as views into the index's bytes,
// valid only during the ListVisitor call that receives it. A page of 1000 keys is rendered
// straight from the index this way; building an ObjectInfo per key (heap strings, a
// destructor) was a fifth of a full listing's CPU (issue 8).
struct ListedObject {
  std::string_view key;
  std::string_view version_id;
  std::string_view etag;
  std::string_view storage_class;  // empty: STANDARD
  uint64_t size = 0;
  TimePoint last_modified;
  size_t tag_count = 0;
};

// Receives one listing page in key order, objects and common prefixes interleaved as they
// sort. The views are valid only during the call.
class ListVisitor {
 public:
  virtual ~ListVisitor() = default;
  virtual void Object(const ListedObject& object) = 0;
  virtual void CommonPrefix(std::string_view prefix) = 0;
};

// How TransitionVersion copies: at most max_bytes_per_second (0: unlimited), so foreground
// requests keep the disks; `stop` (if set) is polled between blocks and abandons the copy
// (kPreconditionFailed, nothing changed) when it returns true.
struct TransitionOptions {
  uint64_t max_bytes_per_second = 0;  // 0: unlimited
  // While `foreground_busy` answers true (polled before each copied chunk), the copy moves at
  // most this fast (0: no extra cap). Background copies cost the foreground's tail latency in
  // proportion to their rate on a small machine (issue 8), so a busy server moves data slowly.
  uint64_t busy_bytes_per_second = 0;
  std::function<bool()> foreground_busy;
  std::function<bool()> stop;
};

// A bucket's CORS configuration (issue 9): what browsers on other origins may do. Storage keeps
// it as given (api/ validates the document: AWS's limits, methods, one '*' per origin); rules
// are evaluated in order by api/cors.h.
struct CorsRule {
  std::string id;                            // optional, up to 255 characters
  std::vector<std::string> allowed_origins;  // at least one; may hold one '*' wildcard
  std::vector<std::string> allowed_methods;  // GET PUT POST DELETE HEAD, at least one
  std::vector<std::string> allowed_headers;  // may hold one '*' each
  std::vector<std::string> expose_headers;
  std::optional<int64_t> max_age_seconds;
};
struct CorsConfiguration {
  std::vector<CorsRule> rules;  // 1..100
};

// The per-bucket access documents (issue 7). On disk: never renumber.
enum class BucketAccessKind : uint8_t {
  kPolicy = 0,             // the bucket policy (JSON)
  kAcl = 1,                // the bucket's canned ACL ("public-read", ...)
  kPublicAccessBlock = 2,  // the public access block settings (api/'s encoding)
  kEncryption = 3,         // the default encryption configuration (api/'s encoding)
  kOwnership = 4,          // the object ownership setting (api/'s encoding)
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
  // The returned info is durable when Put returns. Versioning: in an Enabled bucket every Put
  // (and CompleteMultipartUpload) creates a new version with a fresh id; otherwise it replaces
  // the "null" version (kObjectLocked if that one is locked), keeping other versions.
  [[nodiscard]] virtual Result<ObjectInfo> Put(const std::string& bucket, const std::string& key,
                                               BodySource& body, const PutOptions& options) = 0;
  // The latest version; kNoSuchKey also when it is a delete marker (GetVersion tells them apart).
  [[nodiscard]] virtual Result<std::unique_ptr<ObjectReader>> Get(const std::string& bucket,
                                                                  const std::string& key) = 0;
  [[nodiscard]] virtual Result<ObjectInfo> Head(const std::string& bucket,
                                                const std::string& key) = 0;
  // Deleting an absent key succeeds (S3 semantics); kNoSuchBucket if the bucket is absent.
  // = DeleteObject without a version id (in versioned buckets: writes a delete marker).
  [[nodiscard]] virtual boost::system::error_code Delete(const std::string& bucket,
                                                         const std::string& key) = 0;
  // One page of the bucket's current objects, handed to `visitor` entry by entry (nothing is
  // copied per key). Cost proportional to the page: a common prefix is skipped with one seek.
  [[nodiscard]] virtual Result<ListPageEnd> ListInto(const std::string& bucket,
                                                     const ListOptions& options,
                                                     ListVisitor& visitor) = 0;
  // The same page collected, each object as an ObjectInfo with what a listing shows (headers,
  // checksum, parts and the SSE envelope left empty).
  [[nodiscard]] virtual Result<ListResult> List(const std::string& bucket,
                                                const ListOptions& options) = 0;
  // Delete only if the current object satisfies `condition` (If-Match on DeleteObject).
  [[nodiscard]] virtual boost::system::error_code DeleteIf(const std::string& bucket,
                                                           const std::string& key,
                                                           const WriteCondition& condition) = 0;

  // Multipart uploads. Parts are stored as blobs when uploaded; completing commits a record that
  // references them (no data is copied). Parts of aborted uploads, replaced parts, and parts not
  // named in the completion are reclaimed. Completing twice, or racing an abort, never leaves a
  // torn object: one of them wins, the other gets kNoSuchUpload.
  [[nodiscard]] virtual Result<UploadInfo> CreateMultipartUpload(
      const std::string& bucket, const std::string& key, const MultipartOptions& options) = 0;
  // part_number in 1..10000 (else kInvalidArgument). Re-uploading a number replaces the part.
  // When the upload has a checksum algorithm, body must compute it (kInvalidArgument if not).
  // SSE-C uploads: options.customer_key must be the upload's key (kSseKeyRequired,
  // kSseKeyMismatch); other uploads take no key (kSseNotApplicable). The part's ETag follows
  // the object's rule (masked for SSE-C).
  [[nodiscard]] virtual Result<PartInfo> UploadPart(const std::string& bucket,
                                                    const std::string& key,
                                                    const std::string& upload_id,
                                                    uint32_t part_number, BodySource& body,
                                                    const PartOptions& options) = 0;
  [[nodiscard]] Result<PartInfo> UploadPart(const std::string& bucket, const std::string& key,
                                            const std::string& upload_id, uint32_t part_number,
                                            BodySource& body) {
    return UploadPart(bucket, key, upload_id, part_number, body, PartOptions{});
  }
  // Errors: kNoSuchUpload; kInvalidPart (unknown part, ETag or checksum mismatch);
  // kInvalidPartOrder (not strictly ascending); kEntityTooSmall (a part but the last under
  // 5 MiB); kInvalidArgument (empty list); kPreconditionFailed (condition).
  [[nodiscard]] virtual Result<ObjectInfo> CompleteMultipartUpload(
      const std::string& bucket, const std::string& key, const std::string& upload_id,
      const std::vector<CompletedPart>& parts, const WriteCondition& condition) = 0;
  [[nodiscard]] virtual boost::system::error_code AbortMultipartUpload(
      const std::string& bucket, const std::string& key, const std::string& upload_id) = 0;
  [[nodiscard]] virtual Result<ListPartsResult> ListParts(const std::string& bucket,
                                                          const std::string& key,
                                                          const std::string& upload_id,
                                                          const ListPartsOptions& options) = 0;
  [[nodiscard]] virtual Result<ListUploadsResult> ListMultipartUploads(
      const std::string& bucket, const ListUploadsOptions& options) = 0;

  // ---- Governance (issue 4): versioning, tags, object lock. ----
  // In every method below, `version_id` empty means the latest version; an id that is not
  // "null" and not of the store's shape is kNoSuchVersion without a lookup. Errors common to
  // all: kNoSuchBucket; kNoSuchKey (no such key, or `version_id` empty and no version at all);
  // kNoSuchVersion (unknown version); kDeleteMarker (version_id empty and the latest is a delete
  // marker: api answers 404 NoSuchKey + x-amz-delete-marker: true, and may StatVersion for the
  // marker's id); kMethodNotAllowed (the named version is a delete marker: 405).

  // CreateBucket with object lock: the bucket is created kEnabled and can't be suspended.
  [[nodiscard]] virtual boost::system::error_code CreateBucketWithOptions(
      const std::string& name, const std::string& region, const CreateBucketOptions& options) = 0;
  // kEnabled <-> kSuspended; kUnversioned only while still unversioned (setting kUnversioned on
  // a versioned bucket, or kSuspended on an object-lock bucket: kInvalidBucketState).
  [[nodiscard]] virtual boost::system::error_code SetBucketVersioning(const std::string& bucket,
                                                                      VersioningState state) = 0;
  [[nodiscard]] virtual Result<VersioningState> GetBucketVersioning(const std::string& bucket) = 0;

  // A version (or the latest). Delete markers: see above. Same pinning as Get. The reader
  // returns plaintext; an SSE-C version needs its key in options (CheckSseCustomerKey's errors).
  [[nodiscard]] virtual Result<std::unique_ptr<ObjectReader>> GetVersion(
      const std::string& bucket, const std::string& key, const std::string& version_id,
      const ReadOptions& options) = 0;
  [[nodiscard]] Result<std::unique_ptr<ObjectReader>> GetVersion(const std::string& bucket,
                                                                 const std::string& key,
                                                                 const std::string& version_id) {
    return GetVersion(bucket, key, version_id, ReadOptions{});
  }
  [[nodiscard]] virtual Result<ObjectInfo> HeadVersion(const std::string& bucket,
                                                       const std::string& key,
                                                       const std::string& version_id) = 0;
  // Like HeadVersion, but a delete marker is returned (delete_marker = true), not an error;
  // is_latest is set. For x-amz-delete-marker / x-amz-version-id on 404/405 responses, and for
  // GetObjectRetention / GetObjectLegalHold (retention, legal_hold fields).
  [[nodiscard]] virtual Result<ObjectInfo> StatVersion(const std::string& bucket,
                                                       const std::string& key,
                                                       const std::string& version_id) = 0;
  // See DeleteOptions. Removing a version: kObjectLocked while it has a legal hold, or a
  // retention with retain_until > now (GOVERNANCE yields to bypass_governance). Deleting a
  // delete marker is always allowed. Removing the latest makes the next newest the latest.
  // A well-formed but unknown version_id succeeds (idempotent, like S3).
  [[nodiscard]] virtual Result<DeleteResult> DeleteObject(const std::string& bucket,
                                                          const std::string& key,
                                                          const DeleteOptions& options) = 0;
  // Cost proportional to the page (common prefixes skipped with one seek).
  [[nodiscard]] virtual Result<ListVersionsResult> ListObjectVersions(
      const std::string& bucket, const ListVersionsOptions& options) = 0;

  // Object tags, per version. Put replaces the set (kInvalidTag beyond the limits). Returns
  // the version id the tags were set on / read from / removed from.
  [[nodiscard]] virtual Result<std::string> PutObjectTagging(const std::string& bucket,
                                                             const std::string& key,
                                                             const std::string& version_id,
                                                             const TagSet& tags) = 0;
  [[nodiscard]] virtual Result<VersionTags> GetObjectTagging(const std::string& bucket,
                                                             const std::string& key,
                                                             const std::string& version_id) = 0;
  [[nodiscard]] virtual Result<std::string> DeleteObjectTagging(const std::string& bucket,
                                                                const std::string& key,
                                                                const std::string& version_id) = 0;

  // Bucket tags (up to 50). Get: kNoSuchTagSet when none. Put with an empty set deletes them.
  [[nodiscard]] virtual boost::system::error_code PutBucketTagging(const std::string& bucket,
                                                                   const TagSet& tags) = 0;
  [[nodiscard]] virtual Result<TagSet> GetBucketTagging(const std::string& bucket) = 0;
  [[nodiscard]] virtual boost::system::error_code DeleteBucketTagging(
      const std::string& bucket) = 0;

  // Object lock configuration. Put: enabling is allowed on a bucket whose versioning is
  // kEnabled (else kInvalidBucketState); `enabled = false` on a lock bucket: kInvalidArgument;
  // the rule replaces the previous one (nullopt removes it). Get: kObjectLockConfigurationNotFound
  // on buckets without lock.
  [[nodiscard]] virtual boost::system::error_code PutObjectLockConfiguration(
      const std::string& bucket, const ObjectLockConfiguration& config) = 0;
  [[nodiscard]] virtual Result<ObjectLockConfiguration> GetObjectLockConfiguration(
      const std::string& bucket) = 0;
  // A version's retention (mode kNone removes it). kInvalidRequest on buckets without lock.
  // Rules while the current retention is active (retain_until > now): COMPLIANCE may only be
  // extended (same mode, retain_until not earlier), by anyone, never with bypass; GOVERNANCE may
  // be extended or turned COMPLIANCE freely, shortened/removed only with bypass_governance
  // (else kObjectLocked). A new retain_until not after now: kInvalidArgument. Returns the
  // version id.
  [[nodiscard]] virtual Result<std::string> PutObjectRetention(const std::string& bucket,
                                                               const std::string& key,
                                                               const std::string& version_id,
                                                               const Retention& retention,
                                                               bool bypass_governance) = 0;
  // Legal hold on/off (no rule besides the permission api checks). kInvalidRequest on buckets
  // without lock. Returns the version id.
  [[nodiscard]] virtual Result<std::string> PutObjectLegalHold(const std::string& bucket,
                                                               const std::string& key,
                                                               const std::string& version_id,
                                                               bool on) = 0;

  // ---- Lifecycle (issue 5): configuration, and the transition primitive the worker uses. ----
  // Put replaces the bucket's configuration (ValidateLifecycle's errors). Get:
  // kNoSuchLifecycleConfiguration when none. Delete of an absent configuration succeeds.
  // DeleteBucket removes the configuration with the bucket.
  [[nodiscard]] virtual boost::system::error_code PutBucketLifecycle(
      const std::string& bucket, const LifecycleConfiguration& config) = 0;
  [[nodiscard]] virtual Result<LifecycleConfiguration> GetBucketLifecycle(
      const std::string& bucket) = 0;
  [[nodiscard]] virtual boost::system::error_code DeleteBucketLifecycle(
      const std::string& bucket) = 0;
  // Moves one version's data (version_id "null" for unversioned objects; never empty) onto the
  // tier of `storage_class`, re-encoded with that tier's erasure scheme, then switches its record
  // (o/ and v/ entries) in one batch under the key lock and reclaims the old blobs. Readers that
  // opened the old data keep reading it; new readers see the old or the new data, never a mix.
  // Inline versions and versions already on that tier only change class (no copy). Errors:
  // kInvalidStorageClass; kMethodNotAllowed for a delete marker; kPreconditionFailed if the
  // version was removed or its data replaced while the copy ran (nothing changes, the copy is
  // discarded); the chunk store's errors (kUnavailable when the target tier lacks write quorum).
  [[nodiscard]] virtual Result<ObjectInfo> TransitionVersion(const std::string& bucket,
                                                             const std::string& key,
                                                             const std::string& version_id,
                                                             const std::string& storage_class,
                                                             const TransitionOptions& options) = 0;

  // ---- CORS (issue 9): the bucket's configuration under "c/<bucket>", written under the bucket
  // lock. Put replaces it; Get returns nullopt when the bucket has none; Delete of an absent
  // configuration succeeds; all kNoSuchBucket without the bucket. DeleteBucket removes it.
  [[nodiscard]] virtual boost::system::error_code PutBucketCors(
      const std::string& bucket, const CorsConfiguration& config) = 0;
  [[nodiscard]] virtual Result<std::optional<CorsConfiguration>> GetBucketCors(
      const std::string& bucket) = 0;
  [[nodiscard]] virtual boost::system::error_code DeleteBucketCors(const std::string& bucket) = 0;

  // ---- Access control (issue 7): opaque documents api/ parses and evaluates (api/policy.h,
  // api/acl.h). Each is bound to the life of what it protects: a bucket deleted and created
  // again starts with none, and so does every new version (an overwritten null version too).
  // Get: nullopt when there is none; kNoSuchBucket. Put with an empty document removes it.
  [[nodiscard]] virtual Result<std::optional<std::string>> GetBucketAccess(
      const std::string& bucket, BucketAccessKind kind) = 0;
  [[nodiscard]] virtual boost::system::error_code PutBucketAccess(const std::string& bucket,
                                                                  BucketAccessKind kind,
                                                                  const std::string& document) = 0;
  // A version's canned ACL ("" when none: private). Errors as the governance methods above
  // (kNoSuchKey, kNoSuchVersion, kDeleteMarker, kMethodNotAllowed). Put returns the version id.
  [[nodiscard]] virtual Result<std::string> GetObjectAcl(const std::string& bucket,
                                                         const std::string& key,
                                                         const std::string& version_id) = 0;
  [[nodiscard]] virtual Result<std::string> PutObjectAcl(const std::string& bucket,
                                                         const std::string& key,
                                                         const std::string& version_id,
                                                         const std::string& acl) = 0;
};

// The byte range [first, first + length) of part `part_number` (1-based) of an object: for
// objects without parts, part 1 is the whole object. kInvalidArgument past the last part.
struct ByteRange {
  uint64_t first = 0;
  uint64_t length = 0;
};
Result<ByteRange> PartRange(const ObjectInfo& info, uint32_t part_number);

// The S3 multipart ETag: hex MD5 of the concatenated raw part MD5s, then "-<count>".
std::string MultipartEtag(const std::vector<std::string>& part_md5_hex);

// Limits S3 places on multipart uploads.
inline constexpr uint32_t kMaxPartNumber = 10000;
inline constexpr uint64_t kMinPartSize = 5ull << 20;  // all parts but the last
inline constexpr uint64_t kMaxPartSize = 5ull << 30;

struct StoreOptions {
  // Storage class -> tier name in the chunk store. Must contain "STANDARD".
  std::map<std::string, std::string> storage_class_tiers = {{"STANDARD", "nvme"}};
  // Objects up to this size are kept inline in the metadata record (no shard files).
  uint64_t inline_threshold = 16 * 1024;
  // Object size limit for a single PUT.
  uint64_t max_object_size = 5ull << 30;
  // Multipart part size limits (kEntityTooLarge above the max on upload; kEntityTooSmall below
  // the min, for all parts but the last, on completion). Settable for tests.
  uint64_t max_part_size = kMaxPartSize;
  uint64_t min_part_size = kMinPartSize;
  // Wraps SSE-S3 data keys and checks SSE-C keys. Without it, encrypted writes and reads of
  // encrypted data fail with kInternal.
  std::shared_ptr<const SseKeyring> sse_keyring;
  // The store's clock (retention checks, timestamps, version ids); empty: Clock::now. Tests
  // move time with it.
  std::function<TimePoint()> clock;
};

// The object store over a metadata index and a chunk store (both not owned; must outlive it).
std::unique_ptr<ObjectStore> NewObjectStore(MetadataStore& metadata, erasure::ChunkStore& chunks,
                                            StoreOptions options);

}  // namespace strata::storage
