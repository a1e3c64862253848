// S3Api::Handle: parse, route, authenticate, dispatch, render errors. Every request goes through
// the same script, so every failure is an S3 error document from the one table.
#include "api/s3_api.h"

#include <exception>

#include "api/authorize.h"
#include "api/batch_delete.h"
#include "api/bucket_handlers.h"
#include "api/copy_handlers.h"
#include "api/cors_handlers.h"
#include "api/encryption_handlers.h"
#include "api/governance_handlers.h"
#include "api/handler.h"
#include "api/lifecycle_handlers.h"
#include "api/list_handlers.h"
#include "api/multipart_handlers.h"
#include "api/object_attributes.h"
#include "api/object_handlers.h"
#include "api/policy_handlers.h"
#include "api/post_handlers.h"
#include "api/router.h"
#include "api/sigv2.h"
#include "api/sigv4.h"
#include "api/uri.h"

namespace strata::api {

struct S3Api::Impl {
  storage::ObjectStore& store;
  ApiConfig config;

  Response Handle(const http::request_header<>& request, storage::ByteSource& body,
                  const RequestContext& context, std::string_view& operation);
  HandlerResult Dispatch(HandlerContext& ctx);
  // Adds the bucket's CORS headers to the answer of an actual request carrying Origin (cors.h).
  void AddCors(const http::request_header<>& request, Response& response);
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
         op == Operation::kPutObjectLegalHold ||
         op == Operation::kPutBucketLifecycleConfiguration || op == Operation::kPutBucketCors ||
         op == Operation::kPutBucketPolicy || op == Operation::kPutBucketAcl ||
         op == Operation::kPutObjectAcl || op == Operation::kPutPublicAccessBlock ||
         op == Operation::kPutBucketEncryption || op == Operation::kPutBucketOwnershipControls;
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
    impl_->AddCors(request, response);
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

  // The CORS preflight is never signed (browsers send it without credentials): it is answered
  // from the bucket's CORS rules alone, before authentication.
  if (route.operation == Operation::kPreflightCors) {
    const AuthContext no_auth;
    HandlerContext ctx{store,   config,  request, *target, route,
                       no_auth, nullptr, {},      {},      context.secure};
    HandlerResult result = PreflightCors(ctx);
    if (!result) {
      return ErrorResponse(ToS3Error(result.error()), request, resource, context,
                           ctx.error_message);
    }
    return std::move(*result);
  }

  // A browser-form upload (issue 7) is signed in its form, not its headers: the handler reads
  // the form, verifies it and authorizes the signer itself.
  if (route.operation == Operation::kPostObject) {
    const Credentials& root_creds = config.root;
    IdentityProvider* users = config.identities;
    PostSignerLookup signers = [&root_creds,
                                users](std::string_view access_key) -> std::optional<PostSigner> {
      if (!root_creds.access_key.empty() && access_key == root_creds.access_key) {
        return PostSigner{root_creds.secret_key, PrincipalKind::kRoot, {}};
      }
      if (users == nullptr) return std::nullopt;
      auto key = users->FindAccessKey(access_key);
      if (!key || !key->enabled) return std::nullopt;
      return PostSigner{key->secret_key, PrincipalKind::kUser, key->user};
    };
    std::string post_message;
    HandlerResult result =
        PostObject(store, config, request, *target, route, context, body, signers, &post_message);
    if (!result) {
      return ErrorResponse(ToS3Error(result.error()), request, resource, context, post_message);
    }
    return std::move(*result);
  }

