// Bucket policy, ACL, ownership controls and public access block operations (issue 7): ?policy,
// ?policyStatus, ?acl (bucket and object), ?ownershipControls and ?publicAccessBlock.
#pragma once

#include "api/handler.h"

namespace strata::api {

HandlerResult PutBucketPolicy(HandlerContext& ctx);
HandlerResult GetBucketPolicy(HandlerContext& ctx);
HandlerResult DeleteBucketPolicy(HandlerContext& ctx);
HandlerResult GetBucketPolicyStatus(HandlerContext& ctx);
HandlerResult PutBucketAcl(HandlerContext& ctx);
HandlerResult GetBucketAcl(HandlerContext& ctx);
HandlerResult PutObjectAcl(HandlerContext& ctx);
HandlerResult GetObjectAcl(HandlerContext& ctx);
HandlerResult PutPublicAccessBlock(HandlerContext& ctx);
HandlerResult GetPublicAccessBlock(HandlerContext& ctx);
HandlerResult DeletePublicAccessBlock(HandlerContext& ctx);
HandlerResult PutBucketOwnershipControls(HandlerContext& ctx);
HandlerResult GetBucketOwnershipControls(HandlerContext& ctx);
HandlerResult DeleteBucketOwnershipControls(HandlerContext& ctx);

}  // namespace strata::api
