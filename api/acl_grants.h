// ACL grants (issue 7): the grant model behind canned ACLs, x-amz-grant-* headers and
// AccessControlPolicy documents; its XML both ways, its storage record, and the policy statements
// a grant list stands for, so ACLs and policies go through one evaluator (api/authorize.cc).
//
// Grantees are canonical users (64 lower-case hex digits: the root's is RootOwner().id, a user's
// CanonicalUserId(name)) or the groups AllUsers, AuthenticatedUsers and LogDelivery. E-mail
// grantees are refused (UnresolvableGrantByEmailAddress), as AWS does outside its legacy regions.
// Pure functions; thread-safe.
#pragma once

#include <cstddef>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "api/acl.h"
#include "api/handler.h"
#include "api/policy.h"
#include "api/s3_errors.h"

namespace strata::api {

inline constexpr std::string_view kAllUsersUri = "http://acs.amazonaws.com/groups/global/AllUsers";
inline constexpr std::string_view kAuthenticatedUsersUri =
    "http://acs.amazonaws.com/groups/global/AuthenticatedUsers";
inline constexpr std::string_view kLogDeliveryUri =
    "http://acs.amazonaws.com/groups/s3/LogDelivery";

// AWS's limit on the grants of one ACL.
inline constexpr size_t kMaxAclGrants = 100;

enum class AclPermission { kRead, kWrite, kReadAcp, kWriteAcp, kFullControl };
std::string_view AclPermissionName(AclPermission p);                     // "READ_ACP"
std::optional<AclPermission> ParseAclPermission(std::string_view text);  // case-sensitive

enum class GranteeType { kCanonicalUser, kGroup };

struct AclGrant {
  GranteeType type = GranteeType::kCanonicalUser;
  std::string grantee;  // the canonical id, or the group's URI
  AclPermission permission = AclPermission::kRead;
  bool operator==(const AclGrant&) const = default;
};

// The whole ACL of a bucket or version, the owner's grant included (an ACL set through grant
// headers or a document without an owner grant has none: the owner still may do anything).
struct AccessControlList {
  std::vector<AclGrant> grants;
  bool operator==(const AccessControlList&) const = default;
};

// The canonical id of the user `name`: hex SHA-256 of "arn:aws:iam::000000000000:user/<name>".
std::string CanonicalUserId(std::string_view name);

// The grants a canned ACL stands for: the owner FULL_CONTROL, plus the group grants (AllUsers
// READ, and WRITE on a bucket for public-read-write; AuthenticatedUsers READ).
AccessControlList CannedAclGrants(CannedAcl acl, std::string_view owner_id, bool bucket_level);

// Grants to AllUsers or AuthenticatedUsers (what BlockPublicAcls refuses, IgnorePublicAcls skips).
bool IsPublicGrant(const AclGrant& grant);
bool HasPublicGrant(const AccessControlList& acl);
// Grants nothing beyond the owner's FULL_CONTROL (private, bucket-owner-full-control, or the
// equivalent grant list): what a bucket with ACLs disabled (BucketOwnerEnforced) accepts.
bool IsOwnerOnly(const AccessControlList& acl, std::string_view owner_id);

// Who may be named: the owner (root) and, when `users` is set, exactly those users; when it is
// nullopt any well-formed canonical id is accepted.
struct GranteeDirectory {
  std::string owner_id;
  std::optional<std::vector<std::string>> users;
  // The user name of a canonical id, if known.
  std::optional<std::string> NameOf(std::string_view id) const;
};

// Checks every grantee: ids must be 64 lower-case hex digits and known to `directory`
// (InvalidArgument "Invalid id"), group URIs one of the three groups (InvalidArgument "Invalid
// group uri"). At most kMaxAclGrants grants (InvalidArgument).
boost::system::error_code ValidateGrantees(const AccessControlList& acl,
                                           const GranteeDirectory& directory, std::string* message);

// One x-amz-grant-<permission> header value: comma-separated `id="..."`, `uri="..."` or
// `emailAddress="..."` (quotes optional, keys case-insensitive), appended to `out`. Errors:
// InvalidArgument for a malformed list or an unknown key, UnresolvableGrantByEmailAddress for
// e-mail grantees. Bounded: at most kMaxAclGrants entries in `out`.
boost::system::error_code ParseGrantHeader(std::string_view value, AclPermission permission,
                                           std::vector<AclGrant>& out, std::string* message);

// The x-amz-grant-* headers of a request (read, write, read-acp, write-acp, full-control); nullopt
// when there are none. Errors as ParseGrantHeader.
Result<std::optional<AccessControlList>> ParseGrantHeaders(
    const boost::beast::http::request_header<>& request, std::string* message);

// A PutBucketAcl / PutObjectAcl body. Errors: MalformedACLError for anything that is not an
// AccessControlPolicy of Grants (each one Grantee and one known Permission) or holds more than
// kMaxAclGrants grants; UnresolvableGrantByEmailAddress for e-mail grantees. The Owner element is
// not checked (there is one owner). Grantees are not validated here (ValidateGrantees).
Result<AccessControlList> ParseAccessControlPolicy(std::string_view xml, std::string* message);

// The AccessControlPolicy document of Get*Acl: the owner, then every grant with its xsi:type,
// the ID (and the DisplayName the owner or `directory` knows) or the URI.
std::string RenderAccessControlPolicy(const AccessControlList& acl, const OwnerInfo& owner,
                                      const GranteeDirectory& directory);

// Storage's record: "" for an ACL that is the owner's FULL_CONTROL alone, else a versioned list
// of grants. Decoding also reads the records of older servers (a canned ACL's name); a record
// that does not decode grants nothing beyond the owner's (failing closed). Encode only grants
// ValidateGrantees passed: the record is one grant a line, and an unchecked id may hold a newline.
std::string EncodeAclRecord(const AccessControlList& acl, std::string_view owner_id);
AccessControlList DecodeAclRecord(std::string_view record, std::string_view owner_id,
                                  bool bucket_level);

// The canonical ids worth resolving when a grant list becomes policy statements.
struct GrantPrincipals {
  std::string owner_id;                      // the root
  std::map<std::string, std::string> users;  // canonical id -> user name
  bool ignore_public = false;                // IgnorePublicAcls: group grants count for nothing
};

// The statements a grant list stands for (AWS's "ACL permission -> policy actions" table). On a
// bucket (`key` empty): READ = ListBucket, ListBucketVersions, ListBucketMultipartUploads; WRITE
// = PutObject, DeleteObject, DeleteObjectVersion on its keys; READ_ACP = GetBucketAcl;
// WRITE_ACP = PutBucketAcl. On an object: READ = GetObject(Version); READ_ACP =
// GetObject(Version)Acl; WRITE_ACP = PutObject(Version)Acl; WRITE means nothing. FULL_CONTROL is
// all of them. Grants to ids not in `who` and to LogDelivery yield no statement.
Policy AclGrantsPolicy(const AccessControlList& acl, std::string_view bucket, std::string_view key,
                       const GrantPrincipals& who);

}  // namespace strata::api
