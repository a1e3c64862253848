// Request ACLs: the headers, the grantee directory and the ownership gate.
#include "api/acl_request.h"

#include <algorithm>
#include <boost/beast/core/string.hpp>

#include "api/identity.h"
#include "api/request_headers.h"

namespace strata::api {

GranteeDirectory MakeGranteeDirectory(const ApiConfig& config) {
  GranteeDirectory directory;
  directory.owner_id = RootOwner(config).id;
  if (config.identities != nullptr) directory.users = config.identities->UserNames();
  return directory;
}

GranteeDirectory MakeRequestGranteeDirectory(const ApiConfig& config,
                                             const boost::beast::http::request_header<>& request) {
  constexpr std::string_view kGrantPrefix = "x-amz-grant-";
  const bool names_grantees = std::any_of(request.begin(), request.end(), [&](const auto& field) {
    const std::string_view name = field.name_string();
    return name.size() > kGrantPrefix.size() &&
           boost::beast::iequals(name.substr(0, kGrantPrefix.size()), kGrantPrefix);
  });
  if (names_grantees) return MakeGranteeDirectory(config);
  GranteeDirectory directory;
  directory.owner_id = RootOwner(config).id;
  return directory;
}

Result<std::optional<AccessControlList>> ReadRequestAcl(
    const boost::beast::http::request_header<>& request, const GranteeDirectory& directory,
    bool bucket_level, std::string* message) {
  auto grants = ParseGrantHeaders(request, message);
  if (!grants) return grants.error();
  auto canned_header = HeaderValue(request, "x-amz-acl");
  if (canned_header && *grants) {
    if (message) *message = "Specifying both Canned ACLs and Header Grants is not allowed";
    return make_error_code(S3Errc::kInvalidRequest);
  }
  if (canned_header) {
    auto canned = ParseCannedAcl(TrimSpaces(*canned_header));
    if (!canned) {
      if (message) *message = "Invalid canned ACL: " + std::string(*canned_header);
      return make_error_code(S3Errc::kInvalidArgument);
    }
    return std::optional<AccessControlList>(
        CannedAclGrants(*canned, directory.owner_id, bucket_level));
  }
  if (*grants) {
    if (auto ec = ValidateGrantees(**grants, directory, message)) return ec;
  }
  return grants;
}

Result<std::optional<ObjectOwnership>> LoadOwnership(storage::ObjectStore& store,
                                                     const std::string& bucket) {
  auto record = store.GetBucketAccess(bucket, storage::BucketAccessKind::kOwnership);
  if (!record) return record.error();
  if (!record->has_value()) return std::optional<ObjectOwnership>();
  return std::optional<ObjectOwnership>(DecodeOwnership(**record));
}

boost::system::error_code CheckAclAllowed(const std::optional<ObjectOwnership>& ownership,
                                          const AccessControlList& acl, std::string_view owner_id,
                                          std::string* message) {
  if (ownership != ObjectOwnership::kBucketOwnerEnforced || IsOwnerOnly(acl, owner_id)) return {};
  if (message) *message = "The bucket does not allow ACLs";
  return make_error_code(S3Errc::kAccessControlListNotSupported);
}

}  // namespace strata::api
