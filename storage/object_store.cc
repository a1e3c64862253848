// ObjectStoreImpl, part 1: buckets, objects, conditional writes (multipart: multipart_store.cc).
//
// Put commit order: stream the body (inline buffer or blob), verify digests, commit the blob
// (durable shards), then, under the bucket (shared) and key (exclusive) locks, re-check the
// bucket and the write condition and commit the record with one synced WriteBatch; only then
// delete the previous data. A failure before the record commit leaves the old object and no new
// blob. Locking: see object_store_impl.h.
#include "storage/object_store.h"

#include <functional>

#include "storage/listing.h"
#include "storage/metadata_keys.h"
#include "storage/multipart.h"
#include "storage/object_reader.h"
#include "storage/object_store_impl.h"
#include "storage/sse.h"

namespace strata::storage {
namespace {

constexpr size_t kMaxKeyBytes = 1024;
constexpr size_t kStreamBufferBytes = 1 << 20;

boost::system::error_code Err(Errc e) { return make_error_code(e); }

}  // namespace

boost::system::error_code ValidateObjectKey(const std::string& key) {
  // NUL separates bucket, key and upload id in index keys (metadata_keys.h).
  if (key.empty() || key.find('\0') != std::string::npos) return Err(Errc::kInvalidArgument);
  if (key.size() > kMaxKeyBytes) return Err(Errc::kKeyTooLong);
  return {};
}

ObjectStoreImpl::ObjectStoreImpl(MetadataStore& metadata, erasure::ChunkStore& chunks,
                                 StoreOptions options)
    : metadata_(metadata),
      chunks_(chunks),
      options_(std::move(options)),
      pins_(std::make_shared<PartPins>(chunks)) {
  MigrateLegacyRecords();
}

boost::system::error_code ObjectStoreImpl::CreateBucket(const std::string& name,
                                                        const std::string& region) {
  return CreateBucketWithOptions(name, region, CreateBucketOptions{});
}

boost::system::error_code ObjectStoreImpl::CreateBucketWithOptions(
    const std::string& name, const std::string& region, const CreateBucketOptions& options) {
  // NUL separates bucket from key in object record keys (metadata_keys.h).
  if (name.empty() || name.find('\0') != std::string::npos) return Err(Errc::kInvalidBucketName);
  std::unique_lock lock(BucketLock(name));
  auto existing = metadata_.Get(BucketRecordKey(name));
  if (!existing) return existing.error();
  if (existing->has_value()) return Err(Errc::kBucketAlreadyOwnedByYou);
  BucketRecord record;
  record.created_ms = NowMs();
  record.region = region;
  if (options.object_lock_enabled) {
    record.object_lock = true;
    record.versioning = VersioningState::kEnabled;
  }
  WriteBatch batch;
  batch.Put(BucketRecordKey(name), EncodeBucketRecord(record));
  return metadata_.Write(batch);
}

Result<BucketInfo> ObjectStoreImpl::GetBucket(const std::string& name) {
  auto value = metadata_.Get(BucketRecordKey(name));
  if (!value) return value.error();
  if (!value->has_value()) return Err(Errc::kNoSuchBucket);
  auto record = DecodeBucketRecord(**value);
  if (!record) return record.error();
  return BucketInfo{name, FromUnixMillis(record->created_ms), record->region, record->versioning,
                    record->object_lock};
}

// A bucket with objects is not empty. In-progress multipart uploads do not keep it (AWS deletes
// general-purpose buckets with uploads in progress): they are aborted in the batch that deletes
// the bucket record, and their part blobs deleted after it. Holding the bucket stripe exclusively
// excludes every commit into the bucket, including part records.
boost::system::error_code ObjectStoreImpl::DeleteBucket(const std::string& name) {
  std::vector<std::string> part_blobs;
  {
    std::unique_lock lock(BucketLock(name));
    auto existing = metadata_.Get(BucketRecordKey(name));
    if (!existing) return existing.error();
    if (!existing->has_value()) return Err(Errc::kNoSuchBucket);
    // Any version or delete marker keeps the bucket (locked versions among them).
    for (const std::string& prefix : {ObjectRecordPrefix(name), VersionRecordPrefix(name)}) {
      auto cursor = metadata_.Scan(prefix);
      if (auto ec = cursor->status()) return ec;
      if (cursor->Valid()) return Err(Errc::kBucketNotEmpty);
    }
    WriteBatch batch;
    const std::string upload_prefix = UploadRecordPrefix(name);
    auto uploads = metadata_.Scan(upload_prefix);
    for (; uploads->Valid(); uploads->Next()) {
      batch.Delete(uploads->key());
      std::string_view key, upload_id;
      if (!SplitUploadSuffix(uploads->key().substr(upload_prefix.size()), key, upload_id)) {
        continue;  // malformed: drop the record, nothing to find its parts by
      }
      auto parts = metadata_.Scan(PartRecordPrefix(upload_id));
      for (; parts->Valid(); parts->Next()) {
        batch.Delete(parts->key());
        auto part = DecodePartRecord(parts->value());
        if (part && part->kind == PayloadKind::kBlob) part_blobs.push_back(std::move(part->data));
      }
      if (auto ec = parts->status()) return ec;
    }
    if (auto ec = uploads->status()) return ec;
    batch.Delete(LifecycleKey(name));
    batch.Delete(CorsKey(name));
    batch.Delete(BucketRecordKey(name));
    if (auto ec = metadata_.Write(batch)) return ec;
  }
  for (const auto& blob : part_blobs) DeleteBlob(blob);
  return {};
}

Result<std::vector<BucketInfo>> ObjectStoreImpl::ListBuckets() {
  std::vector<BucketInfo> buckets;
  auto cursor = metadata_.Scan(BucketRecordPrefix());
  for (; cursor->Valid(); cursor->Next()) {
    auto record = DecodeBucketRecord(cursor->value());
    if (!record) return record.error();
    buckets.push_back(BucketInfo{std::string(cursor->key().substr(BucketRecordPrefix().size())),
                                 FromUnixMillis(record->created_ms), record->region,
                                 record->versioning, record->object_lock});
  }
  if (auto ec = cursor->status()) return ec;
  return buckets;  // the index is ordered: already sorted by name
}

Result<ObjectStoreImpl::NewEncryption> ObjectStoreImpl::PrepareEncryption(
    const SseRequest& request) const {
  if (request.mode == SseMode::kNone) return NewEncryption{};
  if (!options_.sse_keyring) return Err(Errc::kInternal);
  auto key = options_.sse_keyring->Create(request.mode, request.customer_key);
  if (!key) return key.error();
  return NewEncryption{EncodeSseEnvelope(key->envelope), std::move(key->base_key)};
}

Result<std::string> ObjectStoreImpl::OpenEncryption(const std::string& envelope,
                                                    const std::string& customer_key) const {
  if (envelope.empty()) {
    if (!customer_key.empty()) return Err(Errc::kSseNotApplicable);
    return std::string();
  }
  auto decoded = DecodeSseEnvelope(envelope);
  if (!decoded) return decoded.error();
  // The keyring checks an SSE-C key; an SSE-S3 object takes none (before any unwrapping).
  if (decoded->mode == SseMode::kS3 && !customer_key.empty()) return Err(Errc::kSseNotApplicable);
  if (!options_.sse_keyring) return Err(Errc::kInternal);
  return options_.sse_keyring->Open(*decoded, customer_key);
}

Result<ObjectStoreImpl::StoredBody> ObjectStoreImpl::StoreBody(BodySource& plain_body,
                                                               const erasure::Placement& placement,
                                                               uint64_t max_size,
                                                               ChecksumAlgorithm required,
                                                               const std::string& sse_base_key) {
  // Encrypted bodies are stored (and limited, and kept inline) by their stored size.
  std::unique_ptr<BodySource> encrypting;
  if (!sse_base_key.empty()) {
    encrypting = NewEncryptingSource(plain_body, sse_base_key);
    max_size = SseCiphertextSize(max_size);
  }
  BodySource& body = encrypting ? *encrypting : plain_body;
  StoredBody stored;
  // Read one byte past the inline threshold: if the body ended within it, keep it inline.
  std::string head(options_.inline_threshold + 1, '\0');
  auto head_size = ReadFull(body, std::as_writable_bytes(std::span(head)));
  if (!head_size) return head_size.error();
  head.resize(*head_size);
  if (*head_size > max_size) return Err(Errc::kEntityTooLarge);

  std::unique_ptr<erasure::BlobWriter> writer;  // abandons its shards unless committed
  uint64_t total = *head_size;
  if (*head_size <= options_.inline_threshold) {
    stored.inline_data = std::move(head);
  } else {
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
      if (total > max_size) return Err(Errc::kEntityTooLarge);
      if (auto ec = writer->Append(std::span(buffer).first(*n))) return ec;
    }
  }

