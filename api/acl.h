// Canned ACLs and the public access block (issue 7): parsing, their XML, and the policy
// statements a canned ACL stands for, so ACLs and policies go through one evaluator.
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

// The statements a canned ACL stands for: on a bucket, READ is ListBucket(Versions) and
// ListBucketMultipartUploads, WRITE is PutObject and DeleteObject in it; on an object, READ is
// GetObject(Version) of that object. The resource is `bucket` or `bucket/key`.
Policy AclPolicy(CannedAcl acl, std::string_view bucket, std::string_view key);

// The AccessControlPolicy document S3 answers for a canned ACL: the owner with FULL_CONTROL and
// the group grants the ACL implies.
std::string RenderAclXml(CannedAcl acl, const OwnerInfo& owner, bool bucket_level);

// PutBucketAcl / PutObjectAcl body: an AccessControlPolicy that is exactly a canned ACL (owner
// FULL_CONTROL plus the group grants of one canned ACL) maps back to it; anything else is
// NotImplemented (arbitrary grants), MalformedACLError (not an ACL document).
Result<CannedAcl> ParseAclXml(std::string_view xml, bool bucket_level, std::string* message);

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
