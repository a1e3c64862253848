// The governance operations of issue 4: bucket versioning and ListObjectVersions
// (versioning_handlers.cc), object and bucket tagging (tagging_handlers.cc), object lock
// configuration, retention and legal hold (object_lock_handlers.cc). Each checks the request,
// makes one storage call and renders; the rules (limits, lock enforcement) live in storage/.
#pragma once

#include <string>

#include "api/governance_xml.h"
#include "api/handler.h"

namespace strata::api {

HandlerResult PutBucketVersioning(HandlerContext& ctx);
HandlerResult GetBucketVersioning(HandlerContext& ctx);
HandlerResult ListObjectVersions(HandlerContext& ctx);

HandlerResult PutObjectTagging(HandlerContext& ctx);
HandlerResult GetObjectTagging(HandlerContext& ctx);
HandlerResult DeleteObjectTagging(HandlerContext& ctx);
HandlerResult PutBucketTagging(HandlerContext& ctx);
HandlerResult GetBucketTagging(HandlerContext& ctx);
HandlerResult DeleteBucketTagging(HandlerContext& ctx);

HandlerResult PutObjectLockConfiguration(HandlerContext& ctx);
HandlerResult GetObjectLockConfiguration(HandlerContext& ctx);
HandlerResult PutObjectRetention(HandlerContext& ctx);
HandlerResult GetObjectRetention(HandlerContext& ctx);
HandlerResult PutObjectLegalHold(HandlerContext& ctx);
HandlerResult GetObjectLegalHold(HandlerContext& ctx);

// The XML request document of a configuration PUT (governance, lifecycle, CORS): Content-MD5 /
// x-amz-checksum-* verified when sent, at most max_bytes (MalformedXML beyond). With
// `integrity_required` (object lock, lifecycle, CORS: as S3 requires) a request carrying
// neither is refused: InvalidRequest "Missing required header for this request: Content-MD5".
Result<std::string> ReadGovernanceBody(HandlerContext& ctx, bool integrity_required = false,
                                       size_t max_bytes = kMaxGovernanceBodyBytes);

// An S3 XML document answer with `status`.
Response GovernanceXml(std::string xml, http::status status = http::status::ok);

}  // namespace strata::api
