#include "api/cors_handlers.h"

#include <variant>

#include "api/cors.h"
#include "api/cors_xml.h"
#include "api/governance_handlers.h"
#include "api/request_headers.h"
#include "api/upload_body.h"
#include "api/xml.h"
#include "storage/body_source.h"

namespace strata::api {
namespace {

bool IsCorsMethod(std::string_view m) {
  return m == "GET" || m == "PUT" || m == "POST" || m == "DELETE" || m == "HEAD";
}

}  // namespace

HandlerResult PutBucketCors(HandlerContext& ctx) {
  auto xml = ReadGovernanceBody(ctx, /*integrity_required=*/true, kMaxCorsBodyBytes);
  if (!xml) return xml.error();
  auto parsed = ParseCorsConfiguration(*xml);
  if (const auto* error = std::get_if<CorsError>(&parsed)) {
    return Fail(ctx, error->code, error->message);
  }
  if (auto ec =
          ctx.store.PutBucketCors(ctx.route.bucket, std::get<storage::CorsConfiguration>(parsed))) {
    return ec;
  }
  Response response;
  response.header.result(http::status::ok);
  return response;
}

HandlerResult GetBucketCors(HandlerContext& ctx) {
  auto config = ctx.store.GetBucketCors(ctx.route.bucket);
  if (!config) return config.error();
  if (!config->has_value()) return make_error_code(S3Errc::kNoSuchCORSConfiguration);
  return GovernanceXml(RenderCorsConfiguration(**config));
}

HandlerResult DeleteBucketCors(HandlerContext& ctx) {
  if (auto ec = ctx.store.DeleteBucketCors(ctx.route.bucket)) return ec;
  Response response;
  response.header.result(http::status::no_content);
  return response;
}

HandlerResult PreflightCors(HandlerContext& ctx) {
  auto origin = HeaderValue(ctx.request, "origin");
  if (!origin || TrimSpaces(*origin).empty()) {
    return Fail(ctx, S3Errc::kBadRequest,
                "Insufficient information. Origin request header needed.");
  }
  auto method = HeaderValue(ctx.request, "access-control-request-method");
  std::string_view method_name = method ? TrimSpaces(*method) : std::string_view("null");
  if (!method || !IsCorsMethod(method_name)) {
    return Fail(ctx, S3Errc::kBadRequest,
                "Invalid Access-Control-Request-Method: " + std::string(method_name));
  }
  auto config = ctx.store.GetBucketCors(ctx.route.bucket);
  if (!config) return config.error();
  if (!config->has_value()) {
    return Fail(ctx, S3Errc::kAccessForbidden,
                "CORSResponse: CORS is not enabled for this bucket.");
  }
  std::vector<std::string> headers;
  if (auto requested = HeaderValue(ctx.request, "access-control-request-headers")) {
    headers = SplitRequestHeaders(*requested);
  }
  const std::string_view origin_value = TrimSpaces(*origin);
  const storage::CorsRule* rule = MatchCorsRule(**config, origin_value, method_name, headers);
  if (rule == nullptr) return make_error_code(S3Errc::kAccessForbidden);
  Response response;
  response.header.result(http::status::ok);
  SetPreflightHeaders(*rule, origin_value, headers, response.header);
  return response;
}

void AddCorsHeaders(storage::ObjectStore& store, const http::request_header<>& request,
                    const std::string& bucket, http::response_header<>& response) {
  if (bucket.empty()) return;
  auto origin = HeaderValue(request, "origin");
  if (!origin || TrimSpaces(*origin).empty()) return;
  auto config = store.GetBucketCors(bucket);
  if (!config || !config->has_value()) return;
  const std::string method(request.method_string());
  const storage::CorsRule* rule = MatchCorsRule(**config, TrimSpaces(*origin), method, {});
  if (rule != nullptr) SetActualRequestHeaders(*rule, TrimSpaces(*origin), response);
}

}  // namespace strata::api
