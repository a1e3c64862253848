// Canned ACLs and the public access block. With one owner (the root) and no stored grant lists,
// an ACL is one of the canned names; the XML both ways is derived from it.
#include "api/acl.h"

#include <pugixml.hpp>
#include <set>

#include "api/xml.h"

namespace strata::api {
namespace {

constexpr std::string_view kAllUsers = "http://acs.amazonaws.com/groups/global/AllUsers";
constexpr std::string_view kAuthenticatedUsers =
    "http://acs.amazonaws.com/groups/global/AuthenticatedUsers";

PolicyStatement Grant(bool authenticated_only, std::vector<std::string> actions,
                      std::string resource) {
  PolicyStatement st;
  st.sid = "canned-acl";
  st.effect = PolicyEffect::kAllow;
  PolicyPrincipals p;
  if (authenticated_only) {
    p.authenticated_users = true;
  } else {
    p.everyone = true;
  }
  st.principals = std::move(p);
  st.actions = std::move(actions);
  st.resources.push_back(std::move(resource));
  return st;
}

}  // namespace

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
  Policy policy;
  policy.version = "2012-10-17";
  if (!IsPublicAcl(acl)) return policy;
  const bool authenticated_only = acl == CannedAcl::kAuthenticatedRead;
  const std::string arn = "arn:aws:s3:::" + std::string(bucket);
  if (key.empty()) {
    policy.statements.push_back(
        Grant(authenticated_only,
              {"s3:listbucket", "s3:listbucketversions", "s3:listbucketmultipartuploads"}, arn));
    if (acl == CannedAcl::kPublicReadWrite) {
      policy.statements.push_back(
          Grant(false, {"s3:putobject", "s3:deleteobject", "s3:deleteobjectversion"}, arn + "/*"));
    }
  } else {
    // The exact key: '*' or '?' in it may match other keys too, but this statement is only
    // ever evaluated for requests on the object it belongs to.
    policy.statements.push_back(Grant(authenticated_only, {"s3:getobject", "s3:getobjectversion"},
                                      arn + "/" + std::string(key)));
  }
  return policy;
}

std::string RenderAclXml(CannedAcl acl, const OwnerInfo& owner, bool bucket_level) {
  // By hand: the grantee elements carry xsi:type attributes, which XmlWriter does not write.
  std::string out = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<AccessControlPolicy xmlns=\"";
  out.append(kS3XmlNamespace).append("\"><Owner><ID>");
  AppendXmlEscaped(out, owner.id);
  out += "</ID><DisplayName>";
  AppendXmlEscaped(out, owner.display_name);
  out += "</DisplayName></Owner><AccessControlList>";
  constexpr std::string_view kXsi = "xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\"";
  out.append("<Grant><Grantee ").append(kXsi).append(" xsi:type=\"CanonicalUser\"><ID>");
  AppendXmlEscaped(out, owner.id);
  out += "</ID><DisplayName>";
  AppendXmlEscaped(out, owner.display_name);
  out += "</DisplayName></Grantee><Permission>FULL_CONTROL</Permission></Grant>";
  const auto group = [&](std::string_view uri, std::string_view permission) {
    out.append("<Grant><Grantee ").append(kXsi).append(" xsi:type=\"Group\"><URI>");
    out.append(uri).append("</URI></Grantee><Permission>").append(permission);
    out += "</Permission></Grant>";
  };
  switch (acl) {
    case CannedAcl::kPublicRead:
      group(kAllUsers, "READ");
      break;
    case CannedAcl::kPublicReadWrite:
      group(kAllUsers, "READ");
      if (bucket_level) group(kAllUsers, "WRITE");
      break;
    case CannedAcl::kAuthenticatedRead:
      group(kAuthenticatedUsers, "READ");
      break;
    default:
      break;
  }
  out += "</AccessControlList></AccessControlPolicy>";
  return out;
}

Result<CannedAcl> ParseAclXml(std::string_view text, bool bucket_level, std::string* message) {
  pugi::xml_document doc;
  if (!doc.load_buffer(text.data(), text.size(), pugi::parse_default & ~pugi::parse_doctype)) {
    return make_error_code(S3Errc::kMalformedACLError);
  }
  pugi::xml_node root = XmlSingleRoot(doc);
  if (!root || XmlLocalName(root.name()) != "AccessControlPolicy") {
    return make_error_code(S3Errc::kMalformedACLError);
  }
  std::set<std::pair<std::string, std::string>> groups;  // (uri, permission)
  for (pugi::xml_node list : root.children()) {
    if (XmlLocalName(list.name()) != "AccessControlList") continue;
    for (pugi::xml_node grant : list.children()) {
      if (XmlLocalName(grant.name()) != "Grant") continue;
      std::string uri, id, permission;
      for (pugi::xml_node part : grant.children()) {
        if (XmlLocalName(part.name()) == "Permission") permission = part.text().get();
        if (XmlLocalName(part.name()) != "Grantee") continue;
        for (pugi::xml_node g : part.children()) {
          if (XmlLocalName(g.name()) == "URI") uri = g.text().get();
          if (XmlLocalName(g.name()) == "ID") id = g.text().get();
        }
      }
      if (permission.empty() || (uri.empty() && id.empty())) {
        return make_error_code(S3Errc::kMalformedACLError);
      }
      if (!uri.empty()) groups.emplace(uri, permission);
      // Grants to canonical users: only the owner exists, and it always has FULL_CONTROL.
    }
  }
  using G = std::set<std::pair<std::string, std::string>>;
  const std::string all(kAllUsers), auth(kAuthenticatedUsers);
  if (groups.empty()) return CannedAcl::kPrivate;
  if (groups == G{{all, "READ"}}) return CannedAcl::kPublicRead;
  if (bucket_level && groups == G{{all, "READ"}, {all, "WRITE"}}) {
    return CannedAcl::kPublicReadWrite;
  }
  if (groups == G{{auth, "READ"}}) return CannedAcl::kAuthenticatedRead;
  if (message) *message = "Only the grants of canned ACLs are supported.";
  return make_error_code(S3Errc::kNotImplemented);
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
