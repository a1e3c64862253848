#include "api/governance_handlers.h"
#include "api/governance_xml.h"
#include "api/version_headers.h"
#include "api/xml.h"

namespace strata::api {
namespace {

std::string TaggingXml(const storage::TagSet& tags) {
  XmlWriter xml;
  xml.Open("Tagging", kS3XmlNamespace).Open("TagSet");
  for (const auto& [key, value] : tags) {
    xml.Open("Tag").Element("Key", key).Element("Value", value).Close("Tag");
  }
  xml.Close("TagSet").Close("Tagging");
  return xml.Finish();
}

// Object tagging answers name the version they acted on (in unversioned buckets, "null").
Response WithVersion(Response response, const std::string& version_id) {
  if (!version_id.empty()) response.header.set("x-amz-version-id", version_id);
  return response;
}

Response Empty(http::status status) {
  Response response;
  response.header.result(status);
  return response;
}

}  // namespace

HandlerResult PutObjectTagging(HandlerContext& ctx) {
  auto xml = ReadGovernanceBody(ctx);
  if (!xml) return xml.error();
  auto tags = ParseTagging(*xml, storage::kMaxObjectTags);
  if (!tags) {
    return Fail(ctx, ToS3Error(tags.error()),
                ToS3Error(tags.error()) == S3Errc::kInvalidTag
                    ? "Object tags cannot be greater than 10, keys must be 1 to 128 and values "
                      "up to 256 characters, and keys must be unique."
                    : "");
  }
  auto version =
      ctx.store.PutObjectTagging(ctx.route.bucket, ctx.route.key, RequestVersionId(ctx), *tags);
  if (!version) return version.error();
  return WithVersion(Empty(http::status::ok), *version);
}

HandlerResult GetObjectTagging(HandlerContext& ctx) {
  auto tags = ctx.store.GetObjectTagging(ctx.route.bucket, ctx.route.key, RequestVersionId(ctx));
  if (!tags) return tags.error();
  return WithVersion(GovernanceXml(TaggingXml(tags->tags)), tags->version_id);
}

HandlerResult DeleteObjectTagging(HandlerContext& ctx) {
  auto version =
      ctx.store.DeleteObjectTagging(ctx.route.bucket, ctx.route.key, RequestVersionId(ctx));
  if (!version) return version.error();
  return WithVersion(Empty(http::status::no_content), *version);
}

HandlerResult PutBucketTagging(HandlerContext& ctx) {
  auto xml = ReadGovernanceBody(ctx);
  if (!xml) return xml.error();
  auto tags = ParseTagging(*xml, storage::kMaxBucketTags);
  if (!tags) return tags.error();
  if (auto ec = ctx.store.PutBucketTagging(ctx.route.bucket, *tags)) return ec;
  return Empty(http::status::no_content);
}

HandlerResult GetBucketTagging(HandlerContext& ctx) {
  auto tags = ctx.store.GetBucketTagging(ctx.route.bucket);
  if (!tags) return tags.error();
  return GovernanceXml(TaggingXml(*tags));
}

HandlerResult DeleteBucketTagging(HandlerContext& ctx) {
  if (auto ec = ctx.store.DeleteBucketTagging(ctx.route.bucket)) return ec;
  return Empty(http::status::no_content);
}

}  // namespace strata::api
