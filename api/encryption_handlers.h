// Bucket default encryption (issue 7): PUT/GET/DELETE /bucket?encryption. The configuration is
// stored as storage::BucketAccessKind::kEncryption (api/encryption_xml.h's record) and applied
// to writes by ReadWriteSse (api/sse_headers.h).
#pragma once

#include "api/handler.h"

namespace strata::api {

// Needs Content-MD5 or an x-amz-checksum-* (InvalidRequest "Missing required header for this
// request: Content-MD5", as AWS); at most kMaxEncryptionBodyBytes; ParseEncryptionConfiguration's
// errors. 200 on success.
HandlerResult PutBucketEncryption(HandlerContext& ctx);
// ServerSideEncryptionConfigurationNotFoundError (404) when the bucket has none.
HandlerResult GetBucketEncryption(HandlerContext& ctx);
// 204, also when there was none.
HandlerResult DeleteBucketEncryption(HandlerContext& ctx);

}  // namespace strata::api
