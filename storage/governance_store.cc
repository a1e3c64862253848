// ObjectStoreImpl, part 3: versioning, delete markers, version listing, tags and object lock.
//
// Layout (README.md): "o/<bucket>\0<key>" holds a copy of the LATEST version or delete marker,
// so ListObjects stays one scan; "v/<bucket>\0<key>\0<sort id>" holds every version and marker,
// newest first. Both are written in the same batch under the key lock. Lock rules are enforced
// here, below the API, by every path that destroys a version (CheckRemovable).
#include <algorithm>

#include "storage/listing.h"
#include "storage/metadata_keys.h"
#include "storage/object_store_impl.h"
#include "storage/utf8.h"

namespace strata::storage {
namespace {

boost::system::error_code Err(Errc e) { return make_error_code(e); }

bool IsActive(const ObjectRecord& r, int64_t now_ms) {
  return r.retention_mode != RetentionMode::kNone && r.retain_until_ms > now_ms;
}

}  // namespace

boost::system::error_code ValidateTags(const TagSet& tags, size_t max_tags) {
  if (tags.size() > max_tags) return Err(Errc::kInvalidTag);
  for (size_t i = 0; i < tags.size(); ++i) {
    auto k = Utf8Length(tags[i].first), v = Utf8Length(tags[i].second);
    if (!k || !v || *k == 0 || *k > 128 || *v > 256) return Err(Errc::kInvalidTag);
    for (size_t j = 0; j < i; ++j) {
      if (tags[j].first == tags[i].first) return Err(Errc::kInvalidTag);
    }
  }
  return {};
}

Result<BucketRecord> ObjectStoreImpl::LoadBucket(const std::string& bucket) {
  auto value = metadata_.Get(BucketRecordKey(bucket));
  if (!value) return value.error();
  if (!value->has_value()) return Err(Errc::kNoSuchBucket);
  return DecodeBucketRecord(**value);
}

boost::system::error_code ObjectStoreImpl::ApplyVersionOptions(const BucketRecord& b,
                                                               const VersionOptions& opts,
                                                               ObjectRecord& record) {
  if (auto ec = ValidateTags(opts.tags, kMaxObjectTags)) return ec;
  record.tags = opts.tags;
  const int64_t now = NowMs();
  if ((opts.retention && opts.retention->mode != RetentionMode::kNone) || opts.legal_hold ||
      opts.legal_hold_given) {
    if (!b.object_lock) return Err(Errc::kInvalidRequest);
  }
  record.legal_hold = opts.legal_hold;
  record.legal_hold_set = opts.legal_hold || opts.legal_hold_given;
  if (opts.retention && opts.retention->mode != RetentionMode::kNone) {
    int64_t until = ToUnixMillis(opts.retention->retain_until);
    if (until <= now) return Err(Errc::kInvalidArgument);  // dates in the past are refused
    record.retention_mode = opts.retention->mode;
    record.retain_until_ms = until;
  } else if (b.object_lock && b.default_retention) {
    const DefaultRetention& rule = *b.default_retention;
    int64_t days = int64_t{rule.days} + int64_t{rule.years} * 365;
    record.retention_mode = rule.mode;
    record.retain_until_ms = now + days * 86'400'000;
  }
  return {};
}

boost::system::error_code ObjectStoreImpl::CheckRemovable(const ObjectRecord& r,
                                                          bool bypass) const {
  if (r.delete_marker) return {};  // even under default retention (versitygw#1766)
  if (r.legal_hold) return Err(Errc::kObjectLocked);
  if (!IsActive(r, NowMs())) return {};
  if (r.retention_mode == RetentionMode::kGovernance && bypass) return {};
  return Err(Errc::kObjectLocked);
}

Result<std::optional<ObjectRecord>> ObjectStoreImpl::FindVersion(const std::string& bucket,
                                                                 const std::string& key,
                                                                 const std::string& version_id) {
  std::optional<ObjectRecord> found;
  if (version_id == kNullVersionId) {
    // The null version's sort id is its write time: found by scanning the key's versions
    // (O(versions of the key); at most one is "null").
    auto cursor = metadata_.Scan(KeyVersionsPrefix(bucket, key));
    for (; cursor->Valid(); cursor->Next()) {
      auto r = DecodeObjectRecord(cursor->value(), /*with_payload=*/false);
      if (!r) return r.error();
      if (r->version_id != kNullVersionId) continue;
      auto full = DecodeObjectRecord(cursor->value(), /*with_payload=*/true);
      if (!full) return full.error();
      found = std::move(*full);
      break;
    }
    if (auto ec = cursor->status()) return ec;
    return found;
  }
  if (!IsWellFormedVersionId(version_id)) return found;
  auto value = metadata_.Get(VersionRecordKey(bucket, key, version_id));
  if (!value) return value.error();
  if (!value->has_value()) return found;
  auto r = DecodeObjectRecord(**value, /*with_payload=*/true);
  if (!r) return r.error();
  found = std::move(*r);
  return found;
}

Result<ObjectRecord> ObjectStoreImpl::ResolveVersion(const std::string& bucket,
                                                     const std::string& key,
                                                     const std::string& version_id,
                                                     bool allow_marker) {
  if (auto ec = ValidateObjectKey(key)) return ec;
  if (version_id.empty()) {
    auto r = LoadRecord(bucket, ObjectRecordKey(bucket, key), /*with_payload=*/true);
    if (!r) return r.error();
    if (r->delete_marker && !allow_marker) return Err(Errc::kDeleteMarker);
    return r;
  }
  auto found = FindVersion(bucket, key, version_id);
  if (!found) return found.error();
  if (!*found) {
    if (auto ec = CheckBucketExists(bucket)) return ec;
    return Err(Errc::kNoSuchVersion);
  }
  if ((*found)->delete_marker && !allow_marker) return Err(Errc::kMethodNotAllowed);
  return std::move(**found);
}

Result<std::optional<ObjectRecord>> ObjectStoreImpl::FindNullVersion(const std::string& bucket,
                                                                     const std::string& key,
                                                                     const BucketRecord& b,
                                                                     const Current* current) {
  if (current != nullptr && b.versioning == VersioningState::kUnversioned) {
    if (!current->exists) return std::optional<ObjectRecord>();
    const std::optional<ObjectRecord>& latest = current->record;
    // Anything else (undecodable, a legacy record without a sort id) takes the general path.
    if (latest && latest->version_id == kNullVersionId && !latest->sort_id.empty()) return latest;
  }
  return FindVersion(bucket, key, std::string(kNullVersionId));
}

Result<std::optional<ObjectRecord>> ObjectStoreImpl::StageNewVersion(
    const std::string& bucket, const std::string& key, const BucketRecord& b, ObjectRecord& record,
    WriteBatch& batch, const Current* current) {
  std::optional<ObjectRecord> replaced;
  auto sort_id = version_ids_.Next(record.last_modified_ms);
  if (!sort_id) return sort_id.error();
  record.sort_id = *sort_id;
  if (b.versioning == VersioningState::kEnabled) {
    record.version_id = *sort_id;
  } else {
    record.version_id = std::string(kNullVersionId);
    auto null_version = FindNullVersion(bucket, key, b, current);
    if (!null_version) return null_version.error();
    if (*null_version) {
      // Overwriting a null version destroys it: the lock rules apply (no bypass on writes).
      if (auto ec = CheckRemovable(**null_version, /*bypass=*/false)) return ec;
      batch.Delete(VersionRecordKey(bucket, key, (*null_version)->sort_id));
      replaced = std::move(*null_version);
    }
  }
  batch.Put(VersionRecordKey(bucket, key, record.sort_id), EncodeObjectRecord(record));
  batch.Put(ObjectRecordKey(bucket, key), EncodeCurrentObjectRecord(record));
  return replaced;
}

Result<std::unique_ptr<ObjectReader>> ObjectStoreImpl::GetVersion(const std::string& bucket,
                                                                  const std::string& key,
                                                                  const std::string& version_id,
                                                                  const ReadOptions& options) {
  // The data is opened (blob) or pinned (parts) under the key lock, so a removal cannot delete
  // it between reading the record and holding it.
  std::shared_lock key_lock(KeyLock(ObjectRecordKey(bucket, key)));
  auto record = ResolveVersion(bucket, key, version_id, /*allow_marker=*/false);
  if (!record) return record.error();
  return OpenRecord(bucket, key, std::move(*record), options, key_lock);
}

Result<ObjectInfo> ObjectStoreImpl::HeadVersion(const std::string& bucket, const std::string& key,
                                                const std::string& version_id) {
  return DescribeVersion(bucket, key, version_id, /*allow_marker=*/false);
}

Result<ObjectInfo> ObjectStoreImpl::StatVersion(const std::string& bucket, const std::string& key,
                                                const std::string& version_id) {
  return DescribeVersion(bucket, key, version_id, /*allow_marker=*/true);
}

Result<ObjectInfo> ObjectStoreImpl::DescribeVersion(const std::string& bucket,
                                                    const std::string& key,
                                                    const std::string& version_id,
                                                    bool allow_marker) {
  auto record = ResolveVersion(bucket, key, version_id, allow_marker);
  if (!record) return record.error();
  std::string sort_id = record->sort_id;
  ObjectInfo info = ToObjectInfo(bucket, key, std::move(*record));
  info.is_latest = version_id.empty();
  if (!info.is_latest) {
    auto latest = metadata_.Get(ObjectRecordKey(bucket, key));
    if (latest && latest->has_value()) {
      auto r = DecodeObjectRecord(**latest, false);
      info.is_latest = r && r->sort_id == sort_id;
    }
  }
  return info;
}

Result<DeleteResult> ObjectStoreImpl::DeleteObject(const std::string& bucket,
                                                   const std::string& key,
                                                   const DeleteOptions& options) {
  if (auto ec = ValidateObjectKey(key)) return ec;
  const std::string record_key = ObjectRecordKey(bucket, key);
  DeleteResult result;
  std::optional<ObjectRecord> removed;
  {
    std::shared_lock bucket_lock(BucketLock(bucket));
    std::unique_lock key_lock(KeyLock(record_key));
    auto b = LoadBucket(bucket);
    if (!b) return b.error();
    auto current = ReadCurrent(record_key);
    if (!current) return current.error();
    WriteBatch batch;
    if (options.version_id.empty()) {
      if (auto ec = CheckCondition(options.condition, *current)) return ec;
      if (b->versioning == VersioningState::kUnversioned) {
        if (!current->exists) return result;
        if (current->record) {
          if (auto ec = CheckRemovable(*current->record, options.bypass_governance)) return ec;
          if (!current->record->sort_id.empty()) {
            batch.Delete(VersionRecordKey(bucket, key, current->record->sort_id));
          }
        }
        batch.Delete(record_key);
        removed = std::move(current->record);  // undecodable: data left to the scrubber
      } else {
        ObjectRecord marker;
        marker.delete_marker = true;
        marker.last_modified_ms = NowMs();
        auto replaced = StageNewVersion(bucket, key, *b, marker, batch);
        if (!replaced) return replaced.error();
        removed = std::move(*replaced);
        result.delete_marker = true;
        result.version_id = marker.version_id;
      }
    } else {
      if (options.version_id != kNullVersionId && !IsWellFormedVersionId(options.version_id)) {
        return Err(Errc::kInvalidArgument);  // S3: "Invalid version id specified"
      }
      auto found = FindVersion(bucket, key, options.version_id);
      if (!found) return found.error();
      result.version_id = options.version_id;
      // If-Match names the ETag of this version: an unknown version or a marker never matches.
      if (auto ec = CheckCondition(options.condition, Current{found->has_value(), *found})) {
        return ec;
      }
      if (!*found) return result;  // idempotent, like S3
      if (auto ec = CheckRemovable(**found, options.bypass_governance)) return ec;
      result.delete_marker = (*found)->delete_marker;
      batch.Delete(VersionRecordKey(bucket, key, (*found)->sort_id));
      if (current->record && current->record->sort_id == (*found)->sort_id) {
        // The latest goes: the next newest version (if any) becomes the latest.
        auto cursor = metadata_.Scan(KeyVersionsPrefix(bucket, key));
        for (; cursor->Valid(); cursor->Next()) {
          if (cursor->key() == VersionRecordKey(bucket, key, (*found)->sort_id)) continue;
          break;
        }
        if (auto ec = cursor->status()) return ec;
        if (cursor->Valid()) {
          batch.Put(record_key, cursor->value());
        } else {
          batch.Delete(record_key);
        }
      }
      removed = std::move(*found);
    }
    if (auto ec = metadata_.Write(batch)) return ec;
  }
  if (removed && !removed->delete_marker) Retire(*removed);
  return result;
}

Result<ListVersionsResult> ObjectStoreImpl::ListObjectVersions(const std::string& bucket,
                                                               const ListVersionsOptions& options) {
  if (auto ec = CheckBucketExists(bucket)) return ec;
  ListVersionsResult result;
  // Suffixes are "<key>\0<sort id>". key_marker alone: after every version of it ("\x01").
  // With version_id_marker: just after that version's entry.
  std::string after("\x01");
  if (!options.key_marker.empty() && !options.version_id_marker.empty()) {
    std::string sort_id = options.version_id_marker;
    if (sort_id == kNullVersionId) {
      auto found = FindVersion(bucket, options.key_marker, sort_id);
      if (!found) return found.error();
      sort_id = *found ? (*found)->sort_id : std::string();
    } else if (!IsWellFormedVersionId(sort_id)) {
      return Err(Errc::kInvalidArgument);
    }
    if (!sort_id.empty()) after = std::string(1, '\0') + sort_id + std::string(1, '\0');
  }
  auto start = ListingStart(options.prefix, options.delimiter, options.key_marker, after);
  if (!start) return result;
  const bool mid_key = after[0] == '\0';
  ListingScan scan{VersionRecordPrefix(bucket),
                   options.prefix,
                   options.delimiter,
                   std::move(*start),
                   std::min(options.max_keys, kMaxListKeys),
                   {}};
  std::string previous_key;
  bool first = true;
  auto truncated = WalkListing(
      metadata_, scan,
      [&](std::string_view name, std::string_view, std::string_view value) {
        auto record = DecodeObjectRecord(value, /*with_payload=*/false);
        if (!record) return record.error();
        // The first entry of a key is its newest, unless this page resumed inside the key.
        bool latest = first ? !(mid_key && name == options.key_marker) : name != previous_key;
        first = false;
        previous_key.assign(name);
        ObjectInfo info = ToObjectInfo(bucket, name, std::move(*record));
        info.is_latest = latest;
        result.next_key_marker = info.key;
        result.next_version_id_marker = info.version_id;
        result.versions.push_back(std::move(info));
        return boost::system::error_code();
      },
      [&](std::string_view cp) {
        result.common_prefixes.emplace_back(cp);
        result.next_key_marker.assign(cp);
        result.next_version_id_marker.clear();
        previous_key.clear();
        first = false;
      });
  if (!truncated) return truncated.error();
  result.truncated = *truncated;
  if (!result.truncated) {
    result.next_key_marker.clear();
    result.next_version_id_marker.clear();
  }
  return result;
}

boost::system::error_code ObjectStoreImpl::SetBucketVersioning(const std::string& bucket,
                                                               VersioningState state) {
  std::unique_lock lock(BucketLock(bucket));
  auto b = LoadBucket(bucket);
  if (!b) return b.error();
  if (state == VersioningState::kUnversioned && b->versioning != VersioningState::kUnversioned) {
    return Err(Errc::kInvalidBucketState);
  }
  if (state == VersioningState::kSuspended && b->object_lock) {
    return Err(Errc::kInvalidBucketState);
  }
  b->versioning = state;
  WriteBatch batch;
  batch.Put(BucketRecordKey(bucket), EncodeBucketRecord(*b));
  return metadata_.Write(batch);
}

Result<VersioningState> ObjectStoreImpl::GetBucketVersioning(const std::string& bucket) {
  auto b = LoadBucket(bucket);
  if (!b) return b.error();
  return b->versioning;
}

Result<std::string> ObjectStoreImpl::UpdateVersion(
    const std::string& bucket, const std::string& key, const std::string& version_id,
    const std::function<boost::system::error_code(const BucketRecord&, ObjectRecord&)>& change) {
  const std::string record_key = ObjectRecordKey(bucket, key);
  std::shared_lock bucket_lock(BucketLock(bucket));
  std::unique_lock key_lock(KeyLock(record_key));
  auto b = LoadBucket(bucket);
  if (!b) return b.error();
  auto record = ResolveVersion(bucket, key, version_id, /*allow_marker=*/false);
  if (!record) return record.error();
  if (auto ec = change(*b, *record)) return ec;
  std::string encoded = EncodeObjectRecord(*record);
  WriteBatch batch;
  if (!record->sort_id.empty()) {
    batch.Put(VersionRecordKey(bucket, key, record->sort_id), encoded);
  }
  auto latest = ReadCurrent(record_key);
  if (!latest) return latest.error();
  if (latest->record && latest->record->sort_id == record->sort_id) {
    batch.Put(record_key, EncodeCurrentObjectRecord(*record));
  }
  if (auto ec = metadata_.Write(batch)) return ec;
  return record->version_id;
}

Result<std::string> ObjectStoreImpl::PutObjectTagging(const std::string& bucket,
                                                      const std::string& key,
                                                      const std::string& version_id,
                                                      const TagSet& tags) {
  if (auto ec = ValidateTags(tags, kMaxObjectTags)) return ec;
  return UpdateVersion(bucket, key, version_id, [&](const BucketRecord&, ObjectRecord& r) {
    r.tags = tags;
    return boost::system::error_code();
  });
}

Result<VersionTags> ObjectStoreImpl::GetObjectTagging(const std::string& bucket,
                                                      const std::string& key,
                                                      const std::string& version_id) {
  auto record = ResolveVersion(bucket, key, version_id, /*allow_marker=*/false);
  if (!record) return record.error();
  return VersionTags{std::move(record->version_id), std::move(record->tags)};
}

Result<std::string> ObjectStoreImpl::DeleteObjectTagging(const std::string& bucket,
                                                         const std::string& key,
                                                         const std::string& version_id) {
  return UpdateVersion(bucket, key, version_id, [&](const BucketRecord&, ObjectRecord& r) {
    r.tags.clear();
    return boost::system::error_code();
  });
}

boost::system::error_code ObjectStoreImpl::PutBucketTagging(const std::string& bucket,
                                                            const TagSet& tags) {
  if (auto ec = ValidateTags(tags, kMaxBucketTags)) return ec;
  std::unique_lock lock(BucketLock(bucket));
  auto b = LoadBucket(bucket);
  if (!b) return b.error();
  b->tags = tags;
  WriteBatch batch;
  batch.Put(BucketRecordKey(bucket), EncodeBucketRecord(*b));
  return metadata_.Write(batch);
}

Result<TagSet> ObjectStoreImpl::GetBucketTagging(const std::string& bucket) {
  auto b = LoadBucket(bucket);
  if (!b) return b.error();
  if (b->tags.empty()) return Err(Errc::kNoSuchTagSet);
  return std::move(b->tags);
}

boost::system::error_code ObjectStoreImpl::DeleteBucketTagging(const std::string& bucket) {
  return PutBucketTagging(bucket, TagSet{});
}

boost::system::error_code ObjectStoreImpl::PutObjectLockConfiguration(
    const std::string& bucket, const ObjectLockConfiguration& config) {
  if (config.rule) {
    const auto& rule = *config.rule;
    if (rule.mode == RetentionMode::kNone || (rule.days == 0) == (rule.years == 0) ||
        rule.days > 36500 || rule.years > 100) {
      return Err(Errc::kInvalidArgument);
    }
  }
  std::unique_lock lock(BucketLock(bucket));
  auto b = LoadBucket(bucket);
  if (!b) return b.error();
  if (!config.enabled) return Err(b->object_lock ? Errc::kInvalidArgument : Errc::kInvalidRequest);
  if (!b->object_lock && b->versioning != VersioningState::kEnabled) {
    return Err(Errc::kInvalidBucketState);
  }
  b->object_lock = true;
  b->default_retention = config.rule;
  WriteBatch batch;
  batch.Put(BucketRecordKey(bucket), EncodeBucketRecord(*b));
  return metadata_.Write(batch);
}

Result<ObjectLockConfiguration> ObjectStoreImpl::GetObjectLockConfiguration(
    const std::string& bucket) {
  auto b = LoadBucket(bucket);
  if (!b) return b.error();
  if (!b->object_lock) return Err(Errc::kObjectLockConfigurationNotFound);
  return ObjectLockConfiguration{true, b->default_retention};
}

Result<std::string> ObjectStoreImpl::PutObjectRetention(const std::string& bucket,
                                                        const std::string& key,
                                                        const std::string& version_id,
                                                        const Retention& retention,
                                                        bool bypass_governance) {
  return UpdateVersion(bucket, key, version_id, [&](const BucketRecord& b, ObjectRecord& r) {
    if (!b.object_lock) return Err(Errc::kInvalidRequest);
    const int64_t now = NowMs();
    const int64_t until = ToUnixMillis(retention.retain_until);
    if (retention.mode != RetentionMode::kNone && until <= now) {
      return Err(Errc::kInvalidArgument);
    }
    if (IsActive(r, now)) {
      const bool keeps_or_extends =
          retention.mode != RetentionMode::kNone && until >= r.retain_until_ms;
      if (r.retention_mode == RetentionMode::kCompliance) {
        // COMPLIANCE: extend only, never shortened or converted, by anyone.
        if (!keeps_or_extends || retention.mode != RetentionMode::kCompliance) {
          return Err(Errc::kObjectLocked);
        }
      } else if (!keeps_or_extends && !bypass_governance) {
        return Err(Errc::kObjectLocked);  // GOVERNANCE shortened or removed without bypass
      }
    }
    r.retention_mode = retention.mode;
    r.retain_until_ms = retention.mode == RetentionMode::kNone ? 0 : until;
    return boost::system::error_code();
  });
}

Result<std::string> ObjectStoreImpl::PutObjectLegalHold(const std::string& bucket,
                                                        const std::string& key,
                                                        const std::string& version_id, bool on) {
  return UpdateVersion(bucket, key, version_id, [&](const BucketRecord& b, ObjectRecord& r) {
    if (!b.object_lock) return Err(Errc::kInvalidRequest);
    r.legal_hold = on;
    r.legal_hold_set = true;
    return boost::system::error_code();
  });
}

// Format-1 object records (written before versioning) have no version entry. Once, at start,
// each gets a sort id from its write time and a "v/" copy; "m/versions" records that it ran.
// On failure nothing is marked and it runs again at the next start (reads of format-1 records
// work meanwhile: they are null versions in "o/").
void ObjectStoreImpl::MigrateLegacyRecords() {
  auto done = metadata_.Get(std::string(VersionsMigratedKey()));
  if (!done || done->has_value()) return;
  WriteBatch batch;
  auto cursor = metadata_.Scan("o/");
  for (; cursor->Valid(); cursor->Next()) {
    auto record = DecodeObjectRecord(cursor->value(), /*with_payload=*/true);
    if (!record || !record->sort_id.empty()) continue;
    std::string_view suffix = cursor->key().substr(2);
    size_t nul = suffix.find('\0');
    if (nul == std::string_view::npos) continue;
    auto sort_id = version_ids_.Next(record->last_modified_ms);
    if (!sort_id) return;
    record->sort_id = *sort_id;
    if (record->parts.parts.size() > 0) record->payload = EncodePartList(record->parts);
    std::string encoded = EncodeObjectRecord(*record);
    batch.Put(std::string(cursor->key()), encoded);
    batch.Put(VersionRecordKey(suffix.substr(0, nul), suffix.substr(nul + 1), *sort_id), encoded);
  }
  if (cursor->status()) return;
  batch.Put(std::string(VersionsMigratedKey()), "1");
  (void)metadata_.Write(batch);
}

}  // namespace strata::storage
