// ObjectStoreImpl, access control documents (issue 7). Layout:
//   x/b/<kind byte><bucket>                  bucket policy / canned ACL / public access block:
//                                            varint zigzag(bucket created_ms) | lp(document)
//   x/o/<bucket>\0<key>\0<version sort id>   a version's canned ACL: lp(acl)
// A bucket document records the creation time of the bucket it was written for, and a version
// ACL is keyed by the version's sort id (unique per write, null versions included). So nothing
// has to be deleted with a bucket or a version for stale grants to stay dead: a recreated bucket
// or an overwritten null version simply finds no matching record. (Records of removed versions
// are left behind; they are small and unreachable.)
#include "storage/coding.h"
#include "storage/object_record.h"
#include "storage/object_store_impl.h"

namespace strata::storage {
namespace {

std::string BucketAccessKey(std::string_view bucket, BucketAccessKind kind) {
  std::string k = "x/b/";
  k.push_back(static_cast<char>('0' + static_cast<int>(kind)));
  k.append(bucket);
  return k;
}

std::string ObjectAclKey(std::string_view bucket, std::string_view key, std::string_view sort_id) {
  std::string k = "x/o/";
  k.append(bucket).push_back('\0');
  k.append(key).push_back('\0');
  k.append(sort_id);
  return k;
}

// Format-1 records have no sort id; their version id and ETag identify them well enough.
std::string SortIdOf(const ObjectRecord& r) {
  return r.sort_id.empty() ? "legacy:" + r.version_id + ":" + r.etag : r.sort_id;
}

}  // namespace

Result<std::optional<std::string>> ObjectStoreImpl::GetBucketAccess(const std::string& bucket,
                                                                    BucketAccessKind kind) {
  auto b = LoadBucket(bucket);
  if (!b) return b.error();
  auto value = metadata_.Get(BucketAccessKey(bucket, kind));
  if (!value) return value.error();
  if (!value->has_value()) return std::optional<std::string>();
  Decoder d(**value);
  uint64_t created = 0;
  std::string document;
  if (!d.GetVarint64(created) || !d.GetLengthPrefixed(document)) {
    return make_error_code(Errc::kCorrupt);
  }
  if (UnZigZag(created) != b->created_ms) return std::optional<std::string>();  // stale
  return std::optional<std::string>(std::move(document));
}

boost::system::error_code ObjectStoreImpl::PutBucketAccess(const std::string& bucket,
                                                           BucketAccessKind kind,
                                                           const std::string& document) {
  std::unique_lock lock(BucketLock(bucket));
  auto b = LoadBucket(bucket);
  if (!b) return b.error();
  WriteBatch batch;
  if (document.empty()) {
    batch.Delete(BucketAccessKey(bucket, kind));
  } else {
    std::string value;
    PutVarint64(value, ZigZag(b->created_ms));
    PutLengthPrefixed(value, document);
    batch.Put(BucketAccessKey(bucket, kind), value);
  }
  return metadata_.Write(batch);
}

Result<std::string> ObjectStoreImpl::GetObjectAcl(const std::string& bucket, const std::string& key,
                                                  const std::string& version_id) {
  auto record = ResolveVersion(bucket, key, version_id, /*allow_marker=*/false);
  if (!record) return record.error();
  auto value = metadata_.Get(ObjectAclKey(bucket, key, SortIdOf(*record)));
  if (!value) return value.error();
  if (!value->has_value()) return std::string();
  Decoder d(**value);
  std::string acl;
  if (!d.GetLengthPrefixed(acl)) return make_error_code(Errc::kCorrupt);
  return acl;
}

Result<std::string> ObjectStoreImpl::PutObjectAcl(const std::string& bucket, const std::string& key,
                                                  const std::string& version_id,
                                                  const std::string& acl) {
  // Keyed by the resolved version's sort id: if the version is replaced meanwhile, this record
  // belongs to the replaced one and never applies to its successor.
  auto record = ResolveVersion(bucket, key, version_id, /*allow_marker=*/false);
  if (!record) return record.error();
  WriteBatch batch;
  if (acl.empty()) {
    batch.Delete(ObjectAclKey(bucket, key, SortIdOf(*record)));
  } else {
    StageObjectAcl(bucket, key, SortIdOf(*record), acl, batch);
  }
  if (auto ec = metadata_.Write(batch)) return ec;
  return record->version_id;
}

void ObjectStoreImpl::StageObjectAcl(const std::string& bucket, const std::string& key,
                                     const std::string& sort_id, const std::string& acl,
                                     WriteBatch& batch) {
  std::string value;
  PutLengthPrefixed(value, acl);
  batch.Put(ObjectAclKey(bucket, key, sort_id), value);
}

}  // namespace strata::storage
