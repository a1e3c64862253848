// Listing as one forward scan over "o/<bucket>\0<prefix>...". With a delimiter, the first key of
// each common prefix is turned into that prefix, and the cursor then seeks to the prefix's
// successor: the keys under it are never visited.
#include "storage/listing.h"

#include <algorithm>

#include "storage/metadata_keys.h"
#include "storage/object_record.h"

namespace strata::storage {
namespace {

// The common prefix `key` rolls up into, or "" if it is listed as itself.
std::string_view CommonPrefixOf(std::string_view key, const ListOptions& options) {
  if (options.delimiter.empty()) return {};
  size_t pos = key.find(options.delimiter, options.prefix.size());
  if (pos == std::string_view::npos) return {};
  return key.substr(0, pos + options.delimiter.size());
}

}  // namespace

Result<ListResult> ListObjects(MetadataStore& metadata, std::string_view bucket,
                               const ListOptions& options) {
  const std::string bucket_prefix = ObjectRecordPrefix(bucket);
  const uint32_t max_keys = std::min(options.max_keys, kMaxListKeys);
  ListResult result;

  // Where the page starts, as a key within the bucket: the prefix, or just after start_after.
  // If start_after lies inside a common prefix (or is one), that whole prefix was already
  // returned, so start after all of it.
  std::string start = options.prefix;
  bool exhausted = false;
  if (!options.start_after.empty() && options.start_after >= options.prefix) {
    std::string_view cp = options.start_after.starts_with(options.prefix)
                              ? CommonPrefixOf(options.start_after, options)
                              : std::string_view();
    if (!cp.empty()) {
      auto next = PrefixSuccessor(cp);
      if (next) {
        start = std::move(*next);
      } else {
        exhausted = true;
      }
    } else {
      start = options.start_after;
      start.push_back('\0');  // the smallest key greater than start_after
    }
  }

  std::unique_ptr<Cursor> cursor = metadata.Scan(bucket_prefix + options.prefix);
  if (exhausted) return result;
  cursor->Seek(bucket_prefix + start);

  size_t count = 0;
  while (cursor->Valid()) {
    std::string_view key = cursor->key().substr(bucket_prefix.size());
    if (count == max_keys) {
      result.truncated = true;
      break;
    }
    std::string_view cp = CommonPrefixOf(key, options);
    if (!cp.empty()) {
      result.common_prefixes.emplace_back(cp);
      result.next_marker.assign(cp);
      ++count;
      auto next = PrefixSuccessor(cp);
      if (!next) break;  // nothing sorts after this prefix
      cursor->Seek(bucket_prefix + *next);
      continue;
    }
    auto record = DecodeObjectRecord(cursor->value(), /*with_payload=*/false);
    if (!record) return record.error();
    result.objects.push_back(ToObjectInfo(bucket, key, std::move(*record)));
    result.next_marker.assign(key);
    ++count;
    cursor->Next();
  }
  if (auto ec = cursor->status()) return ec;
  return result;
}

}  // namespace strata::storage