  auto digests = body.Finish();
  if (!digests) return digests.error();
  if ((encrypting ? SseCiphertextSize(digests->size) : digests->size) != total) {
    return Err(Errc::kInternal);  // a BodySource broke its contract
  }
  if (required != ChecksumAlgorithm::kNone && digests->checksum.algorithm != required) {
    return Err(Errc::kInvalidArgument);
  }
  if (writer) {
    auto ref = writer->Commit();
    if (!ref) return ref.error();
    stored.blob = std::move(*ref);
  }
  stored.size = digests->size;
  stored.digests = std::move(*digests);
  return stored;
}

Result<ObjectInfo> ObjectStoreImpl::Put(const std::string& bucket, const std::string& key,
                                        BodySource& body, const PutOptions& options) {
  if (auto ec = ValidateObjectKey(key)) return ec;
  const std::string storage_class =
      options.storage_class.empty() ? "STANDARD" : options.storage_class;
  auto tier = options_.storage_class_tiers.find(storage_class);
  if (tier == options_.storage_class_tiers.end()) return Err(Errc::kInvalidStorageClass);
  // Early checks so a doomed PUT does not stream its body; all are re-checked at commit.
  auto early_bucket = LoadBucket(bucket);
  if (!early_bucket) return early_bucket.error();
  {
    ObjectRecord probe;
    if (auto ec = ApplyVersionOptions(*early_bucket, options.version, probe)) return ec;
  }
  const std::string record_key = ObjectRecordKey(bucket, key);
  const WriteCondition& condition = options.condition;
  if (condition.if_none_match_any || condition.if_match) {
    auto current = ReadCurrent(record_key);
    if (!current) return current.error();
    if (auto ec = CheckCondition(condition, *current)) return ec;
  }

  auto encryption = PrepareEncryption(options.sse);
  if (!encryption) return encryption.error();

  ObjectRecord record;
  record.storage_class = storage_class;
  record.headers = options.headers;
  record.sse_envelope = std::move(encryption->envelope);
  erasure::Placement placement{tier->second, bucket + "/" + key,
                               EncodeBlobLabel(bucket, key, record.version_id)};
  auto stored = StoreBody(body, placement, options_.max_object_size, ChecksumAlgorithm::kNone,
                          encryption->base_key);
  if (!stored) return stored.error();
  if (stored->blob) {
    record.payload_kind = PayloadKind::kBlob;
    record.payload = stored->blob->Encode();
  } else {
    record.payload_kind = PayloadKind::kInline;
    record.payload = std::move(stored->inline_data);
  }
  record.size = stored->size;
  record.etag = HexEncode(options.sse.mode == SseMode::kCustomer
                              ? MaskEtagDigest(encryption->base_key, stored->digests.md5)
                              : stored->digests.md5);
  record.checksum = std::move(stored->digests.checksum);
  record.last_modified_ms = NowMs();

  std::optional<ObjectRecord> old;
  {
    std::shared_lock bucket_lock(BucketLock(bucket));
    std::unique_lock key_lock(KeyLock(record_key));
    auto fail = [&](boost::system::error_code ec) {
      if (stored->blob) (void)chunks_.Delete(*stored->blob);  // never referenced
      return ec;
    };
    auto b = LoadBucket(bucket);
    if (!b) return fail(b.error());
    // The retention default is computed at commit, from the rule in force now.
    if (auto ec = ApplyVersionOptions(*b, options.version, record)) return fail(ec);
    auto current = ReadCurrent(record_key);
    if (!current) return fail(current.error());
    if (auto ec = CheckCondition(condition, *current)) return fail(ec);
    WriteBatch batch;
    auto replaced = StageNewVersion(bucket, key, *b, record, batch, &*current);
    if (!replaced) return fail(replaced.error());
    old = std::move(*replaced);
    // On a failed write the new blob is left for the scrubber rather than deleted: LevelDB
    // may have logged the record before failing, and a dangling record is worse than garbage.
    if (auto ec = metadata_.Write(batch)) return ec;
  }
  if (old) Retire(*old);
  return ToObjectInfo(bucket, key, std::move(record));
}

