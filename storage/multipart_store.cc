// ObjectStoreImpl, part 2: multipart uploads.
//
// An upload is an upload record ("u/<bucket>\0<key>\0<id>") and part records
// ("p/<id>\0<u32 BE part number>"); each part's bytes are a blob of their own (or inline in the
// part record when small). Completing writes ONE batch: the object record (PayloadKind::kParts,
// naming the part blobs, so no data is copied), and the deletion of the upload record and every
// part record. Under the upload lock exactly one of Complete/Abort finds the upload record; the
// other gets kNoSuchUpload. Blobs are deleted only after the batch that stops referencing them
// commits: parts not named by the completion, replaced parts, aborted uploads' parts, and the
// overwritten object's data. Lock order (bucket, upload, key): see object_store_impl.h.
#include <algorithm>

#include "storage/listing.h"
#include "storage/metadata_keys.h"
#include "storage/multipart.h"
#include "storage/object_store_impl.h"
#include "storage/sse.h"
#include "storage/upload_id.h"

namespace strata::storage {
namespace {

boost::system::error_code Err(Errc e) { return make_error_code(e); }

PartInfo ToPartInfo(uint32_t part_number, const PartRecord& record) {
  PartInfo info;
  info.part_number = part_number;
  info.size = record.size;
  info.etag = HexEncode(record.md5);
  info.last_modified = FromUnixMillis(record.last_modified_ms);
  info.checksum = record.checksum;
  return info;
}

struct NumberedPart {
  uint32_t part_number = 0;
  std::string key;  // its index key
  PartRecord record;
};

}  // namespace

Result<UploadRecord> ObjectStoreImpl::LoadUpload(const std::string& bucket, const std::string& key,
                                                 const std::string& upload_id) {
  if (!IsWellFormedUploadId(upload_id)) {
    if (auto ec = CheckBucketExists(bucket)) return ec;
    return Err(Errc::kNoSuchUpload);
  }
  auto value = metadata_.Get(UploadRecordKey(bucket, key, upload_id));
  if (!value) return value.error();
  if (!value->has_value()) {
    if (auto ec = CheckBucketExists(bucket)) return ec;
    return Err(Errc::kNoSuchUpload);
  }
  return DecodeUploadRecord(**value);
}

Result<UploadInfo> ObjectStoreImpl::CreateMultipartUpload(const std::string& bucket,
                                                          const std::string& key,
                                                          const MultipartOptions& options) {
  if (auto ec = ValidateObjectKey(key)) return ec;
  UploadRecord record;
  record.storage_class = options.storage_class.empty() ? "STANDARD" : options.storage_class;
  if (!options_.storage_class_tiers.count(record.storage_class)) {
    return Err(Errc::kInvalidStorageClass);
  }
  record.checksum_algorithm = options.checksum_algorithm;
  record.headers = options.headers;
  // One base key for the upload (each part's stream still gets its own key, storage/sse.h).
  auto encryption = PrepareEncryption(options.sse);
  if (!encryption) return encryption.error();
  record.sse_envelope = std::move(encryption->envelope);
  record.acl = options.acl;
  {
    // Validate the version options now (a doomed upload should fail at create); the bucket's
    // default retention is applied at completion.
    auto b = LoadBucket(bucket);
    if (!b) return b.error();
    ObjectRecord probe;
    if (auto ec = ApplyVersionOptions(*b, options.version, probe)) return ec;
    record.tags = options.version.tags;
    if (options.version.retention) {
      record.retention_mode = options.version.retention->mode;
      record.retain_until_ms = ToUnixMillis(options.version.retention->retain_until);
    }
    record.legal_hold = options.version.legal_hold;
    record.legal_hold_given = options.version.legal_hold_given;
  }
  record.initiated_ms = NowMs();
  auto upload_id = NewUploadId(record.initiated_ms);
  if (!upload_id) return upload_id.error();
  {
    // Shared bucket lock: a racing DeleteBucket either sees this upload (and aborts it) or
    // deletes the bucket first (and we see it gone).
    std::shared_lock bucket_lock(BucketLock(bucket));
    if (auto ec = CheckBucketExists(bucket)) return ec;
    WriteBatch batch;
    batch.Put(UploadRecordKey(bucket, key, *upload_id), EncodeUploadRecord(record));
    if (auto ec = metadata_.Write(batch)) return ec;
  }
  return ToUploadInfo(bucket, key, *upload_id, std::move(record));
}

Result<PartInfo> ObjectStoreImpl::UploadPart(const std::string& bucket, const std::string& key,
                                             const std::string& upload_id, uint32_t part_number,
                                             BodySource& body, const PartOptions& options) {
  if (part_number < 1 || part_number > kMaxPartNumber) return Err(Errc::kInvalidArgument);
  if (auto ec = ValidateObjectKey(key)) return ec;
  // Early check so a part for an unknown upload does not stream its body; re-checked at commit.
  auto upload = LoadUpload(bucket, key, upload_id);
  if (!upload) return upload.error();
  auto tier = options_.storage_class_tiers.find(upload->storage_class);
  if (tier == options_.storage_class_tiers.end()) return Err(Errc::kInvalidStorageClass);
  auto base_key = OpenEncryption(upload->sse_envelope, options.customer_key);
  if (!base_key) return base_key.error();

  // Placement by bucket/key: the parts of one object land on the object's erasure set.
  erasure::Placement placement{tier->second, bucket + "/" + key,
                               EncodePartBlobLabel(bucket, key, upload_id, part_number)};
  auto stored =
      StoreBody(body, placement, options_.max_part_size, upload->checksum_algorithm, *base_key);
  if (!stored) return stored.error();

  PartRecord record;
  record.size = stored->size;
  record.last_modified_ms = NowMs();
  // SSE-C parts carry masked digests, so their ETags (and the object's) reveal nothing.
  const bool customer_key = !options.customer_key.empty();
  record.md5 = customer_key ? MaskEtagDigest(*base_key, stored->digests.md5)
                            : std::move(stored->digests.md5);
  if (upload->checksum_algorithm != ChecksumAlgorithm::kNone) {
    record.checksum = std::move(stored->digests.checksum);
  }
  if (stored->blob) {
    record.kind = PayloadKind::kBlob;
    record.data = stored->blob->Encode();
  } else {
    record.kind = PayloadKind::kInline;
    record.data = std::move(stored->inline_data);
  }

  const std::string part_key = PartRecordKey(upload_id, part_number);
  std::optional<PartRecord> replaced;
  {
    std::shared_lock bucket_lock(BucketLock(bucket));
    std::lock_guard upload_lock(UploadLock(upload_id));
    auto fail = [&](boost::system::error_code ec) {
      if (stored->blob) (void)chunks_.Delete(*stored->blob);  // never referenced
      return ec;
    };
    // Aborted or completed while the body streamed: the part has nowhere to go.
    auto still = metadata_.Get(UploadRecordKey(bucket, key, upload_id));
    if (!still) return fail(still.error());
    if (!still->has_value()) return fail(Err(Errc::kNoSuchUpload));
    auto old = metadata_.Get(part_key);
    if (!old) return fail(old.error());
    if (old->has_value()) {
      auto decoded = DecodePartRecord(**old);
      if (decoded) replaced = std::move(*decoded);  // corrupt: overwritten, data left to scrub
    }
    WriteBatch batch;
    batch.Put(part_key, EncodePartRecord(record));
    if (auto ec = metadata_.Write(batch)) return ec;  // blob left for the scrubber (see Put)
  }
  if (replaced && replaced->kind == PayloadKind::kBlob) DeleteBlob(replaced->data);
  return ToPartInfo(part_number, record);
}

Result<ObjectInfo> ObjectStoreImpl::CompleteMultipartUpload(const std::string& bucket,
                                                            const std::string& key,
                                                            const std::string& upload_id,
                                                            const std::vector<CompletedPart>& parts,
                                                            const WriteCondition& condition) {
  if (auto ec = ValidateObjectKey(key)) return ec;
  const std::string record_key = ObjectRecordKey(bucket, key);
  const std::string upload_key = UploadRecordKey(bucket, key, upload_id);
  std::vector<std::string> unnamed_blobs;
  std::optional<ObjectRecord> old;
  ObjectRecord record;
  {
    std::shared_lock bucket_lock(BucketLock(bucket));
    std::lock_guard upload_lock(UploadLock(upload_id));
    auto upload = LoadUpload(bucket, key, upload_id);
    if (!upload) return upload.error();
    if (parts.empty()) return Err(Errc::kInvalidArgument);
    for (size_t i = 1; i < parts.size(); ++i) {
      if (parts[i].part_number <= parts[i - 1].part_number) return Err(Errc::kInvalidPartOrder);
    }

    // Every stored part, in part-number order (the index order).
    std::vector<NumberedPart> stored;
    auto cursor = metadata_.Scan(PartRecordPrefix(upload_id));
    for (; cursor->Valid(); cursor->Next()) {
      NumberedPart p;
      p.part_number = PartNumberOfKey(cursor->key(), upload_id);
      p.key.assign(cursor->key());
      auto decoded = DecodePartRecord(cursor->value());
      if (!decoded) return decoded.error();
      p.record = std::move(*decoded);
      stored.push_back(std::move(p));
    }
    if (auto ec = cursor->status()) return ec;

    // Match the named parts against the stored ones: both ascending, so one merge pass.
    std::vector<bool> named(stored.size(), false);
    std::vector<std::string> md5_hex, checksums;
    record.parts.upload_id = upload_id;
    record.parts.parts.reserve(parts.size());
    size_t s = 0;
    for (size_t i = 0; i < parts.size(); ++i) {
      const CompletedPart& want = parts[i];
      while (s < stored.size() && stored[s].part_number < want.part_number) ++s;
      if (s == stored.size() || stored[s].part_number != want.part_number) {
        return Err(Errc::kInvalidPart);
      }
      const PartRecord& have = stored[s].record;
      if (NormalizeEtag(want.etag) != HexEncode(have.md5)) return Err(Errc::kInvalidPart);
      if (want.checksum && *want.checksum != have.checksum.value) return Err(Errc::kInvalidPart);
      named[s] = true;
      md5_hex.push_back(HexEncode(have.md5));
      checksums.push_back(have.checksum.value);
      PartEntry entry;
      entry.part_number = want.part_number;
      entry.size = have.size;
      entry.md5 = have.md5;
      entry.checksum = have.checksum.value;
      entry.kind = have.kind;
      entry.data = have.data;
      record.size += have.size;
      record.parts.parts.push_back(std::move(entry));
    }

    // Sizes only once every named part is known to exist: a wrong part list is the more
    // useful error to report.
    for (size_t i = 0; i + 1 < record.parts.parts.size(); ++i) {
      if (record.parts.parts[i].size < options_.min_part_size) return Err(Errc::kEntityTooSmall);
    }

    record.storage_class = upload->storage_class;
    record.headers = std::move(upload->headers);
    record.sse_envelope = std::move(upload->sse_envelope);
    record.etag = MultipartEtag(md5_hex);
    if (upload->checksum_algorithm != ChecksumAlgorithm::kNone) {
      record.checksum = CompositeChecksum(upload->checksum_algorithm, checksums);
    }
    record.last_modified_ms = NowMs();
    record.payload_kind = PayloadKind::kParts;
    record.payload = EncodePartList(record.parts);

    WriteBatch batch;  // the new version's records are added by StageNewVersion below
    batch.Delete(upload_key);
    for (size_t i = 0; i < stored.size(); ++i) {
      batch.Delete(stored[i].key);
      if (!named[i] && stored[i].record.kind == PayloadKind::kBlob) {
        unnamed_blobs.push_back(std::move(stored[i].record.data));
      }
    }
    std::unique_lock key_lock(KeyLock(record_key));
    // The bucket exists: the upload record does, and DeleteBucket removes both under the
    // bucket lock we hold shared.
    auto b = LoadBucket(bucket);
    if (!b) return b.error();
    VersionOptions version;
    version.tags = upload->tags;
    if (upload->retention_mode != RetentionMode::kNone) {
      version.retention =
          Retention{upload->retention_mode, FromUnixMillis(upload->retain_until_ms)};
    }
    version.legal_hold = upload->legal_hold;
    version.legal_hold_given = upload->legal_hold_given;
    // A retain-until that passed while the upload was open: refused like on Put.
    if (auto ec = ApplyVersionOptions(*b, version, record)) return ec;
    auto current = ReadCurrent(record_key);
    if (!current) return current.error();
    // A failed condition leaves the upload as it was: the client may retry or abort.
    if (auto ec = CheckCondition(condition, *current)) return ec;
    auto replaced = StageNewVersion(bucket, key, *b, record, batch, &*current);
    if (!replaced) return replaced.error();
    old = std::move(*replaced);
    // The ACL asked for at creation lands with the version (keyed by its new sort id), so the
    // object is never visible without it.
    if (!upload->acl.empty()) StageObjectAcl(bucket, key, record.sort_id, upload->acl, batch);
    if (auto ec = metadata_.Write(batch)) return ec;
  }
  for (const auto& blob : unnamed_blobs) DeleteBlob(blob);
  if (old) Retire(*old);
  record.payload.clear();
  return ToObjectInfo(bucket, key, std::move(record));
}

boost::system::error_code ObjectStoreImpl::AbortMultipartUpload(const std::string& bucket,
                                                                const std::string& key,
                                                                const std::string& upload_id) {
  if (auto ec = ValidateObjectKey(key)) return ec;
  std::vector<std::string> blobs;
  {
    std::shared_lock bucket_lock(BucketLock(bucket));
    std::lock_guard upload_lock(UploadLock(upload_id));
    auto upload = LoadUpload(bucket, key, upload_id);
    if (!upload) return upload.error();
    WriteBatch batch;
    batch.Delete(UploadRecordKey(bucket, key, upload_id));
    auto cursor = metadata_.Scan(PartRecordPrefix(upload_id));
    for (; cursor->Valid(); cursor->Next()) {
      batch.Delete(cursor->key());
      auto part = DecodePartRecord(cursor->value());
      if (part && part->kind == PayloadKind::kBlob) blobs.push_back(std::move(part->data));
    }
    if (auto ec = cursor->status()) return ec;
    if (auto ec = metadata_.Write(batch)) return ec;
  }
  for (const auto& blob : blobs) DeleteBlob(blob);
  return {};
}

Result<ListPartsResult> ObjectStoreImpl::ListParts(const std::string& bucket,
                                                   const std::string& key,
                                                   const std::string& upload_id,
                                                   const ListPartsOptions& options) {
  if (auto ec = ValidateObjectKey(key)) return ec;
  auto upload = LoadUpload(bucket, key, upload_id);
  if (!upload) return upload.error();
  ListPartsResult result;
  result.upload = ToUploadInfo(bucket, key, upload_id, std::move(*upload));
  const uint32_t max_parts = std::min<uint32_t>(options.max_parts, kMaxListKeys);
  if (options.part_number_marker >= kMaxPartNumber) return result;
  auto cursor = metadata_.Scan(PartRecordPrefix(upload_id));
  cursor->Seek(PartRecordKey(upload_id, options.part_number_marker + 1));
  for (; cursor->Valid(); cursor->Next()) {
    if (result.parts.size() == max_parts) {
      result.truncated = true;
      break;
    }
    auto record = DecodePartRecord(cursor->value());
    if (!record) return record.error();
    uint32_t number = PartNumberOfKey(cursor->key(), upload_id);
    result.parts.push_back(ToPartInfo(number, *record));
    result.next_part_number_marker = number;
  }
  if (auto ec = cursor->status()) return ec;
  return result;
}

Result<ListUploadsResult> ObjectStoreImpl::ListMultipartUploads(const std::string& bucket,
                                                                const ListUploadsOptions& options) {
  if (auto ec = CheckBucketExists(bucket)) return ec;
  return ListUploads(metadata_, bucket, options);
}

}  // namespace strata::storage
