// The key layout of the metadata index (see README.md). Internal to storage/.
//
//   b/<bucket>                          bucket record
//   o/<bucket>\0<key>                   the current version of an object (what listing scans)
//   v/<bucket>\0<key>\0<sort id>        every version and delete marker, newest first
//   m/versions                          marker: format-1 object records were migrated
//   u/<bucket>\0<key>\0<upload id>      an in-progress multipart upload
//   p/<upload id>\0<u32 big-endian>     one uploaded part of it
//   l/<bucket>                          the bucket's lifecycle configuration (lifecycle.h)
//
// Bucket names never contain NUL, so "o/<bucket>\0" is a prefix of exactly one bucket's
// objects, and a forward scan from it yields that bucket's keys in byte order.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace strata::storage {

std::string BucketRecordKey(std::string_view bucket);
std::string_view BucketRecordPrefix();  // "b/": every bucket record

// The prefix shared by every object record of a bucket.
std::string ObjectRecordPrefix(std::string_view bucket);
std::string ObjectRecordKey(std::string_view bucket, std::string_view key);

// Every version of a bucket's objects, by key then newest first (version_id.h): the suffix
// after VersionRecordPrefix(bucket) is "<key>\0<sort id>".
std::string VersionRecordPrefix(std::string_view bucket);
// The versions of one key: VersionRecordPrefix(bucket) + key + "\0".
std::string KeyVersionsPrefix(std::string_view bucket, std::string_view key);
std::string VersionRecordKey(std::string_view bucket, std::string_view key,
                             std::string_view sort_id);
// The version record key of `sort_id` for the object whose ObjectRecordKey is
// `object_record_key` (same bucket and key).
std::string VersionRecordKeyOf(std::string_view object_record_key, std::string_view sort_id);
// Present once the store has given every format-1 object record a version entry.
std::string_view VersionsMigratedKey();

// In-progress multipart uploads of a bucket, in (key, upload id) order: listing uploads is a
// forward scan like listing objects. Upload ids sort by initiation time (upload_id.h).
std::string UploadRecordPrefix(std::string_view bucket);
std::string UploadRecordKey(std::string_view bucket, std::string_view key,
                            std::string_view upload_id);
// Splits the part of an upload record key after UploadRecordPrefix into key and upload id;
// false if there is no separator.
bool SplitUploadSuffix(std::string_view suffix, std::string_view& key, std::string_view& upload_id);

// An upload's parts, in part-number order (the number is 4 bytes big-endian).
std::string PartRecordPrefix(std::string_view upload_id);
std::string PartRecordKey(std::string_view upload_id, uint32_t part_number);
// The part number of a key under PartRecordPrefix(upload_id); 0 if malformed.
uint32_t PartNumberOfKey(std::string_view key, std::string_view upload_id);

// The bucket's lifecycle configuration (issue 5); deleted with the bucket record.
std::string LifecycleKey(std::string_view bucket);

// The smallest string greater than every string that starts with `prefix`, or nullopt if
// there is none (prefix empty or all 0xff bytes). Listing seeks here to skip a common prefix.
std::optional<std::string> PrefixSuccessor(std::string_view prefix);

}  // namespace strata::storage