Result<std::unique_ptr<ObjectReader>> ObjectStoreImpl::Get(const std::string& bucket,
                                                           const std::string& key) {
  auto reader = GetVersion(bucket, key, "");
  if (!reader && reader.error() == Errc::kDeleteMarker) return Err(Errc::kNoSuchKey);
  return reader;
}

Result<std::unique_ptr<ObjectReader>> ObjectStoreImpl::OpenRecord(
    const std::string& bucket, const std::string& key, ObjectRecord record,
    const ReadOptions& options, std::shared_lock<std::shared_mutex>& key_lock) {
  // The key is checked (and an SSE-S3 data key unwrapped) before any data is opened.
  auto base_key = OpenEncryption(record.sse_envelope, options.customer_key);
  if (!base_key) return base_key.error();
  switch (record.payload_kind) {
    case PayloadKind::kInline: {
      key_lock.unlock();
      std::string data = std::move(record.payload);
      if (!base_key->empty()) {
        auto plain = SseDecryptAll(*base_key, data, record.size);
        if (!plain) return plain.error();
        data = std::move(*plain);
      }
      return NewInlineObjectReader(ToObjectInfo(bucket, key, std::move(record)), std::move(data));
    }
    case PayloadKind::kBlob: {
      auto ref = erasure::BlobRef::Decode(record.payload);
      if (!ref) return Err(Errc::kCorrupt);
      auto blob = chunks_.Open(*ref);
      key_lock.unlock();
      if (!blob) return blob.error();
      return NewBlobObjectReader(ToObjectInfo(bucket, key, std::move(record)), std::move(*blob),
                                 std::move(*base_key));
    }
    case PayloadKind::kParts: {
      auto pin = pins_->Acquire(record.parts.upload_id);
      key_lock.unlock();
      PartList parts = record.parts;  // ToObjectInfo consumes the record's copy
      return NewPartsObjectReader(ToObjectInfo(bucket, key, std::move(record)), std::move(parts),
                                  chunks_, std::move(pin), std::move(*base_key));
    }
    case PayloadKind::kInlineInVersion:
      break;  // resolved when the record was loaded: never here
  }
  return Err(Errc::kCorrupt);
}

