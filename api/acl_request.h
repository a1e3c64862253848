// The ACL a request asks for and what the bucket lets it set (issue 7): x-amz-acl or the
// x-amz-grant-* headers on CreateBucket, PutObject, CopyObject, CreateMultipartUpload and the
// Put*Acl operations; the bucket's object ownership setting. Shared by Authorize (checks before
// anything is written) and the handlers that store the ACL.
#pragma once

#include <optional>
#include <string>

#include "api/acl_grants.h"
#include "api/acl_ownership.h"
#include "api/handler.h"

namespace strata::api {

// The owner (root) and the users the identity provider can list (api/identity.h UserNames).
GranteeDirectory MakeGranteeDirectory(const ApiConfig& config);

// The directory ReadRequestAcl needs for `request`: the users only when the request names
// grantees (an x-amz-grant-* header), the only case that checks ids against them. Listing the
// users reads the identity store, ~6 % of a 4 KiB PUT's CPU, and almost no PUT carries grants.
GranteeDirectory MakeRequestGranteeDirectory(const ApiConfig& config,
                                             const boost::beast::http::request_header<>& request);

// The ACL of x-amz-acl (a canned ACL, expanded to its grants) or of the x-amz-grant-* headers,
// grantees validated; nullopt when the request has neither. Errors: InvalidRequest "Specifying
// both Canned ACLs and Header Grants is not allowed", InvalidArgument for an unknown canned ACL,
// a malformed grant or an unknown grantee, UnresolvableGrantByEmailAddress; `message` says which.
Result<std::optional<AccessControlList>> ReadRequestAcl(
    const boost::beast::http::request_header<>& request, const GranteeDirectory& directory,
    bool bucket_level, std::string* message);

// The bucket's ownership setting; nullopt when none was ever set (ACLs then work as with
// ObjectWriter). Errors: storage's (NoSuchBucket).
Result<std::optional<ObjectOwnership>> LoadOwnership(storage::ObjectStore& store,
                                                     const std::string& bucket);

// AccessControlListNotSupported ("The bucket does not allow ACLs") when the bucket enforces
// bucket ownership and `acl` grants anything beyond the owner's full control; ok otherwise.
boost::system::error_code CheckAclAllowed(const std::optional<ObjectOwnership>& ownership,
                                          const AccessControlList& acl, std::string_view owner_id,
                                          std::string* message);

}  // namespace strata::api
