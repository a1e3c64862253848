// Put/Get/DeleteBucketCors and the CORS preflight (OPTIONS) of issue 9, plus the headers CORS
// adds to actual requests. The document's rules are cors_xml's, matching cors.h's; storage keeps
// the configuration.
#pragma once

#include <string>

#include "api/handler.h"

namespace strata::api {

// PUT /bucket?cors. Needs Content-MD5 or an x-amz-checksum-* (InvalidRequest "Missing required
// header for this request: Content-MD5", as AWS); verifies it; at most kMaxCorsBodyBytes
// (MalformedXML beyond). 200 with no body.
HandlerResult PutBucketCors(HandlerContext& ctx);
// GET /bucket?cors: the document, or NoSuchCORSConfiguration (404).
HandlerResult GetBucketCors(HandlerContext& ctx);
// DELETE /bucket?cors: 204, with or without a configuration (NoSuchBucket without the bucket).
HandlerResult DeleteBucketCors(HandlerContext& ctx);

// OPTIONS on a bucket or object: never authenticated (browsers send preflights without
// credentials). 200 with the first matching rule's Access-Control-* headers. Errors as AWS:
// BadRequest without Origin ("Insufficient information. Origin request header needed.") or
// with a missing or unknown Access-Control-Request-Method; NoSuchBucket; AccessForbidden (403)
// when the bucket has no CORS configuration ("CORSResponse: CORS is not enabled for this
// bucket.") or no rule allows the request.
HandlerResult PreflightCors(HandlerContext& ctx);

// For an actual request carrying Origin: when `bucket` has a CORS configuration and a rule
// allows the origin and the request's method, adds that rule's Access-Control-* headers to
// `response` (success and error responses alike). No-op otherwise, and on any storage error:
// CORS headers are a courtesy, never a reason to fail the request.
void AddCorsHeaders(storage::ObjectStore& store, const http::request_header<>& request,
                    const std::string& bucket, http::response_header<>& response);

}  // namespace strata::api
