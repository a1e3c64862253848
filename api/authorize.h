// Authorization (issue 7): who may do what. After routing and authentication, S3Api asks
// Authorize whether the request's principal holds every permission its operation needs (the
// IAM action of each Operation, on the bucket or object ARN; CopyObject also needs GetObject on
// the source). Root may do anything. A user needs an Allow from its user policies or the bucket
// policy and no Deny in either. Anonymous requests need an Allow from the bucket policy
// (Principal "*") or a public canned ACL. The public access block can veto public grants.
#pragma once

#include <boost/system/error_code.hpp>
#include <optional>
#include <string>
#include <string_view>

#include "api/handler.h"
#include "api/router.h"
#include "api/s3_api.h"
#include "api/sigv4.h"
#include "api/uri.h"

namespace strata::api {

// What a principal may do, with the facts of its request (source address, TLS, time, headers).
// Thread-compatible: one per request. Caches the bucket documents it reads.
class AccessChecker {
 public:
  virtual ~AccessChecker() = default;
  // Whether the request's principal may perform `action` ("s3:DeleteObject") on `bucket`
  // (and `key`; "" for the bucket itself) with `version_id` ("" for the latest).
  virtual bool Allowed(std::string_view action, const std::string& bucket, const std::string& key,
                       const std::string& version_id = {}) const = 0;
};

// True when the request carries no credentials at all (no Authorization header, no SigV4 or
// SigV2 query parameters): it is then served as the anonymous principal.
bool IsAnonymousRequest(const http::request_header<>& request, const ParsedTarget& target);

// The AuthContext of an anonymous request (principal kAnonymous, unsigned payload).
AuthContext AnonymousAuthContext();

// The IAM action a routed request needs on its own bucket/key ("s3:GetObjectVersion" for a
// GET with versionId, ...); "" for operations without one (kUnsupported, DeleteObjects: checked
// per key).
std::string ActionFor(const Route& route, const ParsedTarget& target);

// Decides whether the authenticated request may proceed: ok, or AccessDenied (403), or
// InvalidArgument for a malformed x-amz-acl. Sets auth.access for the checks handlers make.
// Anonymous requests that are refused learn nothing (always AccessDenied, even for buckets or
// operations that do not exist). `message` gets a more specific text when one applies.
boost::system::error_code Authorize(storage::ObjectStore& store, const ApiConfig& config,
                                    const http::request_header<>& request,
                                    const ParsedTarget& target, const Route& route,
                                    const RequestContext& context, AuthContext& auth,
                                    std::string* message);

// After a successful CreateBucket / PutObject / CopyObject with x-amz-acl: records the canned
// ACL on what was created (the version in `response`'s x-amz-version-id, else "null").
boost::system::error_code ApplyRequestAcl(HandlerContext& ctx, const Response& response);

}  // namespace strata::api
