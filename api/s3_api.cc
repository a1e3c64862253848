// S3Api::Handle: parse, route, authenticate, dispatch, render errors. Every request goes through
// the same script, so every failure is an S3 error document from the one table.
#include "api/s3_api.h"

#include <exception>

#include "api/batch_delete.h"
#include "api/bucket_handlers.h"
#include "api/copy_handlers.h"
#include "api/governance_handlers.h"
#include "api/handler.h"
#include "api/lifecycle_handlers.h"
#include "api/list_handlers.h"
#include "api/multipart_handlers.h"
#include "api/object_attributes.h"
#include "api/object_handlers.h"
#include "api/router.h"
#include "api/sigv4.h"
#include "api/uri.h"

namespace strata::api {

struct S3Api::Impl {
  storage::ObjectStore& store;
  ApiConfig config;

  Response Handle(const http::request_header<>& request, storage::ByteSource& body,
                  const RequestContext& context, std::string_view& operation);
  HandlerResult Dispatch(HandlerContext& ctx);
};

namespace {

// The error document (no body for HEAD: the status says it all, as S3 does).
Response ErrorResponse(S3Errc e, const http::request_header<>& request, std::string_view resource,
                       const RequestContext& context, std::string_view message = {},
                       const http::fields* extra_headers = nullptr) {
  const S3ErrorInfo& info = GetS3ErrorInfo(e);
  Response response;
  response.header.result(info.http_status);
  response.header.set(http::field::content_type, "application/xml");
  if (extra_headers != nullptr) {
    for (const auto& field : *extra_headers) {
      response.header.set(field.name_string(), field.value());
    }
  }
  if (request.method() != http::verb::head) {
    response.body = RenderErrorXml(e, resource, context.request_id, message);
  }
  return response;
}

// Operations that read a request body (the others ignore any body they are sent).
bool TakesBody(Operation op) {
  return op == Operation::kPutObject || op == Operation::kCreateBucket ||
         op == Operation::kUploadPart || op == Operation::kCompleteMultipartUpload ||
         op == Operation::kDeleteObjects || op == Operation::kPutBucketVersioning ||
         op == Operation::kPutObjectTagging || op == Operation::kPutBucketTagging ||
         op == Operation::kPutObjectLockConfiguration || op == Operation::kPutObjectRetention ||
         op == Operation::kPutObjectLegalHold || op == Operation::kPutBucketLifecycleConfiguration;
}

}  // namespace

S3Api::S3Api(storage::ObjectStore& store, ApiConfig config)
    : impl_(std::make_unique<Impl>(Impl{store, std::move(config)})) {}

S3Api::~S3Api() = default;

Response S3Api::Handle(const http::request_header<>& request, storage::ByteSource& body,
                       const RequestContext& context) {
  // Nothing may escape to the server's worker: a bug or a library exception becomes a 500.
  try {
    std::string_view operation;  // for the server's metrics and access log
    Response response = impl_->Handle(request, body, context, operation);
    response.operation = operation;
    return response;
  } catch (const std::exception&) {
  } catch (...) {
  }
  try {
    return ErrorResponse(S3Errc::kInternalError, request, "", context);
  } catch (...) {
    Response response;
    response.header.result(http::status::internal_server_error);
    return response;
  }
}

Response S3Api::Impl::Handle(const http::request_header<>& request, storage::ByteSource& body,
                             const RequestContext& context, std::string_view& operation) {
  std::optional<ParsedTarget> target = ParseTarget(request.target());
  if (!target) {
    // The resource is left empty: the target could not be decoded.
    return ErrorResponse(S3Errc::kInvalidURI, request, "", context);
  }
  const std::string& resource = target->path;
  Route route = RouteRequest(request, *target, config.virtual_host_domains);
  operation = OperationName(route.operation);

  // Authenticate before anything else is revealed: an anonymous or badly signed request learns
  // nothing about which operations or buckets exist, not even NotImplemented.
  const Credentials& root = config.root;
  SecretLookup secrets = [&root](std::string_view access_key) -> std::optional<std::string> {
    if (root.access_key.empty() || access_key != root.access_key) return std::nullopt;
    return root.secret_key;
  };
  std::string auth_message;
  Result<AuthContext> auth =
      VerifySigV4(request, secrets, config.region, config.clock(), &auth_message);
  if (!auth) {
    return ErrorResponse(ToS3Error(auth.error()), request, resource, context, auth_message);
  }

  if (route.operation == Operation::kUnsupported) {
    return ErrorResponse(route.error, request, resource, context);
  }

  std::unique_ptr<PayloadSource> payload;
  if (TakesBody(route.operation)) {
    auto wrapped = NewPayloadSource(body, *auth, request);
    if (!wrapped) return ErrorResponse(ToS3Error(wrapped.error()), request, resource, context);
    payload = std::move(*wrapped);
  }

  HandlerContext ctx{store, config, request, *target, route, *auth, payload.get(), {}, {}};
  HandlerResult result = Dispatch(ctx);
  if (!result) {
    return ErrorResponse(ToS3Error(result.error()), request, resource, context, ctx.error_message,
                         &ctx.error_headers);
  }
  return std::move(*result);
}

HandlerResult S3Api::Impl::Dispatch(HandlerContext& ctx) {
  switch (ctx.route.operation) {
    case Operation::kListBuckets:
      return ListBuckets(ctx);
    case Operation::kCreateBucket:
      return CreateBucket(ctx);
    case Operation::kHeadBucket:
      return HeadBucket(ctx);
    case Operation::kDeleteBucket:
      return DeleteBucket(ctx);
    case Operation::kGetBucketLocation:
      return GetBucketLocation(ctx);
    case Operation::kListObjects:
    case Operation::kListObjectsV2:
      return ListObjects(ctx);
    case Operation::kPutObject:
      return PutObject(ctx);
    case Operation::kGetObject:
    case Operation::kHeadObject:
      return GetObject(ctx);
    case Operation::kDeleteObject:
      return DeleteObject(ctx);
    case Operation::kCopyObject:
      return CopyObject(ctx);
    case Operation::kDeleteObjects:
      return DeleteObjects(ctx);
    case Operation::kGetObjectAttributes:
      return GetObjectAttributes(ctx);
    case Operation::kCreateMultipartUpload:
      return CreateMultipartUpload(ctx);
    case Operation::kUploadPart:
      return UploadPart(ctx);
    case Operation::kUploadPartCopy:
      return UploadPartCopy(ctx);
    case Operation::kCompleteMultipartUpload:
      return CompleteMultipartUpload(ctx);
    case Operation::kAbortMultipartUpload:
      return AbortMultipartUpload(ctx);
    case Operation::kListParts:
      return ListParts(ctx);
    case Operation::kListMultipartUploads:
      return ListMultipartUploads(ctx);
    case Operation::kPutBucketVersioning:
      return PutBucketVersioning(ctx);
    case Operation::kGetBucketVersioning:
      return GetBucketVersioning(ctx);
    case Operation::kListObjectVersions:
      return ListObjectVersions(ctx);
    case Operation::kPutObjectTagging:
      return PutObjectTagging(ctx);
    case Operation::kGetObjectTagging:
      return GetObjectTagging(ctx);
    case Operation::kDeleteObjectTagging:
      return DeleteObjectTagging(ctx);
    case Operation::kPutBucketTagging:
      return PutBucketTagging(ctx);
    case Operation::kGetBucketTagging:
      return GetBucketTagging(ctx);
    case Operation::kDeleteBucketTagging:
      return DeleteBucketTagging(ctx);
    case Operation::kPutObjectLockConfiguration:
      return PutObjectLockConfiguration(ctx);
    case Operation::kGetObjectLockConfiguration:
      return GetObjectLockConfiguration(ctx);
    case Operation::kPutObjectRetention:
      return PutObjectRetention(ctx);
    case Operation::kGetObjectRetention:
      return GetObjectRetention(ctx);
    case Operation::kPutObjectLegalHold:
      return PutObjectLegalHold(ctx);
    case Operation::kGetObjectLegalHold:
      return GetObjectLegalHold(ctx);
    case Operation::kPutBucketLifecycleConfiguration:
      return PutBucketLifecycleConfiguration(ctx);
    case Operation::kGetBucketLifecycleConfiguration:
      return GetBucketLifecycleConfiguration(ctx);
    case Operation::kDeleteBucketLifecycle:
      return DeleteBucketLifecycle(ctx);
    case Operation::kUnsupported:
      break;
  }
  return make_error_code(S3Errc::kNotImplemented);
}

}  // namespace strata::api
