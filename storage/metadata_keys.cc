// Key construction for the metadata index. Every scan depends on these byte layouts: a change
// here is an on-disk format change.
#include "storage/metadata_keys.h"

namespace strata::storage {
namespace {

constexpr std::string_view kBucketTag = "b/";
constexpr std::string_view kObjectTag = "o/";

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

std::optional<std::string> PrefixSuccessor(std::string_view prefix) {
  std::string s(prefix);
  while (!s.empty() && static_cast<unsigned char>(s.back()) == 0xff) s.pop_back();
  if (s.empty()) return std::nullopt;
  s.back() = static_cast<char>(static_cast<unsigned char>(s.back()) + 1);
  return s;
}

}  // namespace strata::storage
