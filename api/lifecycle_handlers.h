// Put/Get/DeleteBucketLifecycle (issue 5). Each checks the request, makes one storage call and
// renders; the document's rules are lifecycle_xml's, the invariants storage's (ValidateLifecycle
// checks them again), the actions the lifecycle worker's (storage/).
#pragma once

#include "api/handler.h"

namespace strata::api {

// PUT /bucket?lifecycle. Needs Content-MD5 or an x-amz-checksum-* (InvalidRequest "Missing
// required header for this request: Content-MD5" otherwise, as AWS); verifies it; at most
// kMaxLifecycleBodyBytes (MalformedXML beyond). x-amz-transition-default-minimum-object-size is
// accepted (all_storage_classes_128K | varies_by_storage_class, else InvalidRequest) and echoed;
// Strata applies no minimum object size to transitions.
HandlerResult PutBucketLifecycleConfiguration(HandlerContext& ctx);
// GET /bucket?lifecycle: the document, or NoSuchLifecycleConfiguration (404).
HandlerResult GetBucketLifecycleConfiguration(HandlerContext& ctx);
// DELETE /bucket?lifecycle: 204, with or without a configuration (NoSuchBucket if no bucket).
HandlerResult DeleteBucketLifecycle(HandlerContext& ctx);

}  // namespace strata::api
