// NewObjectStore: buckets and current objects over the metadata index and the chunk store.
//
// Put commit order: stream the body (inline buffer or blob), verify digests, commit the blob
// (durable shards), then commit the record with one synced WriteBatch, and only then retire the
// previous blob. A failure before the record commit leaves the old object and no new blob.
//
// Locking: per-(bucket, key) striped shared_mutexes serialize read-old/commit-new (exclusive)
// against readers taking a blob lease (shared); per-bucket striped shared_mutexes make a Put's
// commit (shared) and DeleteBucket's emptiness check (exclusive) mutually exclusive, so a Put
// into a bucket being deleted either lands first (and the delete fails kBucketNotEmpty) or sees
// the bucket gone (kNoSuchBucket).
#include "storage/object_store.h"

#include <array>
#include <functional>
#include <mutex>
#include <shared_mutex>
#include <vector>

#include "erasure/chunk_store.h"
#include "storage/blob_leases.h"
#include "storage/listing.h"
#include "storage/metadata_keys.h"
#include "storage/object_reader.h"
#include "storage/object_record.h"

namespace strata::storage {
namespace {

constexpr size_t kMaxKeyBytes = 1024;
constexpr size_t kStreamBufferBytes = 1 << 20;
constexpr size_t kKeyLockStripes = 256;
constexpr size_t kBucketLockStripes = 64;

boost::system::error_code Err(Errc e) { return make_error_code(e); }

boost::system::error_code ValidateKey(const std::string& key) {
  if (key.empty() || key.find('\0') != std::string::npos) return Err(Errc::kInvalidArgument);
  if (key.size() > kMaxKeyBytes) return Err(Errc::kKeyTooLong);
  return {};
}

class ObjectStoreImpl final : public ObjectStore {
 public:
  ObjectStoreImpl(MetadataStore& metadata, erasure::ChunkStore& chunks, StoreOptions options)
      : metadata_(metadata),
        chunks_(chunks),
        options_(std::move(options)),
        leases_(std::make_shared<BlobLeases>(chunks)) {}

  boost::system::error_code CreateBucket(const std::string& name,
                                         const std::string& region) override {
    // NUL separates bucket from key in object record keys (metadata_keys.h).
    if (name.empty() || name.find('\0') != std::string::npos) {
      return Err(Errc::kInvalidBucketName);
    }
    std::unique_lock lock(BucketLock(name));
    auto existing = metadata_.Get(BucketRecordKey(name));
    if (!existing) return existing.error();
    if (existing->has_value()) return Err(Errc::kBucketAlreadyOwnedByYou);
    BucketRecord record{ToUnixMillis(Clock::now()), region};
    WriteBatch batch;
    batch.Put(BucketRecordKey(name), EncodeBucketRecord(record));
    return metadata_.Write(batch);
  }

  Result<BucketInfo> GetBucket(const std::string& name) override {
    auto value = metadata_.Get(BucketRecordKey(name));
    if (!value) return value.error();
    if (!value->has_value()) return Err(Errc::kNoSuchBucket);
    auto record = DecodeBucketRecord(**value);
    if (!record) return record.error();
    return BucketInfo{name, FromUnixMillis(record->created_ms), record->region};
  }

  boost::system::error_code DeleteBucket(const std::string& name) override {
    std::unique_lock lock(BucketLock(name));
    auto existing = metadata_.Get(BucketRecordKey(name));
    if (!existing) return existing.error();
    if (!existing->has_value()) return Err(Errc::kNoSuchBucket);
    auto cursor = metadata_.Scan(ObjectRecordPrefix(name));
    if (auto ec = cursor->status()) return ec;
    if (cursor->Valid()) return Err(Errc::kBucketNotEmpty);
    WriteBatch batch;
    batch.Delete(BucketRecordKey(name));
    return metadata_.Write(batch);
  }

  Result<std::vector<BucketInfo>> ListBuckets() override {
    std::vector<BucketInfo> buckets;
    auto cursor = metadata_.Scan(BucketRecordPrefix());
    for (; cursor->Valid(); cursor->Next()) {
      auto record = DecodeBucketRecord(cursor->value());
      if (!record) return record.error();
      buckets.push_back(BucketInfo{std::string(cursor->key().substr(BucketRecordPrefix().size())),
                                   FromUnixMillis(record->created_ms), record->region});
    }
    if (auto ec = cursor->status()) return ec;
    return buckets;  // the index is ordered: already sorted by name
  }

