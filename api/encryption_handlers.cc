#include "api/encryption_handlers.h"

#include "api/encryption_xml.h"
#include "api/governance_handlers.h"

namespace strata::api {

using storage::BucketAccessKind;

HandlerResult PutBucketEncryption(HandlerContext& ctx) {
  auto xml = ReadGovernanceBody(ctx, /*integrity_required=*/true, kMaxEncryptionBodyBytes);
  if (!xml) return xml.error();
  auto config = ParseEncryptionConfiguration(*xml, &ctx.error_message);
  if (!config) return config.error();
  if (auto ec = ctx.store.PutBucketAccess(ctx.route.bucket, BucketAccessKind::kEncryption,
                                          EncodeBucketEncryption(*config))) {
    return ec;
  }
  Response response;
  response.header.result(http::status::ok);
  return response;
}

HandlerResult GetBucketEncryption(HandlerContext& ctx) {
  auto record = ctx.store.GetBucketAccess(ctx.route.bucket, BucketAccessKind::kEncryption);
  if (!record) return record.error();
  if (!record->has_value() || (*record)->empty()) {
    return make_error_code(S3Errc::kServerSideEncryptionConfigurationNotFoundError);
  }
  return GovernanceXml(RenderEncryptionConfiguration(DecodeBucketEncryption(**record)));
}

HandlerResult DeleteBucketEncryption(HandlerContext& ctx) {
  // An empty document removes the record (PutBucketAccess's contract).
  if (auto ec = ctx.store.PutBucketAccess(ctx.route.bucket, BucketAccessKind::kEncryption, "")) {
    return ec;
  }
  Response response;
  response.header.result(http::status::no_content);
  return response;
}

}  // namespace strata::api
