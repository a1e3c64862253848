// The "storage" error category: names for the object layer's codes.
#include "storage/errors.h"

#include <string>

namespace strata::storage {
namespace {

class StorageErrorCategory final : public boost::system::error_category {
 public:
  const char* name() const noexcept override { return "storage"; }

  std::string message(int ev) const override {
    switch (static_cast<Errc>(ev)) {
      case Errc::kOk:
        return "success";
      case Errc::kNoSuchBucket:
        return "no such bucket";
      case Errc::kBucketNotEmpty:
        return "bucket not empty";
      case Errc::kBucketAlreadyOwnedByYou:
        return "bucket already exists";
      case Errc::kInvalidBucketName:
        return "invalid bucket name";
      case Errc::kNoSuchKey:
        return "no such key";
      case Errc::kNoSuchVersion:
        return "no such version";
      case Errc::kNoSuchUpload:
        return "no such upload";
      case Errc::kObjectLocked:
        return "object locked";
      case Errc::kPreconditionFailed:
        return "precondition failed";
      case Errc::kBadDigest:
        return "body does not match its declared digest";
      case Errc::kInvalidStorageClass:
        return "invalid storage class";
      case Errc::kInvalidArgument:
        return "invalid argument";
      case Errc::kKeyTooLong:
        return "key too long";
      case Errc::kEntityTooLarge:
        return "entity too large";
      case Errc::kIncompleteBody:
        return "incomplete body";
      case Errc::kUnavailable:
        return "unavailable, retry later";
      case Errc::kCorrupt:
        return "stored data is corrupt";
      case Errc::kInternal:
        return "internal error";
      case Errc::kInvalidPart:
        return "invalid part";
      case Errc::kInvalidPartOrder:
        return "parts not in ascending order";
      case Errc::kEntityTooSmall:
        return "part too small";
      case Errc::kInvalidBucketState:
        return "the bucket's state does not allow this";
      case Errc::kInvalidTag:
        return "invalid tag";
      case Errc::kNoSuchTagSet:
        return "no tag set";
      case Errc::kObjectLockConfigurationNotFound:
        return "object lock configuration not found";
      case Errc::kDeleteMarker:
        return "the latest version is a delete marker";
      case Errc::kMethodNotAllowed:
        return "the version is a delete marker";
      case Errc::kInvalidRequest:
        return "the bucket has no object lock";
      case Errc::kNoSuchLifecycleConfiguration:
        return "no lifecycle configuration";
      case Errc::kSseKeyRequired:
        return "the data is encrypted with a customer key (SSE-C), and none was given";
      case Errc::kSseKeyMismatch:
        return "the customer key does not match the one the data was encrypted with";
      case Errc::kSseNotApplicable:
        return "a customer key was given for data that is not encrypted with one";
    }
    return "unknown storage error";
  }
};

}  // namespace

const boost::system::error_category& StorageCategory() {
  static const StorageErrorCategory category;
  return category;
}

}  // namespace strata::storage