Result<ObjectInfo> ObjectStoreImpl::Head(const std::string& bucket, const std::string& key) {
  auto info = HeadVersion(bucket, key, "");
  if (!info && info.error() == Errc::kDeleteMarker) return Err(Errc::kNoSuchKey);
  return info;
}

boost::system::error_code ObjectStoreImpl::Delete(const std::string& bucket,
                                                  const std::string& key) {
  return DeleteIf(bucket, key, WriteCondition{});
}

boost::system::error_code ObjectStoreImpl::DeleteIf(const std::string& bucket,
                                                    const std::string& key,
                                                    const WriteCondition& condition) {
  DeleteOptions options;
  options.condition = condition;
  auto result = DeleteObject(bucket, key, options);
  return result ? boost::system::error_code() : result.error();
}

Result<ListPageEnd> ObjectStoreImpl::ListInto(const std::string& bucket, const ListOptions& options,
                                              ListVisitor& visitor) {
  if (auto ec = CheckBucketExists(bucket)) return ec;
  return ListObjects(metadata_, bucket, options, visitor);
}

Result<ListResult> ObjectStoreImpl::List(const std::string& bucket, const ListOptions& options) {
  if (auto ec = CheckBucketExists(bucket)) return ec;
  return ListObjects(metadata_, bucket, options);
}

Result<ObjectStoreImpl::Current> ObjectStoreImpl::ReadCurrent(const std::string& record_key) {
  auto value = metadata_.Get(record_key);
  if (!value) return value.error();
  Current current;
  if (!value->has_value()) return current;
  current.exists = true;
  auto record = DecodeObjectRecord(**value, /*with_payload=*/true);
  if (record) {
    if (auto ec = ResolveInlinePayload(record_key, *record)) return ec;
    current.record = std::move(*record);
  }
  return current;
}