  Result<ObjectInfo> Put(const std::string& bucket, const std::string& key, BodySource& body,
                         const PutOptions& options) override {
    if (auto ec = ValidateKey(key)) return ec;
    const std::string storage_class =
        options.storage_class.empty() ? "STANDARD" : options.storage_class;
    auto tier = options_.storage_class_tiers.find(storage_class);
    if (tier == options_.storage_class_tiers.end()) return Err(Errc::kInvalidStorageClass);
    // Early check so a PUT to a missing bucket does not stream its body; re-checked at commit.
    if (auto ec = CheckBucketExists(bucket)) return ec;

    ObjectRecord record;
    record.storage_class = storage_class;
    record.headers = options.headers;

    // Read one byte past the inline threshold: if the body ended within it, keep it inline.
    std::string head(options_.inline_threshold + 1, '\0');
    auto head_size = ReadFull(body, std::as_writable_bytes(std::span(head)));
    if (!head_size) return head_size.error();
    head.resize(*head_size);
    if (*head_size > options_.max_object_size) return Err(Errc::kEntityTooLarge);

    std::unique_ptr<erasure::BlobWriter> writer;  // abandons its shards unless committed
    uint64_t total = *head_size;
    if (*head_size <= options_.inline_threshold) {
      record.payload_kind = PayloadKind::kInline;
      record.payload = std::move(head);
    } else {
      erasure::Placement placement{tier->second, bucket + "/" + key,
                                   EncodeBlobLabel(bucket, key, record.version_id)};
      auto created = chunks_.Create(placement);
      if (!created) return created.error();
      writer = std::move(*created);
      if (auto ec = writer->Append(std::as_bytes(std::span(head)))) return ec;
      head = std::string();
      std::vector<std::byte> buffer(kStreamBufferBytes);
      while (true) {
        auto n = body.Read(buffer);
        if (!n) return n.error();
        if (*n == 0) break;
        total += *n;
        if (total > options_.max_object_size) return Err(Errc::kEntityTooLarge);
        if (auto ec = writer->Append(std::span(buffer).first(*n))) return ec;
      }
    }

    auto digests = body.Finish();
    if (!digests) return digests.error();
    if (digests->size != total) return Err(Errc::kInternal);  // BodySource broke its contract

    std::optional<erasure::BlobRef> blob;
    if (writer) {
      auto ref = writer->Commit();
      if (!ref) return ref.error();
      blob = std::move(*ref);
      record.payload_kind = PayloadKind::kBlob;
      record.payload = blob->Encode();
    }
    record.size = total;
    record.etag = HexEncode(digests->md5);
    record.checksum = std::move(digests->checksum);
    record.last_modified_ms = ToUnixMillis(Clock::now());
    std::string encoded = EncodeObjectRecord(record);

    const std::string record_key = ObjectRecordKey(bucket, key);
    std::optional<erasure::BlobRef> old_blob;
    {
      std::shared_lock bucket_lock(BucketLock(bucket));
      std::unique_lock key_lock(KeyLock(record_key));
      if (auto ec = CheckBucketExists(bucket)) {
        if (blob) leases_->Retire(*blob);  // never referenced: delete it now
        return ec;
      }
      auto old = ReadBlobRef(record_key);
      if (!old) {
        if (blob) leases_->Retire(*blob);
        return old.error();
      }
      old_blob = std::move(*old);
      WriteBatch batch;
      batch.Put(record_key, encoded);
      // On a failed write the new blob is left for the scrubber rather than deleted: LevelDB
      // may have logged the record before failing, and a dangling record is worse than garbage.
      if (auto ec = metadata_.Write(batch)) return ec;
    }
    if (old_blob) leases_->Retire(*old_blob);
    return ToObjectInfo(bucket, key, std::move(record));
  }

  Result<std::unique_ptr<ObjectReader>> Get(const std::string& bucket,
                                            const std::string& key) override {
    if (auto ec = ValidateKey(key)) return ec;
    const std::string record_key = ObjectRecordKey(bucket, key);
    ObjectRecord record;
    std::optional<erasure::BlobRef> ref;
    std::optional<BlobLeases::Lease> lease;
    {
      // The lease is taken under the key lock so an overwrite cannot retire the blob between
      // reading the record and pinning it.
      std::shared_lock key_lock(KeyLock(record_key));
      auto loaded = LoadRecord(bucket, record_key, /*with_payload=*/true);
      if (!loaded) return loaded.error();
      record = std::move(*loaded);
      if (record.payload_kind == PayloadKind::kBlob) {
        auto decoded = erasure::BlobRef::Decode(record.payload);
        if (!decoded) return Err(Errc::kCorrupt);
        ref = std::move(*decoded);
        lease.emplace(leases_->Acquire(*ref));
      }
    }
    if (!ref) {
      std::string data = std::move(record.payload);
      return NewInlineObjectReader(ToObjectInfo(bucket, key, std::move(record)), std::move(data));
    }
    auto blob = chunks_.Open(*ref);
    if (!blob) return blob.error();
    return NewBlobObjectReader(ToObjectInfo(bucket, key, std::move(record)), std::move(*blob),
                               std::move(*lease));
  }

