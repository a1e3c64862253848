// The key layout of the metadata index (see README.md). Internal to storage/.
//
//   b/<bucket>                          bucket record
//   o/<bucket>\0<key>                   the current version of an object (what listing scans)
//   v/<bucket>\0<key>\0<inverted id>    (planned, versioning) every version, newest first
//
// Bucket names never contain NUL, so "o/<bucket>\0" is a prefix of exactly one bucket's
// objects, and a forward scan from it yields that bucket's keys in byte order.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace strata::storage {

std::string BucketRecordKey(std::string_view bucket);
std::string_view BucketRecordPrefix();  // "b/": every bucket record

// The prefix shared by every object record of a bucket.
std::string ObjectRecordPrefix(std::string_view bucket);
std::string ObjectRecordKey(std::string_view bucket, std::string_view key);

// The smallest string greater than every string that starts with `prefix`, or nullopt if
// there is none (prefix empty or all 0xff bytes). Listing seeks here to skip a common prefix.
std::optional<std::string> PrefixSuccessor(std::string_view prefix);

}  // namespace strata::storage
