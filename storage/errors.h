// Error codes of the object layer. They travel as boost::system::error_code; api/ maps them to
// S3 errors in one place (api/s3_errors.cc).
#pragma once

#include <boost/system/error_code.hpp>
#include <boost/system/result.hpp>
#include <type_traits>

namespace strata::storage {

enum class Errc {
  kOk = 0,
  kNoSuchBucket = 1,
  kBucketNotEmpty,
  kBucketAlreadyOwnedByYou,
  kInvalidBucketName,
  kNoSuchKey,
  kNoSuchVersion,
  kNoSuchUpload,
  kObjectLocked,
  kPreconditionFailed,
  kBadDigest,  // body did not match Content-MD5 / x-amz-checksum-*: nothing stored.
  kInvalidStorageClass,
  kInvalidArgument,
  kKeyTooLong,
  kEntityTooLarge,
  kIncompleteBody,  // the body ended before its declared length.
  kUnavailable,     // write quorum lost, drive set unavailable: retry later (503).
  kCorrupt,         // stored data or metadata failed validation and could not be repaired.
  kInternal,
  kInvalidPart,
  kInvalidPartOrder,
  kEntityTooSmall,
  // Issue 4 (governance). Suggested S3 mapping in README.md.
  kInvalidBucketState,               // versioning change not allowed (409 InvalidBucketState)
  kInvalidTag,                       // tag limits or duplicate keys (400 InvalidTag)
  kNoSuchTagSet,                     // the bucket has no tags (404 NoSuchTagSet)
  kObjectLockConfigurationNotFound,  // the bucket has no object lock (404)
  kDeleteMarker,                     // the latest version is a delete marker (404 NoSuchKey)
  kMethodNotAllowed,                 // the requested version is a delete marker (405)
  kInvalidRequest,                   // lock options on a bucket without object lock (400)
  // Issue 5 (lifecycle).
  kNoSuchLifecycleConfiguration,  // the bucket has no lifecycle configuration (404)
  // Issue 7 (encryption at rest).
  kSseKeyRequired,    // an SSE-C object or upload, and no customer key given (400 InvalidRequest)
  kSseKeyMismatch,    // the customer key is not the one the data was written with (403)
  kSseNotApplicable,  // a customer key for data that is not SSE-C (400 InvalidRequest)
};

const boost::system::error_category& StorageCategory();

inline boost::system::error_code make_error_code(Errc e) {
  return {static_cast<int>(e), StorageCategory()};
}

template <class T>
using Result = boost::system::result<T>;

}  // namespace strata::storage

template <>
struct boost::system::is_error_code_enum<strata::storage::Errc> : std::true_type {};
