// The operation router: which S3 operation a request names, on which bucket and key.
#pragma once

#include <boost/beast/http/message.hpp>
#include <span>
#include <string>
#include <string_view>

#include "api/s3_errors.h"
#include "api/uri.h"

namespace strata::api {

enum class Operation {
  kListBuckets,
  kCreateBucket,
  kHeadBucket,
  kDeleteBucket,
  kGetBucketLocation,
  kListObjects,
  kListObjectsV2,
  kPutObject,
  kGetObject,
  kHeadObject,
  kDeleteObject,
  kCopyObject,
  kDeleteObjects,
  kGetObjectAttributes,
  kCreateMultipartUpload,
  kUploadPart,
  kUploadPartCopy,
  kCompleteMultipartUpload,
  kAbortMultipartUpload,
  kListParts,
  kListMultipartUploads,
  kPutBucketVersioning,
  kGetBucketVersioning,
  kListObjectVersions,
  kPutObjectTagging,
  kGetObjectTagging,
  kDeleteObjectTagging,
  kPutBucketTagging,
  kGetBucketTagging,
  kDeleteBucketTagging,
  kPutObjectLockConfiguration,
  kGetObjectLockConfiguration,
  kPutObjectRetention,
  kGetObjectRetention,
  kPutObjectLegalHold,
  kGetObjectLegalHold,
  kPutBucketLifecycleConfiguration,
  kGetBucketLifecycleConfiguration,
  kDeleteBucketLifecycle,
  kPutBucketCors,
  kGetBucketCors,
  kDeleteBucketCors,
  kPreflightCors,  // OPTIONS on a bucket or object (issue 9): never authenticated
  // Access control (issue 7).
  kPutBucketPolicy,
  kGetBucketPolicy,
  kDeleteBucketPolicy,
  kGetBucketPolicyStatus,
  kPutBucketAcl,
  kGetBucketAcl,
  kPutObjectAcl,
  kGetObjectAcl,
  kPutPublicAccessBlock,
  kGetPublicAccessBlock,
  kDeletePublicAccessBlock,
  kPostObject,           // issue 7: browser-form upload, POST /bucket with multipart/form-data
  kPutBucketEncryption,  // issue 7: bucket default encryption (?encryption)
  kGetBucketEncryption,
  kDeleteBucketEncryption,
  kPutBucketOwnershipControls,  // issue 7: object ownership (?ownershipControls)
  kGetBucketOwnershipControls,
  kDeleteBucketOwnershipControls,
  kUnsupported,  // a real request we do not serve: see Route::error
};

std::string_view OperationName(Operation op);  // "GetObject", ...

struct Route {
  Operation operation = Operation::kUnsupported;
  // For kUnsupported: NotImplemented (unknown method, subresource or feature) or
  // MethodNotAllowed (a method the addressed resource never accepts). kOk otherwise.
  S3Errc error = S3Errc::kOk;
  std::string bucket;  // empty for service-level requests
  std::string key;     // empty for bucket-level requests
};

// Splits "<bucket>.<domain>[:port]" for a configured domain into the bucket; returns "" for any
// other host (path-style addressing). Case-insensitive; IPv6 literals never match.
std::string VirtualHostBucket(std::string_view host,
                              std::span<const std::string> virtual_host_domains);

// Routes by method, Host and target. Virtual-hosted style when the Host names a bucket under a
// configured domain (the whole path is then the key), else path style "/bucket/key".
// Subresources we serve: POST ?uploads, PUT ?partNumber&uploadId (with x-amz-copy-source:
// UploadPartCopy), POST/DELETE/GET ?uploadId, GET bucket ?uploads, POST bucket ?delete, GET
// ?attributes, GET/HEAD ?partNumber; PUT with x-amz-copy-source is CopyObject; the governance
// subresources (bucket ?versioning ?versions ?tagging ?object-lock, object ?tagging ?retention
// ?legal-hold), bucket ?lifecycle (PUT/GET/DELETE) and ?versionId on the object operations that
// take a version; bucket ?policy ?policyStatus ?acl ?publicAccessBlock and object ?acl (issue 7);
// bucket ?cors, ?encryption and ?ownershipControls (PUT/GET/DELETE), POST bucket with a
// multipart/form-data body (PostObject), and OPTIONS on a bucket or object (the CORS preflight,
// whatever its query). A subresource we do not implement (acl, policy, ...), one used where it
// means nothing (PUT bucket ?uploads), feature headers we do not implement, and unknown methods
// give kUnsupported/NotImplemented. Other query parameters (list options, response-*, X-Amz-* auth,
// x-id) are not subresources and are handled, or ignored, by the operation. Pure; thread-safe.
Route RouteRequest(const boost::beast::http::request_header<>& request, const ParsedTarget& target,
                   std::span<const std::string> virtual_host_domains);

}  // namespace strata::api
