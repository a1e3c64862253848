#include "api/router.h"

#include <algorithm>
#include <array>

namespace strata::api {
namespace {

namespace http = boost::beast::http;

std::string ToLower(std::string_view s) {
  std::string out(s);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

// Every query parameter AWS treats as a subresource (an operation of its own) that we do not
// implement yet (the ones we do, kServedSubresources, are checked per operation). Serving the plain
// operation instead would be wrong (PUT ?tagging would overwrite the object with the tagging
// document), so each answers NotImplemented.
constexpr std::string_view kUnsupportedSubresources[] = {
    "accelerate",
    "analytics",
    "intelligent-tiering",
    "inventory",
    "logging",
    "metadataConfiguration",
    "metadataTable",
    "metrics",
    "notification",
    "replication",
    "requestPayment",
    "restore",
    "select",
    "select-type",
    "session",
    "torrent",
    "website",
    "renameObject",
    "abac",
    "inventoryConfiguration",
    "journalTable",
};

// Subresources we serve; each belongs to the operations that use it, and anywhere else answers
// NotImplemented (PUT /b?uploads must not create a bucket).
constexpr std::string_view kServedSubresources[] = {
    "uploads",      "uploadId",  "partNumber",        "delete",      "attributes",
    "versioning",   "versions",  "tagging",           "object-lock", "retention",
    "legal-hold",   "versionId", "lifecycle",         "cors",        "policy",
    "policyStatus", "acl",       "publicAccessBlock", "encryption",  "ownershipControls"};

// The served subresources each operation consumes.
bool UsesSubresource(Operation op, std::string_view name) {
  switch (op) {
    case Operation::kCreateMultipartUpload:
    case Operation::kListMultipartUploads:
      return name == "uploads";
    case Operation::kUploadPart:
    case Operation::kUploadPartCopy:
      return name == "uploadId" || name == "partNumber";
    case Operation::kCompleteMultipartUpload:
    case Operation::kAbortMultipartUpload:
    case Operation::kListParts:
      return name == "uploadId";
    case Operation::kDeleteObjects:
      return name == "delete";
    case Operation::kGetObjectAttributes:
      return name == "attributes" || name == "versionId";
    case Operation::kGetObject:
    case Operation::kHeadObject:
      return name == "partNumber" || name == "versionId";
    case Operation::kDeleteObject:
      return name == "versionId";
    case Operation::kPutBucketVersioning:
    case Operation::kGetBucketVersioning:
      return name == "versioning";
    case Operation::kListObjectVersions:
      return name == "versions";
    case Operation::kPutObjectTagging:
    case Operation::kGetObjectTagging:
    case Operation::kDeleteObjectTagging:
      return name == "tagging" || name == "versionId";
    case Operation::kPutBucketTagging:
    case Operation::kGetBucketTagging:
    case Operation::kDeleteBucketTagging:
      return name == "tagging";
    case Operation::kPutObjectLockConfiguration:
    case Operation::kGetObjectLockConfiguration:
      return name == "object-lock";
    case Operation::kPutObjectRetention:
    case Operation::kGetObjectRetention:
      return name == "retention" || name == "versionId";
    case Operation::kPutObjectLegalHold:
    case Operation::kGetObjectLegalHold:
      return name == "legal-hold" || name == "versionId";
    case Operation::kPutBucketLifecycleConfiguration:
    case Operation::kGetBucketLifecycleConfiguration:
    case Operation::kDeleteBucketLifecycle:
      return name == "lifecycle";
    case Operation::kPutBucketCors:
    case Operation::kGetBucketCors:
    case Operation::kDeleteBucketCors:
      return name == "cors";
    case Operation::kPutBucketPolicy:
    case Operation::kGetBucketPolicy:
    case Operation::kDeleteBucketPolicy:
      return name == "policy";
    case Operation::kGetBucketPolicyStatus:
      return name == "policyStatus";
    case Operation::kPutBucketAcl:
    case Operation::kGetBucketAcl:
      return name == "acl";
    case Operation::kPutObjectAcl:
    case Operation::kGetObjectAcl:
      return name == "acl" || name == "versionId";
    case Operation::kPutPublicAccessBlock:
    case Operation::kGetPublicAccessBlock:
    case Operation::kDeletePublicAccessBlock:
      return name == "publicAccessBlock";
    case Operation::kPutBucketEncryption:
    case Operation::kGetBucketEncryption:
    case Operation::kDeleteBucketEncryption:
      return name == "encryption";
    case Operation::kPutBucketOwnershipControls:
    case Operation::kGetBucketOwnershipControls:
    case Operation::kDeleteBucketOwnershipControls:
      return name == "ownershipControls";
    default:
      return false;
  }
}

// Request headers that ask for a feature we do not implement; ignoring them would silently
// give the client something else than it asked for. Checked on object writes (PUT, and POST
// ?uploads, whose headers shape the completed object). x-amz-acl and x-amz-grant-* are served
// (issue 7: api/acl_request.h), on multipart uploads too.
bool HasUnsupportedPutHeader(const http::request_header<>& request, bool object_level) {
  if (!object_level) return false;
  for (const auto& field : request) {
    std::string name = ToLower(field.name_string());
    // x-amz-server-side-encryption* are served (issue 7: api/sse_headers.h).
    if (name == "x-amz-website-redirect-location" || name == "x-amz-write-offset-bytes") {
      return true;
    }
  }
  return false;
}

Route Unsupported(S3Errc error, std::string bucket = {}, std::string key = {}) {
  return Route{Operation::kUnsupported, error, std::move(bucket), std::move(key)};
}

// A served subresource the chosen operation does not use names something we do not do.
Route CheckSubresources(Route route, const ParsedTarget& target) {
  for (const auto& [name, value] : target.query) {
    for (std::string_view sub : kServedSubresources) {
      if (name == sub && !UsesSubresource(route.operation, sub)) {
        return Unsupported(S3Errc::kNotImplemented, std::move(route.bucket), std::move(route.key));
      }
    }
  }
  return route;
}

}  // namespace

std::string_view OperationName(Operation op) {
  switch (op) {
    case Operation::kListBuckets:
      return "ListBuckets";
    case Operation::kCreateBucket:
      return "CreateBucket";
    case Operation::kHeadBucket:
      return "HeadBucket";
    case Operation::kDeleteBucket:
      return "DeleteBucket";
    case Operation::kGetBucketLocation:
      return "GetBucketLocation";
    case Operation::kListObjects:
      return "ListObjects";
    case Operation::kListObjectsV2:
      return "ListObjectsV2";
    case Operation::kPutObject:
      return "PutObject";
    case Operation::kGetObject:
      return "GetObject";
    case Operation::kHeadObject:
      return "HeadObject";
    case Operation::kDeleteObject:
      return "DeleteObject";
    case Operation::kCopyObject:
      return "CopyObject";
    case Operation::kDeleteObjects:
      return "DeleteObjects";
    case Operation::kGetObjectAttributes:
      return "GetObjectAttributes";
    case Operation::kCreateMultipartUpload:
      return "CreateMultipartUpload";
    case Operation::kUploadPart:
      return "UploadPart";
    case Operation::kUploadPartCopy:
      return "UploadPartCopy";
    case Operation::kCompleteMultipartUpload:
      return "CompleteMultipartUpload";
    case Operation::kAbortMultipartUpload:
      return "AbortMultipartUpload";
    case Operation::kListParts:
      return "ListParts";
    case Operation::kListMultipartUploads:
      return "ListMultipartUploads";
    case Operation::kPutBucketVersioning:
      return "PutBucketVersioning";
    case Operation::kGetBucketVersioning:
      return "GetBucketVersioning";
    case Operation::kListObjectVersions:
      return "ListObjectVersions";
    case Operation::kPutObjectTagging:
      return "PutObjectTagging";
    case Operation::kGetObjectTagging:
      return "GetObjectTagging";
    case Operation::kDeleteObjectTagging:
      return "DeleteObjectTagging";
    case Operation::kPutBucketTagging:
      return "PutBucketTagging";
    case Operation::kGetBucketTagging:
      return "GetBucketTagging";
    case Operation::kDeleteBucketTagging:
      return "DeleteBucketTagging";
    case Operation::kPutObjectLockConfiguration:
      return "PutObjectLockConfiguration";
    case Operation::kGetObjectLockConfiguration:
      return "GetObjectLockConfiguration";
    case Operation::kPutObjectRetention:
      return "PutObjectRetention";
    case Operation::kGetObjectRetention:
      return "GetObjectRetention";
    case Operation::kPutObjectLegalHold:
      return "PutObjectLegalHold";
    case Operation::kGetObjectLegalHold:
      return "GetObjectLegalHold";
    case Operation::kPutBucketLifecycleConfiguration:
      return "PutBucketLifecycleConfiguration";
    case Operation::kGetBucketLifecycleConfiguration:
      return "GetBucketLifecycleConfiguration";
    case Operation::kDeleteBucketLifecycle:
      return "DeleteBucketLifecycle";
    case Operation::kPutBucketCors:
      return "PutBucketCors";
    case Operation::kGetBucketCors:
      return "GetBucketCors";
    case Operation::kDeleteBucketCors:
      return "DeleteBucketCors";
    case Operation::kPreflightCors:
      return "PreflightCors";
    case Operation::kPutBucketPolicy:
      return "PutBucketPolicy";
    case Operation::kGetBucketPolicy:
      return "GetBucketPolicy";
    case Operation::kDeleteBucketPolicy:
      return "DeleteBucketPolicy";
    case Operation::kGetBucketPolicyStatus:
      return "GetBucketPolicyStatus";
    case Operation::kPutBucketAcl:
      return "PutBucketAcl";
    case Operation::kGetBucketAcl:
      return "GetBucketAcl";
    case Operation::kPutObjectAcl:
      return "PutObjectAcl";
    case Operation::kGetObjectAcl:
      return "GetObjectAcl";
    case Operation::kPutPublicAccessBlock:
      return "PutPublicAccessBlock";
    case Operation::kGetPublicAccessBlock:
      return "GetPublicAccessBlock";
    case Operation::kDeletePublicAccessBlock:
      return "DeletePublicAccessBlock";
    case Operation::kPostObject:
      return "PostObject";
    case Operation::kPutBucketEncryption:
      return "PutBucketEncryption";
    case Operation::kGetBucketEncryption:
      return "GetBucketEncryption";
    case Operation::kDeleteBucketEncryption:
      return "DeleteBucketEncryption";
    case Operation::kPutBucketOwnershipControls:
      return "PutBucketOwnershipControls";
    case Operation::kGetBucketOwnershipControls:
      return "GetBucketOwnershipControls";
    case Operation::kDeleteBucketOwnershipControls:
      return "DeleteBucketOwnershipControls";
    case Operation::kUnsupported:
      return "Unsupported";
  }
  return "Unsupported";
}

std::string VirtualHostBucket(std::string_view host,
                              std::span<const std::string> virtual_host_domains) {
  if (host.empty() || host.front() == '[') return {};  // IPv6 literal
  size_t colon = host.rfind(':');
  if (colon != std::string_view::npos) host = host.substr(0, colon);
  std::string lower = ToLower(host);
  if (!lower.empty() && lower.back() == '.') lower.pop_back();  // fully qualified "name."
  for (const std::string& domain : virtual_host_domains) {
    std::string d = ToLower(domain);
    if (d.empty() || lower.size() <= d.size() + 1) continue;
    if (lower.ends_with(d) && lower[lower.size() - d.size() - 1] == '.') {
      return lower.substr(0, lower.size() - d.size() - 1);
    }
  }
  return {};
}

Route RouteRequest(const http::request_header<>& request, const ParsedTarget& target,
                   std::span<const std::string> virtual_host_domains) {
  Route route;
  // Addressing first, so even refused requests name their bucket and key.
  std::string host_bucket = VirtualHostBucket(request[http::field::host], virtual_host_domains);
  std::string_view path = target.path;
  if (!path.empty() && path.front() == '/') path.remove_prefix(1);
  if (!host_bucket.empty()) {
    route.bucket = std::move(host_bucket);
    route.key = std::string(path);
  } else {
    size_t slash = path.find('/');
    route.bucket = std::string(path.substr(0, slash));
    if (slash != std::string_view::npos) route.key = std::string(path.substr(slash + 1));
    if (route.bucket.empty() && !route.key.empty()) {
      return Unsupported(S3Errc::kInvalidBucketName, route.bucket, route.key);
    }
  }

  const http::verb method = request.method();
  const bool service_level = route.bucket.empty();
  const bool object_level = !route.key.empty();
  if (method == http::verb::options && !service_level) {
    // The CORS preflight: its query names no subresource (browsers send the target as is).
    route.operation = Operation::kPreflightCors;
    return route;
  }
  if (method != http::verb::get && method != http::verb::head && method != http::verb::put &&
      method != http::verb::delete_ && method != http::verb::post) {
    // OPTIONS on the service, and anything unknown.
    return Unsupported(S3Errc::kNotImplemented, route.bucket, route.key);
  }

  for (const auto& param : target.query) {
    for (std::string_view sub : kUnsupportedSubresources) {
      if (param.first == sub) return Unsupported(S3Errc::kNotImplemented, route.bucket, route.key);
    }
  }

  if (service_level) {
    if (method == http::verb::post) return Unsupported(S3Errc::kNotImplemented);
    if (method != http::verb::get) return Unsupported(S3Errc::kMethodNotAllowed);
    route.operation = Operation::kListBuckets;
    return CheckSubresources(std::move(route), target);
  }

  const bool object_write =
      method == http::verb::put || (method == http::verb::post && target.HasQuery("uploads"));
  if (object_write && HasUnsupportedPutHeader(request, object_level)) {
    return Unsupported(S3Errc::kNotImplemented, route.bucket, route.key);
  }

  if (!object_level) {
    switch (method) {
      case http::verb::get:
        if (target.HasQuery("location")) {
          route.operation = Operation::kGetBucketLocation;
        } else if (target.HasQuery("versioning")) {
          route.operation = Operation::kGetBucketVersioning;
        } else if (target.HasQuery("versions")) {
          route.operation = Operation::kListObjectVersions;
        } else if (target.HasQuery("tagging")) {
          route.operation = Operation::kGetBucketTagging;
        } else if (target.HasQuery("object-lock")) {
          route.operation = Operation::kGetObjectLockConfiguration;
        } else if (target.HasQuery("lifecycle")) {
          route.operation = Operation::kGetBucketLifecycleConfiguration;
        } else if (target.HasQuery("cors")) {
          route.operation = Operation::kGetBucketCors;
        } else if (target.HasQuery("policy")) {
          route.operation = Operation::kGetBucketPolicy;
        } else if (target.HasQuery("policyStatus")) {
          route.operation = Operation::kGetBucketPolicyStatus;
        } else if (target.HasQuery("acl")) {
          route.operation = Operation::kGetBucketAcl;
        } else if (target.HasQuery("publicAccessBlock")) {
          route.operation = Operation::kGetPublicAccessBlock;
        } else if (target.HasQuery("encryption")) {
          route.operation = Operation::kGetBucketEncryption;
        } else if (target.HasQuery("ownershipControls")) {
          route.operation = Operation::kGetBucketOwnershipControls;
        } else if (target.HasQuery("uploads")) {
          route.operation = Operation::kListMultipartUploads;
        } else if (target.Query("list-type") == "2") {
          route.operation = Operation::kListObjectsV2;
        } else {
          route.operation = Operation::kListObjects;
        }
        break;
      case http::verb::head:
        route.operation = Operation::kHeadBucket;
        break;
      case http::verb::put:
        if (target.HasQuery("versioning")) {
          route.operation = Operation::kPutBucketVersioning;
        } else if (target.HasQuery("tagging")) {
          route.operation = Operation::kPutBucketTagging;
        } else if (target.HasQuery("object-lock")) {
          route.operation = Operation::kPutObjectLockConfiguration;
        } else if (target.HasQuery("lifecycle")) {
          route.operation = Operation::kPutBucketLifecycleConfiguration;
        } else if (target.HasQuery("cors")) {
          route.operation = Operation::kPutBucketCors;
        } else if (target.HasQuery("policy")) {
          route.operation = Operation::kPutBucketPolicy;
        } else if (target.HasQuery("acl")) {
          route.operation = Operation::kPutBucketAcl;
        } else if (target.HasQuery("publicAccessBlock")) {
          route.operation = Operation::kPutPublicAccessBlock;
        } else if (target.HasQuery("encryption")) {
          route.operation = Operation::kPutBucketEncryption;
        } else if (target.HasQuery("ownershipControls")) {
          route.operation = Operation::kPutBucketOwnershipControls;
        } else {
          route.operation = Operation::kCreateBucket;
        }
        break;
      case http::verb::post:
        if (target.HasQuery("delete")) {
          route.operation = Operation::kDeleteObjects;
        } else if (ToLower(request[http::field::content_type]).starts_with("multipart/form-data")) {
          // A browser-form upload (issue 7): the form, not the query, says what to store.
          route.operation = Operation::kPostObject;
        } else {
          return Unsupported(S3Errc::kNotImplemented, route.bucket, route.key);
        }
        break;
      default:
        route.operation =
            target.HasQuery("tagging")             ? Operation::kDeleteBucketTagging
            : target.HasQuery("lifecycle")         ? Operation::kDeleteBucketLifecycle
            : target.HasQuery("cors")              ? Operation::kDeleteBucketCors
            : target.HasQuery("policy")            ? Operation::kDeleteBucketPolicy
            : target.HasQuery("publicAccessBlock") ? Operation::kDeletePublicAccessBlock
            : target.HasQuery("encryption")        ? Operation::kDeleteBucketEncryption
            : target.HasQuery("ownershipControls") ? Operation::kDeleteBucketOwnershipControls
                                                   : Operation::kDeleteBucket;
        break;
    }
    if (route.operation != Operation::kGetBucketLocation && target.HasQuery("location")) {
      return Unsupported(S3Errc::kNotImplemented, route.bucket, route.key);
    }
    return CheckSubresources(std::move(route), target);
  }

  const bool has_upload_id = target.HasQuery("uploadId");
  switch (method) {
    case http::verb::get:
      if (has_upload_id) {
        route.operation = Operation::kListParts;
      } else if (target.HasQuery("tagging")) {
        route.operation = Operation::kGetObjectTagging;
      } else if (target.HasQuery("retention")) {
        route.operation = Operation::kGetObjectRetention;
      } else if (target.HasQuery("legal-hold")) {
        route.operation = Operation::kGetObjectLegalHold;
      } else if (target.HasQuery("attributes")) {
        route.operation = Operation::kGetObjectAttributes;
      } else if (target.HasQuery("acl")) {
        route.operation = Operation::kGetObjectAcl;
      } else {
        route.operation = Operation::kGetObject;
      }
      break;
    case http::verb::head:
      route.operation = Operation::kHeadObject;
      break;
    case http::verb::put: {
      const bool copy = request.find("x-amz-copy-source") != request.end();
      if (target.HasQuery("tagging")) {
        route.operation = Operation::kPutObjectTagging;
      } else if (target.HasQuery("retention")) {
        route.operation = Operation::kPutObjectRetention;
      } else if (target.HasQuery("legal-hold")) {
        route.operation = Operation::kPutObjectLegalHold;
      } else if (target.HasQuery("acl")) {
        route.operation = Operation::kPutObjectAcl;
      } else if (has_upload_id || target.HasQuery("partNumber")) {
        // A part needs both; either alone names no operation.
        if (!has_upload_id || !target.HasQuery("partNumber")) {
          return Unsupported(S3Errc::kNotImplemented, route.bucket, route.key);
        }
        route.operation = copy ? Operation::kUploadPartCopy : Operation::kUploadPart;
      } else {
        route.operation = copy ? Operation::kCopyObject : Operation::kPutObject;
      }
      break;
    }
    case http::verb::post:
      if (target.HasQuery("uploads")) {
        route.operation = Operation::kCreateMultipartUpload;
      } else if (has_upload_id) {
        route.operation = Operation::kCompleteMultipartUpload;
      } else {
        return Unsupported(S3Errc::kNotImplemented, route.bucket, route.key);
      }
      break;
    default:
      route.operation = has_upload_id                ? Operation::kAbortMultipartUpload
                        : target.HasQuery("tagging") ? Operation::kDeleteObjectTagging
                                                     : Operation::kDeleteObject;
      break;
  }
  return CheckSubresources(std::move(route), target);
}

}  // namespace strata::api