boost::system::error_code ObjectStoreImpl::ResolveInlinePayload(std::string_view record_key,
                                                                ObjectRecord& record) {
  if (record.payload_kind != PayloadKind::kInlineInVersion) return {};
  auto value = metadata_.Get(VersionRecordKeyOf(record_key, record.sort_id));
  if (!value) return value.error();
  // The two records are written (and removed) in one batch: a missing one is damage.
  if (!value->has_value()) return Err(Errc::kCorrupt);
  auto version = DecodeObjectRecord(**value, /*with_payload=*/true);
  if (!version) return version.error();
  if (version->sort_id != record.sort_id || version->payload_kind != PayloadKind::kInline) {
    return Err(Errc::kCorrupt);
  }
  record.payload_kind = PayloadKind::kInline;
  record.payload = std::move(version->payload);
  return {};
}

boost::system::error_code ObjectStoreImpl::CheckCondition(const WriteCondition& condition,
                                                          const Current& current) {
  // A key whose latest is a delete marker does not exist for conditions (S3).
  const bool exists = current.exists && !(current.record && current.record->delete_marker);
  if (condition.if_none_match_any && exists) return Err(Errc::kPreconditionFailed);
  if (condition.if_match) {
    if (!exists) return Err(Errc::kPreconditionFailed);
    std::string wanted = NormalizeEtag(*condition.if_match);
    if (wanted == "*") return {};
    // A corrupt record has no ETag to match.
    if (!current.record || NormalizeEtag(current.record->etag) != wanted) {
      return Err(Errc::kPreconditionFailed);
    }
  }
  return {};
}

void ObjectStoreImpl::Retire(const ObjectRecord& old) {
  switch (old.payload_kind) {
    case PayloadKind::kInline:
    case PayloadKind::kInlineInVersion:
      return;
    case PayloadKind::kBlob:
      // Open readers pinned the shard files at Open: deleting now does not disturb them.
      DeleteBlob(old.payload);
      return;
    case PayloadKind::kParts: {
      std::vector<erasure::BlobRef> blobs;
      for (const auto& part : old.parts.parts) {
        if (part.kind != PayloadKind::kBlob) continue;
        auto ref = erasure::BlobRef::Decode(part.data);
        if (ref) blobs.push_back(std::move(*ref));  // undecodable: left to the scrubber
      }
      pins_->Retire(old.parts.upload_id, std::move(blobs));
      return;
    }
  }
}

void ObjectStoreImpl::DeleteBlob(const std::string& encoded_ref) {
  auto ref = erasure::BlobRef::Decode(encoded_ref);
  // A failed or impossible delete leaves an unreferenced blob: garbage for the scrubber.
  if (ref) (void)chunks_.Delete(*ref);
}

std::shared_mutex& ObjectStoreImpl::KeyLock(const std::string& record_key) {
  return key_locks_[std::hash<std::string>{}(record_key) % kKeyLockStripes];
}

std::shared_mutex& ObjectStoreImpl::BucketLock(const std::string& bucket) {
  return bucket_locks_[std::hash<std::string>{}(bucket) % kBucketLockStripes];
}

std::mutex& ObjectStoreImpl::UploadLock(const std::string& upload_id) {
  return upload_locks_[std::hash<std::string>{}(upload_id) % kUploadLockStripes];
}

boost::system::error_code ObjectStoreImpl::CheckBucketExists(const std::string& bucket) {
  auto value = metadata_.Get(BucketRecordKey(bucket));
  if (!value) return value.error();
  if (!value->has_value()) return Err(Errc::kNoSuchBucket);
  return {};
}

Result<ObjectRecord> ObjectStoreImpl::LoadRecord(const std::string& bucket,
                                                 const std::string& record_key, bool with_payload) {
  auto value = metadata_.Get(record_key);
  if (!value) return value.error();
  if (!value->has_value()) {
    if (auto ec = CheckBucketExists(bucket)) return ec;
    return Err(Errc::kNoSuchKey);
  }
  auto record = DecodeObjectRecord(**value, with_payload);
  if (record && with_payload) {
    if (auto ec = ResolveInlinePayload(record_key, *record)) return ec;
  }
  return record;
}

std::unique_ptr<ObjectStore> NewObjectStore(MetadataStore& metadata, erasure::ChunkStore& chunks,
                                            StoreOptions options) {
  return std::make_unique<ObjectStoreImpl>(metadata, chunks, std::move(options));
}

}  // namespace strata::storage
