#include "api/governance_handlers.h"
#include "api/governance_xml.h"
#include "api/http_date.h"
#include "api/version_headers.h"
#include "api/xml.h"

namespace strata::api {
namespace {

constexpr std::string_view kMissingLock = "Bucket is missing Object Lock Configuration";

Response WithVersion(Response response, const std::string& version_id) {
  if (!version_id.empty()) response.header.set("x-amz-version-id", version_id);
  return response;
}

Response Ok() {
  Response response;
  response.header.result(http::status::ok);
  return response;
}

// Retention and legal hold exist only in buckets with object lock: InvalidRequest elsewhere.
boost::system::error_code CheckLockBucket(HandlerContext& ctx) {
  auto bucket = ctx.store.GetBucket(ctx.route.bucket);
  if (!bucket) return bucket.error();
  if (!bucket->object_lock_enabled) {
    return Fail(ctx, S3Errc::kInvalidRequest, std::string(kMissingLock)).error();
  }
  return {};
}

// A version's lock state, for GetObjectRetention / GetObjectLegalHold. A delete marker has none.
Result<storage::ObjectInfo> StatForLock(HandlerContext& ctx) {
  if (auto ec = CheckLockBucket(ctx)) return ec;
  auto info = ctx.store.StatVersion(ctx.route.bucket, ctx.route.key, RequestVersionId(ctx));
  if (!info) return info.error();
  if (info->delete_marker) {
    ctx.error_headers.set("x-amz-delete-marker", "true");
    ctx.error_headers.set("x-amz-version-id", info->version_id);
    return make_error_code(RequestVersionId(ctx).empty() ? S3Errc::kNoSuchKey
                                                         : S3Errc::kMethodNotAllowed);
  }
  return info;
}

}  // namespace

HandlerResult PutObjectLockConfiguration(HandlerContext& ctx) {
  auto xml = ReadGovernanceBody(ctx, /*integrity_required=*/true);
  if (!xml) return xml.error();
  auto config = ParseObjectLockConfiguration(*xml);
  if (!config) return config.error();
  if (auto ec = ctx.store.PutObjectLockConfiguration(ctx.route.bucket, *config)) {
    if (ToS3Error(ec) == S3Errc::kInvalidBucketState) {
      return Fail(ctx, S3Errc::kInvalidBucketState,
                  "Versioning must be 'Enabled' on the bucket to apply a Object Lock "
                  "configuration");
    }
    return ec;
  }
  return Ok();
}

HandlerResult GetObjectLockConfiguration(HandlerContext& ctx) {
  auto config = ctx.store.GetObjectLockConfiguration(ctx.route.bucket);
  if (!config) return config.error();
  XmlWriter xml;
  xml.Open("ObjectLockConfiguration", kS3XmlNamespace);
  if (config->enabled) xml.Element("ObjectLockEnabled", "Enabled");
  if (config->rule) {
    xml.Open("Rule")
        .Open("DefaultRetention")
        .Element("Mode", RetentionModeName(config->rule->mode));
    if (config->rule->days > 0) xml.NumberElement("Days", config->rule->days);
    if (config->rule->years > 0) xml.NumberElement("Years", config->rule->years);
    xml.Close("DefaultRetention").Close("Rule");
  }
  xml.Close("ObjectLockConfiguration");
  return GovernanceXml(xml.Finish());
}

HandlerResult PutObjectRetention(HandlerContext& ctx) {
  auto xml = ReadGovernanceBody(ctx, /*integrity_required=*/true);
  if (!xml) return xml.error();
  auto retention = ParseRetention(*xml);
  if (!retention) return retention.error();
  if (auto ec = CheckLockBucket(ctx)) return ec;
  auto version = ctx.store.PutObjectRetention(
      ctx.route.bucket, ctx.route.key, RequestVersionId(ctx), *retention, BypassGovernance(ctx));
  if (!version) {
    if (ToS3Error(version.error()) == S3Errc::kInvalidArgument) {
      return Fail(ctx, S3Errc::kInvalidArgument, "The retain until date must be in the future!");
    }
    return version.error();
  }
  return WithVersion(Ok(), *version);
}

HandlerResult GetObjectRetention(HandlerContext& ctx) {
  auto info = StatForLock(ctx);
  if (!info) return info.error();
  if (info->retention.mode == storage::RetentionMode::kNone) {
    return Fail(ctx, S3Errc::kNoSuchObjectLockConfiguration);
  }
  XmlWriter xml;
  xml.Open("Retention", kS3XmlNamespace)
      .Element("Mode", RetentionModeName(info->retention.mode))
      .Element("RetainUntilDate", FormatIso8601(info->retention.retain_until))
      .Close("Retention");
  return GovernanceXml(xml.Finish());
}

HandlerResult PutObjectLegalHold(HandlerContext& ctx) {
  auto xml = ReadGovernanceBody(ctx, /*integrity_required=*/true);
  if (!xml) return xml.error();
  auto on = ParseLegalHold(*xml);
  if (!on) return on.error();
  if (auto ec = CheckLockBucket(ctx)) return ec;
  auto version =
      ctx.store.PutObjectLegalHold(ctx.route.bucket, ctx.route.key, RequestVersionId(ctx), *on);
  if (!version) return version.error();
  return WithVersion(Ok(), *version);
}

HandlerResult GetObjectLegalHold(HandlerContext& ctx) {
  auto info = StatForLock(ctx);
  if (!info) return info.error();
  // Like S3: a version that never had a legal hold status has no "OFF" to report.
  if (!info->legal_hold_set) return Fail(ctx, S3Errc::kNoSuchObjectLockConfiguration);
  XmlWriter xml;
  xml.Open("LegalHold", kS3XmlNamespace)
      .Element("Status", info->legal_hold ? "ON" : "OFF")
      .Close("LegalHold");
  return GovernanceXml(xml.Finish());
}

}  // namespace strata::api
