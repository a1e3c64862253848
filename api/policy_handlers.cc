// Bucket policy, ACL and public access block handlers. The documents are stored as given
// (policy JSON verbatim, as GetBucketPolicy must return it) and parsed again where evaluated.
#include "api/policy_handlers.h"

#include "api/acl.h"
#include "api/governance_handlers.h"
#include "api/governance_xml.h"
#include "api/policy.h"
#include "api/request_headers.h"
#include "api/version_headers.h"
#include "api/xml.h"

namespace strata::api {
namespace {

using storage::BucketAccessKind;

Response Empty(http::status status) {
  Response response;
  response.header.result(status);
  return response;
}

Result<PublicAccessBlock> LoadPab(HandlerContext& ctx) {
  auto record = ctx.store.GetBucketAccess(ctx.route.bucket, BucketAccessKind::kPublicAccessBlock);
  if (!record) return record.error();
  if (!record->has_value()) return PublicAccessBlock{};
  return DecodePublicAccessBlock(**record);
}

// The canned ACL of a PutBucketAcl / PutObjectAcl: the x-amz-acl header, else the body.
Result<CannedAcl> RequestedAcl(HandlerContext& ctx, bool bucket_level) {
  if (auto header = HeaderValue(ctx.request, "x-amz-acl")) {
    auto acl = ParseCannedAcl(TrimSpaces(*header));
    if (!acl) return Fail(ctx, S3Errc::kInvalidArgument).error();
    return *acl;
  }
  auto xml = ReadXmlBody(*ctx.body, kMaxGovernanceBodyBytes);
  if (!xml) return xml.error();
  if (xml->empty()) {
    return Fail(ctx, S3Errc::kMissingSecurityHeader, "Your request was missing a required header")
        .error();
  }
  auto acl = ParseAclXml(*xml, bucket_level, &ctx.error_message);
  if (!acl) return acl.error();
  return *acl;
}

}  // namespace

HandlerResult PutBucketPolicy(HandlerContext& ctx) {
  auto text = ReadXmlBody(*ctx.body, kMaxPolicyBytes);
  if (!text) {
    if (ToS3Error(text.error()) == S3Errc::kMalformedXML) {
      return Fail(ctx, S3Errc::kMalformedPolicy, "Policies must be no more than 20 KB in size");
    }
    return text.error();
  }
  std::string message;
  auto policy = ParsePolicy(*text, PolicyKind::kBucket, ctx.route.bucket, &message);
  if (!policy) return Fail(ctx, S3Errc::kMalformedPolicy, message);
  auto pab = LoadPab(ctx);
  if (!pab) return pab.error();
  if (pab->block_public_policy && IsPublicPolicy(*policy)) {
    return Fail(ctx, S3Errc::kAccessDenied, "Access Denied because of BlockPublicPolicy");
  }
  if (auto ec = ctx.store.PutBucketAccess(ctx.route.bucket, BucketAccessKind::kPolicy, *text)) {
    return ec;
  }
  return Empty(http::status::no_content);
}

HandlerResult GetBucketPolicy(HandlerContext& ctx) {
  auto doc = ctx.store.GetBucketAccess(ctx.route.bucket, BucketAccessKind::kPolicy);
  if (!doc) return doc.error();
  if (!doc->has_value()) return make_error_code(S3Errc::kNoSuchBucketPolicy);
  Response response;
  response.header.result(http::status::ok);
  response.header.set(http::field::content_type, "application/json");
  response.body = std::move(**doc);
  return response;
}

HandlerResult DeleteBucketPolicy(HandlerContext& ctx) {
  if (auto ec = ctx.store.PutBucketAccess(ctx.route.bucket, BucketAccessKind::kPolicy, "")) {
    return ec;
  }
  return Empty(http::status::no_content);
}

HandlerResult GetBucketPolicyStatus(HandlerContext& ctx) {
  auto doc = ctx.store.GetBucketAccess(ctx.route.bucket, BucketAccessKind::kPolicy);
  if (!doc) return doc.error();
  if (!doc->has_value()) return make_error_code(S3Errc::kNoSuchBucketPolicy);
  auto policy = ParsePolicy(**doc, PolicyKind::kBucket, ctx.route.bucket, nullptr);
  XmlWriter xml;
  xml.Open("PolicyStatus", kS3XmlNamespace)
      .BoolElement("IsPublic", policy && IsPublicPolicy(*policy))
      .Close("PolicyStatus");
  return GovernanceXml(xml.Finish());
}

HandlerResult PutBucketAcl(HandlerContext& ctx) {
  auto acl = RequestedAcl(ctx, /*bucket_level=*/true);
  if (!acl) return acl.error();
  auto pab = LoadPab(ctx);
  if (!pab) return pab.error();
  if (pab->block_public_acls && IsPublicAcl(*acl)) {
    return Fail(ctx, S3Errc::kAccessDenied, "Access Denied because of BlockPublicAcls");
  }
  const std::string record = IsPublicAcl(*acl) ? std::string(CannedAclName(*acl)) : "";
  if (auto ec = ctx.store.PutBucketAccess(ctx.route.bucket, BucketAccessKind::kAcl, record)) {
    return ec;
  }
  return Empty(http::status::ok);
}

HandlerResult GetBucketAcl(HandlerContext& ctx) {
  auto record = ctx.store.GetBucketAccess(ctx.route.bucket, BucketAccessKind::kAcl);
  if (!record) return record.error();
  CannedAcl acl = CannedAcl::kPrivate;
  if (record->has_value()) acl = ParseCannedAcl(**record).value_or(CannedAcl::kPrivate);
  return GovernanceXml(RenderAclXml(acl, RootOwner(ctx.config), /*bucket_level=*/true));
}

HandlerResult PutObjectAcl(HandlerContext& ctx) {
  auto acl = RequestedAcl(ctx, /*bucket_level=*/false);
  if (!acl) return acl.error();
  auto pab = LoadPab(ctx);
  if (!pab) return pab.error();
  if (pab->block_public_acls && IsPublicAcl(*acl)) {
    return Fail(ctx, S3Errc::kAccessDenied, "Access Denied because of BlockPublicAcls");
  }
  const std::string record = IsPublicAcl(*acl) ? std::string(CannedAclName(*acl)) : "";
  auto version =
      ctx.store.PutObjectAcl(ctx.route.bucket, ctx.route.key, RequestVersionId(ctx), record);
  if (!version) return version.error();
  Response response = Empty(http::status::ok);
  if (!RequestVersionId(ctx).empty()) response.header.set("x-amz-version-id", *version);
  return response;
}

HandlerResult GetObjectAcl(HandlerContext& ctx) {
  auto record = ctx.store.GetObjectAcl(ctx.route.bucket, ctx.route.key, RequestVersionId(ctx));
  if (!record) return record.error();
  CannedAcl acl = ParseCannedAcl(*record).value_or(CannedAcl::kPrivate);
  Response response =
      GovernanceXml(RenderAclXml(acl, RootOwner(ctx.config), /*bucket_level=*/false));
  if (!RequestVersionId(ctx).empty())
    response.header.set("x-amz-version-id", RequestVersionId(ctx));
  return response;
}

HandlerResult PutPublicAccessBlock(HandlerContext& ctx) {
  auto xml = ReadGovernanceBody(ctx);
  if (!xml) return xml.error();
  auto pab = ParsePublicAccessBlockXml(*xml);
  if (!pab) return pab.error();
  if (auto ec = ctx.store.PutBucketAccess(ctx.route.bucket, BucketAccessKind::kPublicAccessBlock,
                                          EncodePublicAccessBlock(*pab))) {
    return ec;
  }
  return Empty(http::status::ok);
}

HandlerResult GetPublicAccessBlock(HandlerContext& ctx) {
  auto record = ctx.store.GetBucketAccess(ctx.route.bucket, BucketAccessKind::kPublicAccessBlock);
  if (!record) return record.error();
  if (!record->has_value()) return make_error_code(S3Errc::kNoSuchPublicAccessBlockConfiguration);
  return GovernanceXml(RenderPublicAccessBlockXml(DecodePublicAccessBlock(**record)));
}

HandlerResult DeletePublicAccessBlock(HandlerContext& ctx) {
  if (auto ec =
          ctx.store.PutBucketAccess(ctx.route.bucket, BucketAccessKind::kPublicAccessBlock, "")) {
    return ec;
  }
  return Empty(http::status::no_content);
}

}  // namespace strata::api
