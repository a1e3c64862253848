// The S3 error table: every error a client can see, with its AWS code, HTTP status and message.
// Lower layers' error codes map here in one place (ToS3Error); no handler writes error XML.
#pragma once

#include <boost/system/error_code.hpp>
#include <boost/system/result.hpp>
#include <string>
#include <string_view>
#include <type_traits>

namespace strata::api {

enum class S3Errc {
  kOk = 0,
  kAccessDenied = 1,
  kAuthorizationHeaderMalformed,
  kAuthorizationQueryParametersError,
  kBadDigest,
  kBadRequest,
  kBucketAlreadyExists,
  kBucketAlreadyOwnedByYou,
  kBucketNotEmpty,
  kEntityTooLarge,
  kEntityTooSmall,
  kExpiredToken,
  kIllegalLocationConstraintException,
  kIncompleteBody,
  kInternalError,
  kInvalidAccessKeyId,
  kInvalidArgument,
  kInvalidBucketName,
  kInvalidChunkSizeError,
  kInvalidDigest,
  kInvalidLocationConstraint,
  kInvalidPart,
  kInvalidPartOrder,
  kInvalidRange,
  kInvalidRequest,
  kInvalidStorageClass,
  kInvalidURI,
  kKeyTooLongError,
  kMalformedTrailerError,
  kMalformedXML,
  kMethodNotAllowed,
  kMissingContentLength,
  kMissingSecurityHeader,
  kNoSuchBucket,
  kNoSuchKey,
  kNoSuchUpload,
  kNoSuchVersion,
  kNotImplemented,
  kPreconditionFailed,
  kRequestTimeout,
  kRequestTimeTooSkewed,
  kServiceUnavailable,
  kSignatureDoesNotMatch,
  kSlowDown,
  kXAmzContentSHA256Mismatch,
  kUnexpectedContent,
  kInvalidObjectState,
  kObjectLocked,  // AWS answers AccessDenied for locked versions; kept apart for clearer logs.
  kMetadataTooLarge,
  kInvalidPartNumber,
  kInvalidBucketState,
  kInvalidTag,
  kNoSuchTagSet,
  kObjectLockConfigurationNotFoundError,
  kNoSuchObjectLockConfiguration,
  kNoSuchLifecycleConfiguration,
  kNoSuchCORSConfiguration,               // issue 9
  kAccessForbidden,                       // a CORS request (preflight) no rule allows: 403
  kMalformedPolicy,                       // issue 7: bucket policy JSON refused (400)
  kNoSuchBucketPolicy,                    // issue 7 (404)
  kNoSuchPublicAccessBlockConfiguration,  // issue 7 (404)
  kMalformedACLError,                     // issue 7: an ACL document we cannot read (400)
  kMalformedPOSTRequest,                  // issue 7: POST upload form not multipart/form-data
  kInvalidPolicyDocument,                 // issue 7: POST upload policy unreadable (400)
  kMaxPostPreDataLengthExceededError,     // issue 7: POST fields before the file too large
  kInvalidEncryptionAlgorithmError,       // issue 7: SSE-C algorithm other than AES256 (400)
  kServerSideEncryptionConfigurationNotFoundError,  // issue 7: no bucket default (404)
  kAccessControlListNotSupported,        // issue 7: an ACL on a BucketOwnerEnforced bucket (400)
  kOwnershipControlsNotFoundError,       // issue 7: no ownership controls set (404)
  kUnresolvableGrantByEmailAddress,      // issue 7: grants to e-mail addresses (400)
  kInvalidBucketAclWithObjectOwnership,  // issue 7: CreateBucket with ACLs and ACLs disabled
  kCount,                                // keep last
};

const boost::system::error_category& S3Category();

inline boost::system::error_code make_error_code(S3Errc e) {
  return {static_cast<int>(e), S3Category()};
}

template <class T>
using Result = boost::system::result<T>;

struct S3ErrorInfo {
  std::string_view code;     // "NoSuchKey"
  unsigned http_status;      // 404
  std::string_view message;  // "The specified key does not exist."
};

const S3ErrorInfo& GetS3ErrorInfo(S3Errc e);

// Maps any error code (storage/, erasure/, api/, system) to the S3 error a client should see.
// Unknown codes become InternalError.
S3Errc ToS3Error(const boost::system::error_code& ec);

// The S3 XML error document.
std::string RenderErrorXml(S3Errc e, std::string_view resource, std::string_view request_id,
                           std::string_view message_override = {});

}  // namespace strata::api

template <>
struct boost::system::is_error_code_enum<strata::api::S3Errc> : std::true_type {};