  // Authenticate before anything else is revealed: an anonymous or badly signed request learns
  // nothing about which operations or buckets exist, not even NotImplemented.
  const Credentials& root = config.root;
  // The root first, then the users' keys (issue 7); a disabled key is as good as unknown
  // (InvalidAccessKeyId).
  IdentityProvider* identities = config.identities;
  std::optional<AccessKeyRecord> user_key;
  SecretLookup secrets = [&root, identities,
                          &user_key](std::string_view access_key) -> std::optional<std::string> {
    if (!root.access_key.empty() && access_key == root.access_key) return root.secret_key;
    if (identities == nullptr) return std::nullopt;
    user_key = identities->FindAccessKey(access_key);
    if (!user_key || !user_key->enabled) return std::nullopt;
    return user_key->secret_key;
  };
  std::string auth_message;
  // Legacy clients sign with SigV2 (issue 7): "Authorization: AWS ..." or AWSAccessKeyId and
  // Signature in the query; everything else is SigV4's (which also reports "no credentials").
  Result<AuthContext> auth =
      IsSigV2Request(request, *target)
          ? VerifySigV2(request, secrets, config.virtual_host_domains, config.clock(),
                        &auth_message)
          : VerifySigV4(request, secrets, config.region, config.clock(), &auth_message);
  if (auth) {
    const bool by_root = !root.access_key.empty() && auth->access_key == root.access_key;
    auth->principal = by_root ? PrincipalKind::kRoot : PrincipalKind::kUser;
    auth->user = by_root || !user_key ? std::string() : user_key->user;
  }
  // No credentials at all: the anonymous principal, which only public grants let in (issue 7).
  if (!auth && ToS3Error(auth.error()) == S3Errc::kAccessDenied &&
      IsAnonymousRequest(request, *target)) {
    auth = AnonymousAuthContext();
  }
  if (!auth) {
    return ErrorResponse(ToS3Error(auth.error()), request, resource, context, auth_message);
  }

  // Authorization (issue 7), before anything is revealed or read: policies, ACLs, public
  // access block (authorize.h). Refused anonymous requests learn nothing, not even
  // NotImplemented.
  std::string authz_message;
  if (auto ec = Authorize(store, config, request, *target, route, context, *auth, &authz_message)) {
    return ErrorResponse(ToS3Error(ec), request, resource, context, authz_message);
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

  HandlerContext ctx{store, config,        request, *target, route,
                     *auth, payload.get(), {},      {},      context.secure};
  HandlerResult result = Dispatch(ctx);
  if (!result) {
    return ErrorResponse(ToS3Error(result.error()), request, resource, context, ctx.error_message,
                         &ctx.error_headers);
  }
  // x-amz-acl on what was just created (issue 7).
  if (auto ec = ApplyRequestAcl(ctx, *result)) {
    return ErrorResponse(ToS3Error(ec), request, resource, context);
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
    case Operation::kPutBucketCors:
      return PutBucketCors(ctx);
    case Operation::kGetBucketCors:
      return GetBucketCors(ctx);
    case Operation::kDeleteBucketCors:
      return DeleteBucketCors(ctx);
    case Operation::kPreflightCors:
      return PreflightCors(ctx);
    case Operation::kPutBucketPolicy:
      return PutBucketPolicy(ctx);
    case Operation::kGetBucketPolicy:
      return GetBucketPolicy(ctx);
    case Operation::kDeleteBucketPolicy:
      return DeleteBucketPolicy(ctx);
    case Operation::kGetBucketPolicyStatus:
      return GetBucketPolicyStatus(ctx);
    case Operation::kPutBucketAcl:
      return PutBucketAcl(ctx);
    case Operation::kGetBucketAcl:
      return GetBucketAcl(ctx);
    case Operation::kPutObjectAcl:
      return PutObjectAcl(ctx);
    case Operation::kGetObjectAcl:
      return GetObjectAcl(ctx);
    case Operation::kPutPublicAccessBlock:
      return PutPublicAccessBlock(ctx);
    case Operation::kGetPublicAccessBlock:
      return GetPublicAccessBlock(ctx);
    case Operation::kDeletePublicAccessBlock:
      return DeletePublicAccessBlock(ctx);
    case Operation::kPutBucketEncryption:
      return PutBucketEncryption(ctx);
    case Operation::kGetBucketEncryption:
      return GetBucketEncryption(ctx);
    case Operation::kDeleteBucketEncryption:
      return DeleteBucketEncryption(ctx);
    case Operation::kPutBucketOwnershipControls:
      return PutBucketOwnershipControls(ctx);
    case Operation::kGetBucketOwnershipControls:
      return GetBucketOwnershipControls(ctx);
    case Operation::kDeleteBucketOwnershipControls:
      return DeleteBucketOwnershipControls(ctx);
    case Operation::kPostObject:  // handled before authentication (Impl::Handle)
    case Operation::kUnsupported:
      break;
  }
  return make_error_code(S3Errc::kNotImplemented);
}

void S3Api::Impl::AddCors(const http::request_header<>& request, Response& response) {
  if (request.method() == http::verb::options || request.find("origin") == request.end()) return;
  std::optional<ParsedTarget> target = ParseTarget(request.target());
  if (!target) return;
  Route route = RouteRequest(request, *target, config.virtual_host_domains);
  AddCorsHeaders(store, request, route.bucket, response.header);
}

}  // namespace strata::api
