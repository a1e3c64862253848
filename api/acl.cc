// Canned ACLs and the public access block.
#include "api/acl.h"

#include <pugixml.hpp>

#include "api/acl_grants.h"
#include "api/xml.h"

namespace strata::api {

std::optional<CannedAcl> ParseCannedAcl(std::string_view text) {
  if (text == "private") return CannedAcl::kPrivate;
  if (text == "public-read") return CannedAcl::kPublicRead;
  if (text == "public-read-write") return CannedAcl::kPublicReadWrite;
  if (text == "authenticated-read") return CannedAcl::kAuthenticatedRead;
  if (text == "bucket-owner-read") return CannedAcl::kBucketOwnerRead;
  if (text == "bucket-owner-full-control") return CannedAcl::kBucketOwnerFullControl;
  return std::nullopt;
}

std::string_view CannedAclName(CannedAcl acl) {
  switch (acl) {
    case CannedAcl::kPrivate:
      return "private";
    case CannedAcl::kPublicRead:
      return "public-read";
    case CannedAcl::kPublicReadWrite:
      return "public-read-write";
    case CannedAcl::kAuthenticatedRead:
      return "authenticated-read";
    case CannedAcl::kBucketOwnerRead:
      return "bucket-owner-read";
    case CannedAcl::kBucketOwnerFullControl:
      return "bucket-owner-full-control";
  }
  return "private";
}

bool IsPublicAcl(CannedAcl acl) {
  return acl == CannedAcl::kPublicRead || acl == CannedAcl::kPublicReadWrite ||
         acl == CannedAcl::kAuthenticatedRead;
}

Policy AclPolicy(CannedAcl acl, std::string_view bucket, std::string_view key) {
  // An owner id no canonical id equals: the owner's grant yields no statement.
  GrantPrincipals who;
  who.owner_id = "owner";
  return AclGrantsPolicy(CannedAclGrants(acl, "-", key.empty()), bucket, key, who);
}

std::string RenderAclXml(CannedAcl acl, const OwnerInfo& owner, bool bucket_level) {
  return RenderAccessControlPolicy(CannedAclGrants(acl, owner.id, bucket_level), owner,
                                   GranteeDirectory{owner.id, std::nullopt});
}

Result<PublicAccessBlock> ParsePublicAccessBlockXml(std::string_view text) {
  pugi::xml_document doc;
  if (!doc.load_buffer(text.data(), text.size(), pugi::parse_default & ~pugi::parse_doctype)) {
    return make_error_code(S3Errc::kMalformedXML);
  }
  pugi::xml_node root = XmlSingleRoot(doc);
  if (!root || XmlLocalName(root.name()) != "PublicAccessBlockConfiguration") {
    return make_error_code(S3Errc::kMalformedXML);
  }
  PublicAccessBlock pab;
  for (pugi::xml_node field : root.children()) {
    if (field.type() != pugi::node_element) continue;
    std::string_view name = XmlLocalName(field.name());
    std::string_view value = field.text().get();
    if (value != "true" && value != "false") return make_error_code(S3Errc::kMalformedXML);
    const bool on = value == "true";
    if (name == "BlockPublicAcls") {
      pab.block_public_acls = on;
    } else if (name == "IgnorePublicAcls") {
      pab.ignore_public_acls = on;
    } else if (name == "BlockPublicPolicy") {
      pab.block_public_policy = on;
    } else if (name == "RestrictPublicBuckets") {
      pab.restrict_public_buckets = on;
    } else {
      return make_error_code(S3Errc::kMalformedXML);
    }
  }
  return pab;
}

std::string RenderPublicAccessBlockXml(const PublicAccessBlock& pab) {
  XmlWriter xml;
  xml.Open("PublicAccessBlockConfiguration", kS3XmlNamespace)
      .BoolElement("BlockPublicAcls", pab.block_public_acls)
      .BoolElement("IgnorePublicAcls", pab.ignore_public_acls)
      .BoolElement("BlockPublicPolicy", pab.block_public_policy)
      .BoolElement("RestrictPublicBuckets", pab.restrict_public_buckets)
      .Close("PublicAccessBlockConfiguration");
  return xml.Finish();
}

std::string EncodePublicAccessBlock(const PublicAccessBlock& pab) {
  std::string out;
  for (bool b : {pab.block_public_acls, pab.ignore_public_acls, pab.block_public_policy,
                 pab.restrict_public_buckets}) {
    out.push_back(b ? '1' : '0');
  }
  return out;
}

PublicAccessBlock DecodePublicAccessBlock(std::string_view record) {
  PublicAccessBlock pab;
  // A damaged record blocks everything: failing closed is the safe reading.
  const auto at = [&](size_t i) { return i >= record.size() || record[i] != '0'; };
  pab.block_public_acls = at(0);
  pab.ignore_public_acls = at(1);
  pab.block_public_policy = at(2);
  pab.restrict_public_buckets = at(3);
  return pab;
}

}  // namespace strata::api