  Result<ObjectInfo> Head(const std::string& bucket, const std::string& key) override {
    if (auto ec = ValidateKey(key)) return ec;
    auto record = LoadRecord(bucket, ObjectRecordKey(bucket, key), /*with_payload=*/false);
    if (!record) return record.error();
    return ToObjectInfo(bucket, key, std::move(*record));
  }

  boost::system::error_code Delete(const std::string& bucket, const std::string& key) override {
    if (auto ec = ValidateKey(key)) return ec;
    const std::string record_key = ObjectRecordKey(bucket, key);
    std::optional<erasure::BlobRef> old_blob;
    {
      std::shared_lock bucket_lock(BucketLock(bucket));
      std::unique_lock key_lock(KeyLock(record_key));
      if (auto ec = CheckBucketExists(bucket)) return ec;
      auto existing = metadata_.Get(record_key);
      if (!existing) return existing.error();
      if (!existing->has_value()) return {};
      auto record = DecodeObjectRecord(**existing, /*with_payload=*/true);
      if (!record) return record.error();
      if (record->payload_kind == PayloadKind::kBlob) {
        auto ref = erasure::BlobRef::Decode(record->payload);
        if (ref) old_blob = std::move(*ref);  // undecodable: leave the garbage to the scrubber
      }
      WriteBatch batch;
      batch.Delete(record_key);
      if (auto ec = metadata_.Write(batch)) return ec;
    }
    if (old_blob) leases_->Retire(*old_blob);
    return {};
  }

  Result<ListResult> List(const std::string& bucket, const ListOptions& options) override {
    if (auto ec = CheckBucketExists(bucket)) return ec;
    return ListObjects(metadata_, bucket, options);
  }

 private:
  std::shared_mutex& KeyLock(const std::string& record_key) {
    return key_locks_[std::hash<std::string>{}(record_key) % kKeyLockStripes];
  }
  std::shared_mutex& BucketLock(const std::string& bucket) {
    return bucket_locks_[std::hash<std::string>{}(bucket) % kBucketLockStripes];
  }

  boost::system::error_code CheckBucketExists(const std::string& bucket) {
    auto value = metadata_.Get(BucketRecordKey(bucket));
    if (!value) return value.error();
    if (!value->has_value()) return Err(Errc::kNoSuchBucket);
    return {};
  }

  // The record at record_key; kNoSuchKey, or kNoSuchBucket if the bucket itself is missing.
  Result<ObjectRecord> LoadRecord(const std::string& bucket, const std::string& record_key,
                                  bool with_payload) {
    auto value = metadata_.Get(record_key);
    if (!value) return value.error();
    if (!value->has_value()) {
      if (auto ec = CheckBucketExists(bucket)) return ec;
      return Err(Errc::kNoSuchKey);
    }
    return DecodeObjectRecord(**value, with_payload);
  }

  // The blob the current record at record_key references, if any.
  Result<std::optional<erasure::BlobRef>> ReadBlobRef(const std::string& record_key) {
    auto value = metadata_.Get(record_key);
    if (!value) return value.error();
    if (!value->has_value()) return std::optional<erasure::BlobRef>();
    auto record = DecodeObjectRecord(**value, /*with_payload=*/true);
    // A corrupt old record is overwritten: that is how it gets repaired.
    if (!record || record->payload_kind != PayloadKind::kBlob) {
      return std::optional<erasure::BlobRef>();
    }
    auto ref = erasure::BlobRef::Decode(record->payload);
    if (!ref) return std::optional<erasure::BlobRef>();
    return std::optional<erasure::BlobRef>(std::move(*ref));
  }

  MetadataStore& metadata_;
  erasure::ChunkStore& chunks_;
  const StoreOptions options_;
  std::shared_ptr<BlobLeases> leases_;
  std::array<std::shared_mutex, kKeyLockStripes> key_locks_;
  std::array<std::shared_mutex, kBucketLockStripes> bucket_locks_;
};

}  // namespace

std::unique_ptr<ObjectStore> NewObjectStore(MetadataStore& metadata, erasure::ChunkStore& chunks,
                                            StoreOptions options) {
  return std::make_unique<ObjectStoreImpl>(metadata, chunks, std::move(options));
}

}  // namespace strata::storage
