// Canned ACLs and the public access block (issue 7): their names, and the public access block's
// XML and record. Grants (what a canned ACL stands for) are in api/acl_grants.h.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "api/handler.h"
#include "api/policy.h"
#include "api/s3_errors.h"

namespace strata::api {

enum class CannedAcl {
  kPrivate,
  kPublicRead,
  kPublicReadWrite,
  kAuthenticatedRead,
  kBucketOwnerRead,         // one owner here: the same as private
  kBucketOwnerFullControl,  // likewise
};

// "public-read" -> kPublicRead; nullopt for anything else (case-sensitive, as S3).
std::optional<CannedAcl> ParseCannedAcl(std::string_view text);
std::string_view CannedAclName(CannedAcl acl);
// Grants something to AllUsers or AuthenticatedUsers (what BlockPublicAcls refuses).
bool IsPublicAcl(CannedAcl acl);

// The statements a canned ACL stands for, without the owner's (AclGrantsPolicy of its group
// grants, api/acl_grants.h). The resource is `bucket` or `bucket/key`.
Policy AclPolicy(CannedAcl acl, std::string_view bucket, std::string_view key);

// The AccessControlPolicy document S3 answers for a canned ACL: the owner with FULL_CONTROL and
// the group grants the ACL implies (RenderAccessControlPolicy of CannedAclGrants).
std::string RenderAclXml(CannedAcl acl, const OwnerInfo& owner, bool bucket_level);

struct PublicAccessBlock {
  bool block_public_acls = false;
  bool ignore_public_acls = false;
  bool block_public_policy = false;
  bool restrict_public_buckets = false;
};

Result<PublicAccessBlock> ParsePublicAccessBlockXml(std::string_view xml);
std::string RenderPublicAccessBlockXml(const PublicAccessBlock& pab);
// Storage's record: four '0'/'1' characters in the order of the fields.
std::string EncodePublicAccessBlock(const PublicAccessBlock& pab);
PublicAccessBlock DecodePublicAccessBlock(std::string_view record);

}  // namespace strata::api
