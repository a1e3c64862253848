// Key construction for the metadata index. Every scan depends on these byte layouts: a change
// here is an on-disk format change.
#include "storage/metadata_keys.h"

namespace strata::storage {
namespace {

constexpr std::string_view kBucketTag = "b/";
constexpr std::string_view kObjectTag = "o/";
constexpr std::string_view kUploadTag = "u/";
constexpr std::string_view kPartTag = "p/";
constexpr std::string_view kVersionTag = "v/";
constexpr std::string_view kVersionsMigrated = "m/versions";
constexpr std::string_view kLifecycleTag = "l/";

}  // namespace

std::string BucketRecordKey(std::string_view bucket) {
  std::string k;
  k.reserve(kBucketTag.size() + bucket.size());
  k.append(kBucketTag).append(bucket);
  return k;
}

std::string_view BucketRecordPrefix() { return kBucketTag; }

std::string ObjectRecordPrefix(std::string_view bucket) {
  std::string k;
  k.reserve(kObjectTag.size() + bucket.size() + 1);
  k.append(kObjectTag).append(bucket).push_back('\0');
  return k;
}

std::string ObjectRecordKey(std::string_view bucket, std::string_view key) {
  std::string k = ObjectRecordPrefix(bucket);
  k.append(key);
  return k;
}

std::string VersionRecordPrefix(std::string_view bucket) {
  std::string k;
  k.reserve(kVersionTag.size() + bucket.size() + 1);
  k.append(kVersionTag).append(bucket).push_back('\0');
  return k;
}

std::string KeyVersionsPrefix(std::string_view bucket, std::string_view key) {
  std::string k = VersionRecordPrefix(bucket);
  k.append(key).push_back('\0');
  return k;
}

std::string VersionRecordKey(std::string_view bucket, std::string_view key,
                             std::string_view sort_id) {
  std::string k = KeyVersionsPrefix(bucket, key);
  k.append(sort_id);
  return k;
}

std::string VersionRecordKeyOf(std::string_view object_record_key, std::string_view sort_id) {
  // "o/<bucket>\0<key>" -> "v/<bucket>\0<key>\0<sort id>"
  std::string k;
  k.reserve(object_record_key.size() + 1 + sort_id.size());
  k.append(kVersionTag).append(object_record_key.substr(kObjectTag.size())).push_back('\0');
  k.append(sort_id);
  return k;
}

std::string_view VersionsMigratedKey() { return kVersionsMigrated; }

std::string LifecycleKey(std::string_view bucket) {
  std::string k;
  k.reserve(kLifecycleTag.size() + bucket.size());
  k.append(kLifecycleTag).append(bucket);
  return k;
}

std::string UploadRecordPrefix(std::string_view bucket) {
  std::string k;
  k.reserve(kUploadTag.size() + bucket.size() + 1);
  k.append(kUploadTag).append(bucket).push_back('\0');
  return k;
}

std::string UploadRecordKey(std::string_view bucket, std::string_view key,
                            std::string_view upload_id) {
  std::string k = UploadRecordPrefix(bucket);
  k.append(key).push_back('\0');
  k.append(upload_id);
  return k;
}

bool SplitUploadSuffix(std::string_view suffix, std::string_view& key,
                       std::string_view& upload_id) {
  size_t nul = suffix.find('\0');  // keys never contain NUL
  if (nul == std::string_view::npos) return false;
  key = suffix.substr(0, nul);
  upload_id = suffix.substr(nul + 1);
  return true;
}

std::string PartRecordPrefix(std::string_view upload_id) {
  std::string k;
  k.reserve(kPartTag.size() + upload_id.size() + 5);
  k.append(kPartTag).append(upload_id).push_back('\0');
  return k;
}

std::string PartRecordKey(std::string_view upload_id, uint32_t part_number) {
  std::string k = PartRecordPrefix(upload_id);
  for (int shift = 24; shift >= 0; shift -= 8) {
    k.push_back(static_cast<char>((part_number >> shift) & 0xff));
  }
  return k;
}

uint32_t PartNumberOfKey(std::string_view key, std::string_view upload_id) {
  const size_t prefix = kPartTag.size() + upload_id.size() + 1;
  if (key.size() != prefix + 4) return 0;
  uint32_t n = 0;
  for (size_t i = prefix; i < key.size(); ++i) n = (n << 8) | static_cast<unsigned char>(key[i]);
  return n;
}

std::optional<std::string> PrefixSuccessor(std::string_view prefix) {
  std::string s(prefix);
  while (!s.empty() && static_cast<unsigned char>(s.back()) == 0xff) s.pop_back();
  if (s.empty()) return std::nullopt;
  s.back() = static_cast<char>(static_cast<unsigned char>(s.back()) + 1);
  return s;
}

}  // namespace strata::storage
