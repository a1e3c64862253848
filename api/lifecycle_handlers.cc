#include "api/lifecycle_handlers.h"

#include <variant>

#include "api/governance_handlers.h"
#include "api/lifecycle_xml.h"
#include "api/request_headers.h"
#include "api/upload_body.h"
#include "api/xml.h"
#include "storage/body_source.h"
#include "storage/lifecycle.h"

namespace strata::api {
namespace {

constexpr std::string_view kMinimumSizeHeader = "x-amz-transition-default-minimum-object-size";

}  // namespace

HandlerResult PutBucketLifecycleConfiguration(HandlerContext& ctx) {
  std::string_view minimum = kTransitionMinimumDefault;
  if (auto value = HeaderValue(ctx.request, kMinimumSizeHeader)) {
    minimum = TrimSpaces(*value);
    if (minimum != kTransitionMinimumDefault && minimum != kTransitionMinimumByClass) {
      return Fail(ctx, S3Errc::kInvalidRequest, "Invalid TransitionDefaultMinimumObjectSize found");
    }
  }
  auto xml = ReadGovernanceBody(ctx, /*integrity_required=*/true, kMaxLifecycleBodyBytes);
  if (!xml) return xml.error();
  auto parsed = ParseLifecycleConfiguration(*xml, NewLifecycleRuleId);
  if (const auto* error = std::get_if<LifecycleError>(&parsed)) {
    return Fail(ctx, error->code, error->message);
  }
  const auto& config = std::get<storage::LifecycleConfiguration>(parsed);
  if (auto ec = ctx.store.PutBucketLifecycle(ctx.route.bucket, config)) {
    if (ToS3Error(ec) == S3Errc::kInvalidStorageClass) {
      return Fail(ctx, S3Errc::kInvalidStorageClass,
                  "The storage class you specified is not valid: a transition names a storage "
                  "class this server does not configure.");
    }
    return ec;
  }
  Response response;
  response.header.result(http::status::ok);
  response.header.set(kMinimumSizeHeader, minimum);
  return response;
}

HandlerResult GetBucketLifecycleConfiguration(HandlerContext& ctx) {
  auto config = ctx.store.GetBucketLifecycle(ctx.route.bucket);
  if (!config) return config.error();
  Response response = GovernanceXml(RenderLifecycleConfiguration(*config));
  response.header.set(kMinimumSizeHeader, kTransitionMinimumDefault);
  return response;
}

HandlerResult DeleteBucketLifecycle(HandlerContext& ctx) {
  if (auto ec = ctx.store.DeleteBucketLifecycle(ctx.route.bucket)) return ec;
  Response response;
  response.header.result(http::status::no_content);
  return response;
}

}  // namespace strata::api
