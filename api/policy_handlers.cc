// Bucket policy, ACL, ownership controls and public access block handlers. The documents are stored
// as given (policy JSON verbatim, as GetBucketPolicy must return it) and parsed again where
// evaluated.
#include "api/policy_handlers.h"

#include "api/acl.h"
#include "api/acl_grants.h"
#include "api/acl_request.h"
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

// The ACL of a PutBucketAcl / PutObjectAcl: x-amz-acl or x-amz-grant-* headers, else the
// AccessControlPolicy body. Then what the bucket allows: no public grants with BlockPublicAcls,
// none beyond the owner's with BucketOwnerEnforced.
Result<AccessControlList> RequestedAcl(HandlerContext& ctx, const GranteeDirectory& directory,
                                       bool bucket_level) {
  auto from_headers = ReadRequestAcl(ctx.request, directory, bucket_level, &ctx.error_message);
  if (!from_headers) return from_headers.error();
  AccessControlList acl;
  if (*from_headers) {
    acl = std::move(**from_headers);
  } else {
    auto xml = ReadXmlBody(*ctx.body, kMaxGovernanceBodyBytes);
    if (!xml) {
      if (ToS3Error(xml.error()) == S3Errc::kMalformedXML) {
        return Fail(ctx, S3Errc::kMalformedACLError).error();
      }
      return xml.error();
    }
    if (xml->empty()) {
      return Fail(ctx, S3Errc::kMissingSecurityHeader, "Your request was missing a required header")
          .error();
    }
    auto parsed = ParseAccessControlPolicy(*xml, &ctx.error_message);
    if (!parsed) return parsed.error();
    if (auto ec = ValidateGrantees(*parsed, directory, &ctx.error_message)) return ec;
    acl = std::move(*parsed);
  }
  auto pab = LoadPab(ctx);
  if (!pab) return pab.error();
  if (pab->block_public_acls && HasPublicGrant(acl)) {
    return Fail(ctx, S3Errc::kAccessDenied, "Access Denied because of BlockPublicAcls").error();
  }
  auto ownership = LoadOwnership(ctx.store, ctx.route.bucket);
  if (!ownership) return ownership.error();
  if (auto ec = CheckAclAllowed(*ownership, acl, directory.owner_id, &ctx.error_message)) {
    return ec;
  }
  return acl;
}

// What Get*Acl shows: the stored grants, or the owner alone where ACLs are disabled.
Result<AccessControlList> ShownAcl(HandlerContext& ctx, const std::string& record,
                                   const std::string& owner_id, bool bucket_level) {
  auto ownership = LoadOwnership(ctx.store, ctx.route.bucket);
  if (!ownership) return ownership.error();
  if (*ownership == ObjectOwnership::kBucketOwnerEnforced) {
    return CannedAclGrants(CannedAcl::kPrivate, owner_id, bucket_level);
  }
  return DecodeAclRecord(record, owner_id, bucket_level);
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
  const GranteeDirectory directory = MakeGranteeDirectory(ctx.config);
  auto acl = RequestedAcl(ctx, directory, /*bucket_level=*/true);
  if (!acl) return acl.error();
  if (auto ec = ctx.store.PutBucketAccess(ctx.route.bucket, BucketAccessKind::kAcl,
                                          EncodeAclRecord(*acl, directory.owner_id))) {
    return ec;
  }
  return Empty(http::status::ok);
}

HandlerResult GetBucketAcl(HandlerContext& ctx) {
  auto record = ctx.store.GetBucketAccess(ctx.route.bucket, BucketAccessKind::kAcl);
  if (!record) return record.error();
  const GranteeDirectory directory = MakeGranteeDirectory(ctx.config);
  auto acl = ShownAcl(ctx, record->value_or(""), directory.owner_id, /*bucket_level=*/true);
  if (!acl) return acl.error();
  return GovernanceXml(RenderAccessControlPolicy(*acl, RootOwner(ctx.config), directory));
}

HandlerResult PutObjectAcl(HandlerContext& ctx) {
  const GranteeDirectory directory = MakeGranteeDirectory(ctx.config);
  auto acl = RequestedAcl(ctx, directory, /*bucket_level=*/false);
  if (!acl) return acl.error();
  auto version = ctx.store.PutObjectAcl(ctx.route.bucket, ctx.route.key, RequestVersionId(ctx),
                                        EncodeAclRecord(*acl, directory.owner_id));
  if (!version) return version.error();
  Response response = Empty(http::status::ok);
  if (!RequestVersionId(ctx).empty()) response.header.set("x-amz-version-id", *version);
  return response;
}

HandlerResult GetObjectAcl(HandlerContext& ctx) {
  auto record = ctx.store.GetObjectAcl(ctx.route.bucket, ctx.route.key, RequestVersionId(ctx));
  if (!record) return record.error();
  const GranteeDirectory directory = MakeGranteeDirectory(ctx.config);
  auto acl = ShownAcl(ctx, *record, directory.owner_id, /*bucket_level=*/false);
  if (!acl) return acl.error();
  Response response =
      GovernanceXml(RenderAccessControlPolicy(*acl, RootOwner(ctx.config), directory));
  if (!RequestVersionId(ctx).empty())
    response.header.set("x-amz-version-id", RequestVersionId(ctx));
  return response;
}

HandlerResult PutBucketOwnershipControls(HandlerContext& ctx) {
  auto xml = ReadGovernanceBody(ctx);
  if (!xml) return xml.error();
  auto ownership = ParseOwnershipControlsXml(*xml);
  if (!ownership) return ownership.error();
  if (auto ec = ctx.store.PutBucketAccess(ctx.route.bucket, BucketAccessKind::kOwnership,
                                          EncodeOwnership(*ownership))) {
    return ec;
  }
  return Empty(http::status::ok);
}

HandlerResult GetBucketOwnershipControls(HandlerContext& ctx) {
  auto ownership = LoadOwnership(ctx.store, ctx.route.bucket);
  if (!ownership) return ownership.error();
  if (!*ownership) return make_error_code(S3Errc::kOwnershipControlsNotFoundError);
  return GovernanceXml(RenderOwnershipControlsXml(**ownership));
}

HandlerResult DeleteBucketOwnershipControls(HandlerContext& ctx) {
  if (auto ec = ctx.store.PutBucketAccess(ctx.route.bucket, BucketAccessKind::kOwnership, "")) {
    return ec;
  }
  return Empty(http::status::no_content);
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
