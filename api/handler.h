// What every operation handler receives, and what it returns. Handlers read as a script: check
// the request, make one storage call, render. They never write error XML: they return an error
// code and S3Api renders it (from the table in s3_errors.cc).
#pragma once

#include <boost/beast/http/fields.hpp>
#include <string>

#include "api/router.h"
#include "api/s3_api.h"
#include "api/s3_errors.h"
#include "api/sigv4.h"
#include "api/uri.h"
#include "storage/object_store.h"

namespace strata::api {

struct HandlerContext {
  storage::ObjectStore& store;
  const ApiConfig& config;
  const http::request_header<>& request;
  const ParsedTarget& target;
  const Route& route;
  const AuthContext& auth;
  // The verified request body; set only for operations that read one (TakesBody in s3_api.cc).
  PayloadSource* body = nullptr;
  // A failing handler may add headers to the error response (Content-Range on 416) and
  // replace the table's message with a more specific one.
  http::fields error_headers;
  std::string error_message;
  // The request came over TLS (RequestContext::secure): SSE-C keys need it.
  bool secure = false;
};

using HandlerResult = Result<Response>;

// The error result, with a specific message.
inline HandlerResult Fail(HandlerContext& ctx, S3Errc e, std::string message = {}) {
  ctx.error_message = std::move(message);
  return make_error_code(e);
}

// The single owner of every bucket and object: the root user. ID is a stable 64-hex-digit
// canonical user id derived from the access key; DisplayName is the access key.
struct OwnerInfo {
  std::string id;
  std::string display_name;
};
OwnerInfo RootOwner(const ApiConfig& config);

// Storage's region for a bucket ("" means us-east-1) as S3 names it.
inline std::string BucketRegion(const storage::BucketInfo& info) {
  return info.region.empty() ? std::string("us-east-1") : info.region;
}

}  // namespace strata::api
