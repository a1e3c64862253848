#include "api/s3_errors.h"

#include <array>
#include <boost/system/errc.hpp>

#include "api/xml.h"
#include "erasure/errors.h"
#include "storage/errors.h"

namespace strata::api {
namespace {

struct Row {
  S3Errc errc;
  S3ErrorInfo info;
};

// The one table. Codes, statuses and messages follow the AWS S3 API reference.
constexpr Row kTable[] = {
    {S3Errc::kOk, {"OK", 200, "OK"}},
    {S3Errc::kAccessDenied, {"AccessDenied", 403, "Access Denied"}},
    {S3Errc::kAuthorizationHeaderMalformed,
     {"AuthorizationHeaderMalformed", 400, "The authorization header is malformed."}},
    {S3Errc::kAuthorizationQueryParametersError,
     {"AuthorizationQueryParametersError", 400,
      "Error parsing the X-Amz-Credential parameter or other query authorization parameters."}},
    {S3Errc::kBadDigest,
     {"BadDigest", 400,
      "The Content-MD5 or checksum you specified did not match what we received."}},
    {S3Errc::kBadRequest, {"BadRequest", 400, "Bad Request"}},
    {S3Errc::kBucketAlreadyExists,
     {"BucketAlreadyExists", 409,
      "The requested bucket name is not available. The bucket namespace is shared by all users "
      "of the system. Please select a different name and try again."}},
    {S3Errc::kBucketAlreadyOwnedByYou,
     {"BucketAlreadyOwnedByYou", 409,
      "Your previous request to create the named bucket succeeded and you already own it."}},
    {S3Errc::kBucketNotEmpty,
     {"BucketNotEmpty", 409, "The bucket you tried to delete is not empty."}},
    {S3Errc::kEntityTooLarge,
     {"EntityTooLarge", 400, "Your proposed upload exceeds the maximum allowed object size."}},
    {S3Errc::kEntityTooSmall,
     {"EntityTooSmall", 400,
      "Your proposed upload is smaller than the minimum allowed object size."}},
    {S3Errc::kExpiredToken, {"ExpiredToken", 400, "The provided token has expired."}},
    {S3Errc::kIllegalLocationConstraintException,
     {"IllegalLocationConstraintException", 400,
      "The specified location-constraint is not valid for this endpoint."}},
    {S3Errc::kIncompleteBody,
     {"IncompleteBody", 400,
      "You did not provide the number of bytes specified by the Content-Length HTTP header."}},
    {S3Errc::kInternalError,
     {"InternalError", 500, "We encountered an internal error. Please try again."}},
    {S3Errc::kInvalidAccessKeyId,
     {"InvalidAccessKeyId", 403,
      "The AWS Access Key Id you provided does not exist in our records."}},
    {S3Errc::kInvalidArgument, {"InvalidArgument", 400, "Invalid Argument"}},
    {S3Errc::kInvalidBucketName, {"InvalidBucketName", 400, "The specified bucket is not valid."}},
    {S3Errc::kInvalidChunkSizeError,
     {"InvalidChunkSizeError", 403,
      "Only the last chunk is allowed to have a size less than 8192 bytes"}},
    {S3Errc::kInvalidDigest,
     {"InvalidDigest", 400, "The Content-MD5 or checksum you specified is not valid."}},
    {S3Errc::kInvalidLocationConstraint,
     {"InvalidLocationConstraint", 400, "The specified location constraint is not valid."}},
    {S3Errc::kInvalidPart,
     {"InvalidPart", 400,
      "One or more of the specified parts could not be found. The part may not have been "
      "uploaded, or the specified entity tag may not match the part's entity tag."}},
    {S3Errc::kInvalidPartOrder,
     {"InvalidPartOrder", 400,
      "The list of parts was not in ascending order. Parts must be ordered by part number."}},
    {S3Errc::kInvalidRange, {"InvalidRange", 416, "The requested range is not satisfiable"}},
    {S3Errc::kInvalidRequest, {"InvalidRequest", 400, "Invalid Request"}},
    {S3Errc::kInvalidStorageClass,
     {"InvalidStorageClass", 400, "The storage class you specified is not valid"}},
    {S3Errc::kInvalidURI, {"InvalidURI", 400, "Couldn't parse the specified URI."}},
    {S3Errc::kKeyTooLongError, {"KeyTooLongError", 400, "Your key is too long"}},
    {S3Errc::kMalformedTrailerError,
     {"MalformedTrailerError", 400,
      "The request contained trailing data that was not well-formed or did not conform to our "
      "published schema."}},
    {S3Errc::kMalformedXML,
     {"MalformedXML", 400,
      "The XML you provided was not well-formed or did not validate against our published "
      "schema."}},
    {S3Errc::kMethodNotAllowed,
     {"MethodNotAllowed", 405, "The specified method is not allowed against this resource."}},
    {S3Errc::kMissingContentLength,
     {"MissingContentLength", 411, "You must provide the Content-Length HTTP header."}},
    {S3Errc::kMissingSecurityHeader,
     {"MissingSecurityHeader", 400, "Your request was missing a required header."}},
    {S3Errc::kNoSuchBucket, {"NoSuchBucket", 404, "The specified bucket does not exist"}},
    {S3Errc::kNoSuchKey, {"NoSuchKey", 404, "The specified key does not exist."}},
    {S3Errc::kNoSuchUpload,
     {"NoSuchUpload", 404,
      "The specified upload does not exist. The upload ID may be invalid, or the upload may "
      "have been aborted or completed."}},
    {S3Errc::kNoSuchVersion,
     {"NoSuchVersion", 404,
      "The version ID specified in the request does not match an existing version."}},
    {S3Errc::kNotImplemented,
     {"NotImplemented", 501,
      "A header or query you provided implies functionality that is not implemented."}},
    {S3Errc::kPreconditionFailed,
     {"PreconditionFailed", 412, "At least one of the preconditions you specified did not hold."}},
    {S3Errc::kRequestTimeout,
     {"RequestTimeout", 400,
      "Your socket connection to the server was not read from or written to within the "
      "timeout period."}},
    {S3Errc::kRequestTimeTooSkewed,
     {"RequestTimeTooSkewed", 403,
      "The difference between the request time and the server's time is too large."}},
    {S3Errc::kServiceUnavailable,
     {"ServiceUnavailable", 503, "Please reduce your request rate. Storage is unavailable."}},
    {S3Errc::kSignatureDoesNotMatch,
     {"SignatureDoesNotMatch", 403,
      "The request signature we calculated does not match the signature you provided. Check "
      "your key and signing method."}},
    {S3Errc::kSlowDown, {"SlowDown", 503, "Please reduce your request rate."}},
    {S3Errc::kXAmzContentSHA256Mismatch,
     {"XAmzContentSHA256Mismatch", 400,
      "The provided 'x-amz-content-sha256' header does not match what was computed."}},
    {S3Errc::kUnexpectedContent,
     {"UnexpectedContent", 400, "This request does not support content."}},
    {S3Errc::kInvalidObjectState,
     {"InvalidObjectState", 403,
      "The operation is not valid for the current state of the object."}},
    {S3Errc::kObjectLocked,
     {"AccessDenied", 403, "Access Denied because object protected by object lock."}},
    {S3Errc::kMetadataTooLarge,
     {"MetadataTooLarge", 400, "Your metadata headers exceed the maximum allowed metadata size."}},
    {S3Errc::kInvalidPartNumber,
     {"InvalidPartNumber", 416, "The requested partnumber is not satisfiable"}},
    {S3Errc::kInvalidBucketState,
     {"InvalidBucketState", 409, "The request is not valid with the current state of the bucket."}},
    {S3Errc::kInvalidTag, {"InvalidTag", 400, "The tag provided was not a valid tag."}},
    {S3Errc::kNoSuchTagSet, {"NoSuchTagSet", 404, "The TagSet does not exist"}},
    {S3Errc::kObjectLockConfigurationNotFoundError,
     {"ObjectLockConfigurationNotFoundError", 404,
      "Object Lock configuration does not exist for this bucket"}},
    {S3Errc::kNoSuchObjectLockConfiguration,
     {"NoSuchObjectLockConfiguration", 404,
      "The specified object does not have a ObjectLock configuration"}},
    {S3Errc::kNoSuchLifecycleConfiguration,
     {"NoSuchLifecycleConfiguration", 404, "The lifecycle configuration does not exist"}},
    {S3Errc::kNoSuchCORSConfiguration,
     {"NoSuchCORSConfiguration", 404, "The CORS configuration does not exist"}},
    {S3Errc::kAccessForbidden,
     {"AccessForbidden", 403,
      "CORSResponse: This CORS request is not allowed. This is usually because the evalution of "
      "Origin, request method / Access-Control-Request-Method or Access-Control-Request-Headers "
      "are not whitelisted by the resource's CORS spec."}},
    {S3Errc::kMalformedPolicy, {"MalformedPolicy", 400, "Policies must be valid JSON."}},
    {S3Errc::kNoSuchBucketPolicy, {"NoSuchBucketPolicy", 404, "The bucket policy does not exist"}},
    {S3Errc::kNoSuchPublicAccessBlockConfiguration,
     {"NoSuchPublicAccessBlockConfiguration", 404,
      "The public access block configuration was not found"}},
    {S3Errc::kMalformedACLError,
     {"MalformedACLError", 400,
      "The XML you provided was not well-formed or did not validate against our published "
      "schema"}},
    {S3Errc::kMalformedPOSTRequest,
     {"MalformedPOSTRequest", 400,
      "The body of your POST request is not well-formed multipart/form-data."}},
    {S3Errc::kInvalidPolicyDocument,
     {"InvalidPolicyDocument", 400,
      "The content of the form does not meet the conditions specified in the policy document."}},
    {S3Errc::kMaxPostPreDataLengthExceededError,
     {"MaxPostPreDataLengthExceededError", 400,
      "Your POST request fields preceding the upload file were too large."}},
    {S3Errc::kInvalidEncryptionAlgorithmError,
     {"InvalidEncryptionAlgorithmError", 400,
      "The encryption request you specified is not valid. The valid value is AES256."}},
    {S3Errc::kServerSideEncryptionConfigurationNotFoundError,
     {"ServerSideEncryptionConfigurationNotFoundError", 404,
      "The server side encryption configuration was not found"}},
    {S3Errc::kAccessControlListNotSupported,
     {"AccessControlListNotSupported", 400, "The bucket does not allow ACLs"}},
    {S3Errc::kOwnershipControlsNotFoundError,
     {"OwnershipControlsNotFoundError", 404, "The bucket ownership controls were not found"}},
    {S3Errc::kUnresolvableGrantByEmailAddress,
     {"UnresolvableGrantByEmailAddress", 400,
      "The email address you provided does not match any account on record."}},
    {S3Errc::kInvalidBucketAclWithObjectOwnership,
     {"InvalidBucketAclWithObjectOwnership", 400,
      "Bucket cannot have ACLs set with ObjectOwnership's BucketOwnerEnforced setting"}},
};

constexpr bool TableMatchesEnum() {
  if (std::size(kTable) != static_cast<size_t>(S3Errc::kCount)) return false;
  for (size_t i = 0; i < std::size(kTable); ++i) {
    if (static_cast<size_t>(kTable[i].errc) != i) return false;
  }
  return true;
}
static_assert(TableMatchesEnum(), "kTable must list every S3Errc, in enum order");

class S3ErrorCategory final : public boost::system::error_category {
 public:
  const char* name() const noexcept override { return "s3"; }
  std::string message(int ev) const override {
    if (ev < 0 || ev >= static_cast<int>(S3Errc::kCount)) return "unknown S3 error";
    return std::string(kTable[ev].info.code);
  }
};

S3Errc FromStorage(storage::Errc e) {
  using storage::Errc;
  switch (e) {
    case Errc::kOk:
      return S3Errc::kOk;
    case Errc::kNoSuchBucket:
      return S3Errc::kNoSuchBucket;
    case Errc::kBucketNotEmpty:
      return S3Errc::kBucketNotEmpty;
    case Errc::kBucketAlreadyOwnedByYou:
      return S3Errc::kBucketAlreadyOwnedByYou;
    case Errc::kInvalidBucketName:
      return S3Errc::kInvalidBucketName;
    case Errc::kNoSuchKey:
      return S3Errc::kNoSuchKey;
    case Errc::kNoSuchVersion:
      return S3Errc::kNoSuchVersion;
    case Errc::kNoSuchUpload:
      return S3Errc::kNoSuchUpload;
    case Errc::kObjectLocked:
      return S3Errc::kObjectLocked;
    case Errc::kPreconditionFailed:
      return S3Errc::kPreconditionFailed;
    case Errc::kBadDigest:
      return S3Errc::kBadDigest;
    case Errc::kInvalidStorageClass:
      return S3Errc::kInvalidStorageClass;
    case Errc::kInvalidArgument:
      return S3Errc::kInvalidArgument;
    case Errc::kKeyTooLong:
      return S3Errc::kKeyTooLongError;
    case Errc::kEntityTooLarge:
      return S3Errc::kEntityTooLarge;
    case Errc::kIncompleteBody:
      return S3Errc::kIncompleteBody;
    case Errc::kUnavailable:
      return S3Errc::kServiceUnavailable;
    case Errc::kCorrupt:
      return S3Errc::kInternalError;
    case Errc::kInternal:
      return S3Errc::kInternalError;
    case Errc::kInvalidPart:
      return S3Errc::kInvalidPart;
    case Errc::kInvalidPartOrder:
      return S3Errc::kInvalidPartOrder;
    case Errc::kEntityTooSmall:
      return S3Errc::kEntityTooSmall;
    case Errc::kInvalidBucketState:
      return S3Errc::kInvalidBucketState;
    case Errc::kInvalidTag:
      return S3Errc::kInvalidTag;
    case Errc::kNoSuchTagSet:
      return S3Errc::kNoSuchTagSet;
    case Errc::kObjectLockConfigurationNotFound:
      return S3Errc::kObjectLockConfigurationNotFoundError;
    case Errc::kDeleteMarker:  // handlers add x-amz-delete-marker: true
      return S3Errc::kNoSuchKey;
    case Errc::kMethodNotAllowed:
      return S3Errc::kMethodNotAllowed;
    case Errc::kInvalidRequest:
      return S3Errc::kInvalidRequest;
    case Errc::kNoSuchLifecycleConfiguration:
      return S3Errc::kNoSuchLifecycleConfiguration;
    case Errc::kSseKeyRequired:
    case Errc::kSseNotApplicable:
      return S3Errc::kInvalidRequest;
    case Errc::kSseKeyMismatch:
      return S3Errc::kAccessDenied;
  }
  return S3Errc::kInternalError;
}

S3Errc FromErasure(erasure::Errc e) {
  using erasure::Errc;
  switch (e) {
    case Errc::kOk:
      return S3Errc::kOk;
    case Errc::kWriteQuorumLost:
    case Errc::kReadQuorumLost:
    case Errc::kDriveFailed:
    case Errc::kNoSpace:
      return S3Errc::kServiceUnavailable;
    case Errc::kUnknownTier:
      return S3Errc::kInvalidStorageClass;
    case Errc::kNotFound:
    case Errc::kCorrupt:
    case Errc::kInvalidArgument:
      return S3Errc::kInternalError;
  }
  return S3Errc::kInternalError;
}

}  // namespace

const boost::system::error_category& S3Category() {
  static const S3ErrorCategory category;
  return category;
}

const S3ErrorInfo& GetS3ErrorInfo(S3Errc e) {
  auto index = static_cast<size_t>(e);
  if (index >= std::size(kTable)) index = static_cast<size_t>(S3Errc::kInternalError);
  return kTable[index].info;
}

S3Errc ToS3Error(const boost::system::error_code& ec) {
  if (!ec) return S3Errc::kOk;
  if (ec.category() == S3Category()) return static_cast<S3Errc>(ec.value());
  if (ec.category() == storage::StorageCategory()) {
    return FromStorage(static_cast<storage::Errc>(ec.value()));
  }
  if (ec.category() == erasure::ErasureCategory()) {
    return FromErasure(static_cast<erasure::Errc>(ec.value()));
  }
  if (ec == boost::system::errc::no_space_on_device) return S3Errc::kServiceUnavailable;
  if (ec == boost::system::errc::timed_out) return S3Errc::kRequestTimeout;
  return S3Errc::kInternalError;
}

std::string RenderErrorXml(S3Errc e, std::string_view resource, std::string_view request_id,
                           std::string_view message_override) {
  const S3ErrorInfo& info = GetS3ErrorInfo(e);
  std::string out = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error><Code>";
  AppendXmlEscaped(out, info.code);
  out += "</Code><Message>";
  AppendXmlEscaped(out, message_override.empty() ? info.message : message_override);
  out += "</Message><Resource>";
  AppendXmlEscaped(out, resource);
  out += "</Resource><RequestId>";
  AppendXmlEscaped(out, request_id);
  out += "</RequestId></Error>";
  return out;
}

}  // namespace strata::api
