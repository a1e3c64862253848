// ACL grants: parsing (headers, documents), rendering, the storage record and the statements.
#include "api/acl_grants.h"

#include <algorithm>
#include <pugixml.hpp>

#include "api/request_headers.h"
#include "api/xml.h"
#include "storage/checksum.h"

namespace strata::api {
namespace {

constexpr std::string_view kRecordMagic = "strata-acl-1\n";

boost::system::error_code Error(S3Errc e, std::string* message, std::string_view text) {
  if (message) *message = std::string(text);
  return make_error_code(e);
}

bool IsCanonicalId(std::string_view id) {
  return id.size() == 64 && std::all_of(id.begin(), id.end(), [](char c) {
           return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
         });
}

bool IsKnownGroup(std::string_view uri) {
  return uri == kAllUsersUri || uri == kAuthenticatedUsersUri || uri == kLogDeliveryUri;
}

// The owner's one grant.
AclGrant OwnerGrant(std::string_view owner_id) {
  return {GranteeType::kCanonicalUser, std::string(owner_id), AclPermission::kFullControl};
}

bool Covers(AclPermission granted, AclPermission p) {
  return granted == p || granted == AclPermission::kFullControl;
}

PolicyStatement Statement(PolicyPrincipals principals, std::vector<std::string> actions,
                          std::string resource) {
  PolicyStatement st;
  st.sid = "acl";
  st.effect = PolicyEffect::kAllow;
  st.principals = std::move(principals);
  st.actions = std::move(actions);
  st.resources.push_back(std::move(resource));
  return st;
}

// Splits a grant header on commas outside double quotes.
std::vector<std::string_view> SplitEntries(std::string_view value) {
  std::vector<std::string_view> out;
  bool quoted = false;
  size_t start = 0;
  for (size_t i = 0; i <= value.size(); ++i) {
    if (i < value.size() && value[i] == '"') quoted = !quoted;
    if (i == value.size() || (value[i] == ',' && !quoted)) {
      out.push_back(value.substr(start, i - start));
      start = i + 1;
    }
  }
  return out;
}

// The text of a leaf element (trimmed), or nullopt when it has element children.
std::optional<std::string> LeafText(pugi::xml_node node) {
  std::string text;
  for (pugi::xml_node c : node.children()) {
    if (c.type() == pugi::node_element) return std::nullopt;
    if (c.type() == pugi::node_pcdata || c.type() == pugi::node_cdata) text += c.value();
  }
  return std::string(TrimXmlSpace(text));
}

struct ParseFailure {
  S3Errc code;
  std::string message;
};

// One <Grantee>: its type from xsi:type (any prefix), else from its children.
AclGrant ReadGrantee(pugi::xml_node grantee) {
  std::string type;
  for (pugi::xml_attribute a : grantee.attributes()) {
    if (XmlLocalName(a.name()) == "type") type = a.value();
  }
  std::optional<std::string> id, uri, email;
  for (pugi::xml_node c : grantee.children()) {
    if (c.type() != pugi::node_element) continue;
    std::string_view name = XmlLocalName(c.name());
    std::optional<std::string> text = LeafText(c);
    if (!text) throw ParseFailure{S3Errc::kMalformedACLError, ""};
    if (name == "ID") {
      id = std::move(text);
    } else if (name == "URI") {
      uri = std::move(text);
    } else if (name == "EmailAddress") {
      email = std::move(text);
    } else if (name != "DisplayName") {
      throw ParseFailure{S3Errc::kMalformedACLError, ""};
    }
  }
  if (type.empty())
    type = id ? "CanonicalUser" : uri ? "Group" : email ? "AmazonCustomerByEmail" : "";
  if (type == "AmazonCustomerByEmail" && email && !id && !uri) {
    throw ParseFailure{S3Errc::kUnresolvableGrantByEmailAddress, ""};
  }
  if (type == "CanonicalUser" && id && !uri && !email && !id->empty()) {
    return {GranteeType::kCanonicalUser, *id, AclPermission::kRead};
  }
  if (type == "Group" && uri && !id && !email && !uri->empty()) {
    return {GranteeType::kGroup, *uri, AclPermission::kRead};
  }
  throw ParseFailure{S3Errc::kMalformedACLError, ""};
}

AccessControlList ReadPolicy(pugi::xml_node root) {
  AccessControlList acl;
  bool seen_list = false;
  for (pugi::xml_node part : root.children()) {
    if (part.type() != pugi::node_element) continue;
    std::string_view name = XmlLocalName(part.name());
    if (name == "Owner") continue;  // one owner: whatever it says, the root owns everything
    if (name != "AccessControlList" || seen_list)
      throw ParseFailure{S3Errc::kMalformedACLError, ""};
    seen_list = true;
    for (pugi::xml_node grant : part.children()) {
      if (grant.type() != pugi::node_element) continue;
      if (XmlLocalName(grant.name()) != "Grant") throw ParseFailure{S3Errc::kMalformedACLError, ""};
      std::optional<AclGrant> grantee;
      std::optional<AclPermission> permission;
      for (pugi::xml_node g : grant.children()) {
        if (g.type() != pugi::node_element) continue;
        std::string_view n = XmlLocalName(g.name());
        if (n == "Grantee" && !grantee) {
          grantee = ReadGrantee(g);
        } else if (n == "Permission" && !permission) {
          std::optional<std::string> text = LeafText(g);
          if (text) permission = ParseAclPermission(*text);
          if (!permission) throw ParseFailure{S3Errc::kMalformedACLError, ""};
        } else {
          throw ParseFailure{S3Errc::kMalformedACLError, ""};
        }
      }
      if (!grantee || !permission) throw ParseFailure{S3Errc::kMalformedACLError, ""};
      grantee->permission = *permission;
      if (acl.grants.size() >= kMaxAclGrants) throw ParseFailure{S3Errc::kMalformedACLError, ""};
      acl.grants.push_back(std::move(*grantee));
    }
  }
  if (!seen_list) throw ParseFailure{S3Errc::kMalformedACLError, ""};
  return acl;
}

}  // namespace

std::string_view AclPermissionName(AclPermission p) {
  switch (p) {
    case AclPermission::kRead:
      return "READ";
    case AclPermission::kWrite:
      return "WRITE";
    case AclPermission::kReadAcp:
      return "READ_ACP";
    case AclPermission::kWriteAcp:
      return "WRITE_ACP";
    case AclPermission::kFullControl:
      return "FULL_CONTROL";
  }
  return "READ";
}

std::optional<AclPermission> ParseAclPermission(std::string_view text) {
  for (AclPermission p : {AclPermission::kRead, AclPermission::kWrite, AclPermission::kReadAcp,
                          AclPermission::kWriteAcp, AclPermission::kFullControl}) {
    if (text == AclPermissionName(p)) return p;
  }
  return std::nullopt;
}

std::string CanonicalUserId(std::string_view name) {
  return storage::HexEncode(storage::Sha256("arn:aws:iam::000000000000:user/" + std::string(name)));
}

AccessControlList CannedAclGrants(CannedAcl acl, std::string_view owner_id, bool bucket_level) {
  AccessControlList out;
  out.grants.push_back(OwnerGrant(owner_id));
  const auto group = [&](std::string_view uri, AclPermission p) {
    out.grants.push_back({GranteeType::kGroup, std::string(uri), p});
  };
  switch (acl) {
    case CannedAcl::kPublicRead:
      group(kAllUsersUri, AclPermission::kRead);
      break;
    case CannedAcl::kPublicReadWrite:
      group(kAllUsersUri, AclPermission::kRead);
      if (bucket_level) group(kAllUsersUri, AclPermission::kWrite);
      break;
    case CannedAcl::kAuthenticatedRead:
      group(kAuthenticatedUsersUri, AclPermission::kRead);
      break;
    default:
      break;
  }
  return out;
}

bool IsPublicGrant(const AclGrant& grant) {
  return grant.type == GranteeType::kGroup &&
         (grant.grantee == kAllUsersUri || grant.grantee == kAuthenticatedUsersUri);
}

bool HasPublicGrant(const AccessControlList& acl) {
  return std::any_of(acl.grants.begin(), acl.grants.end(), IsPublicGrant);
}

bool IsOwnerOnly(const AccessControlList& acl, std::string_view owner_id) {
  return std::all_of(acl.grants.begin(), acl.grants.end(), [&](const AclGrant& g) {
    return g.type == GranteeType::kCanonicalUser && g.grantee == owner_id;
  });
}

std::optional<std::string> GranteeDirectory::NameOf(std::string_view id) const {
  if (!users) return std::nullopt;
  for (const std::string& name : *users) {
    if (CanonicalUserId(name) == id) return name;
  }
  return std::nullopt;
}

boost::system::error_code ValidateGrantees(const AccessControlList& acl,
                                           const GranteeDirectory& directory,
                                           std::string* message) {
  if (acl.grants.size() > kMaxAclGrants) {
    return Error(S3Errc::kInvalidArgument, message, "Too many grants in the ACL (at most 100)");
  }
  for (const AclGrant& g : acl.grants) {
    if (g.type == GranteeType::kGroup) {
      if (!IsKnownGroup(g.grantee)) {
        return Error(S3Errc::kInvalidArgument, message, "Invalid group uri");
      }
      continue;
    }
    if (!IsCanonicalId(g.grantee)) return Error(S3Errc::kInvalidArgument, message, "Invalid id");
    if (g.grantee == directory.owner_id || !directory.users) continue;
    if (!directory.NameOf(g.grantee)) return Error(S3Errc::kInvalidArgument, message, "Invalid id");
  }
  return {};
}

boost::system::error_code ParseGrantHeader(std::string_view value, AclPermission permission,
                                           std::vector<AclGrant>& out, std::string* message) {
  for (std::string_view entry : SplitEntries(value)) {
    entry = TrimSpaces(entry);
    size_t eq = entry.find('=');
    if (eq == std::string_view::npos) {
      return Error(S3Errc::kInvalidArgument, message, "Argument format not recognized");
    }
    std::string key = AsciiLower(TrimSpaces(entry.substr(0, eq)));
    std::string_view v = TrimSpaces(entry.substr(eq + 1));
    if (v.size() >= 2 && v.front() == '"' && v.back() == '"') v = v.substr(1, v.size() - 2);
    if (v.empty() || v.find('"') != std::string_view::npos) {
      return Error(S3Errc::kInvalidArgument, message, "Argument format not recognized");
    }
    if (key == "emailaddress") {
      return Error(S3Errc::kUnresolvableGrantByEmailAddress, message, {});
    }
    GranteeType type;
    if (key == "id") {
      type = GranteeType::kCanonicalUser;
    } else if (key == "uri") {
      type = GranteeType::kGroup;
    } else {
      return Error(S3Errc::kInvalidArgument, message, "Argument format not recognized");
    }
    if (out.size() >= kMaxAclGrants) {
      return Error(S3Errc::kInvalidArgument, message, "Too many grants in the ACL (at most 100)");
    }
    out.push_back({type, std::string(v), permission});
  }
  return {};
}

Result<std::optional<AccessControlList>> ParseGrantHeaders(
    const boost::beast::http::request_header<>& request, std::string* message) {
  constexpr std::pair<std::string_view, AclPermission> kHeaders[] = {
      {"x-amz-grant-read", AclPermission::kRead},
      {"x-amz-grant-write", AclPermission::kWrite},
      {"x-amz-grant-read-acp", AclPermission::kReadAcp},
      {"x-amz-grant-write-acp", AclPermission::kWriteAcp},
      {"x-amz-grant-full-control", AclPermission::kFullControl},
  };
  std::optional<AccessControlList> acl;
  for (const auto& field : request) {
    std::string name = AsciiLower(field.name_string());
    if (!name.starts_with("x-amz-grant-")) continue;
    const auto* known = std::find_if(std::begin(kHeaders), std::end(kHeaders),
                                     [&](const auto& h) { return h.first == name; });
    if (known == std::end(kHeaders)) continue;  // not an ACL header: ignored as S3 does
    if (!acl) acl.emplace();
    if (auto ec = ParseGrantHeader(field.value(), known->second, acl->grants, message)) return ec;
  }
  return acl;
}

Result<AccessControlList> ParseAccessControlPolicy(std::string_view text, std::string* message) {
  pugi::xml_document doc;
  if (!doc.load_buffer(text.data(), text.size(), pugi::parse_default & ~pugi::parse_doctype)) {
    return make_error_code(S3Errc::kMalformedACLError);
  }
  pugi::xml_node root = XmlSingleRoot(doc);
  if (!root || XmlLocalName(root.name()) != "AccessControlPolicy") {
    return make_error_code(S3Errc::kMalformedACLError);
  }
  try {
    return ReadPolicy(root);
  } catch (const ParseFailure& f) {
    if (message) *message = f.message;
    return make_error_code(f.code);
  }
}

std::string RenderAccessControlPolicy(const AccessControlList& acl, const OwnerInfo& owner,
                                      const GranteeDirectory& directory) {
  // By hand: the grantee elements carry xsi:type attributes, which XmlWriter does not write.
  std::string out = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<AccessControlPolicy xmlns=\"";
  out.append(kS3XmlNamespace).append("\"><Owner><ID>");
  AppendXmlEscaped(out, owner.id);
  out += "</ID><DisplayName>";
  AppendXmlEscaped(out, owner.display_name);
  out += "</DisplayName></Owner><AccessControlList>";
  constexpr std::string_view kXsi = "xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\"";
  for (const AclGrant& g : acl.grants) {
    out.append("<Grant><Grantee ").append(kXsi);
    if (g.type == GranteeType::kGroup) {
      out += " xsi:type=\"Group\"><URI>";
      AppendXmlEscaped(out, g.grantee);
      out += "</URI>";
    } else {
      out += " xsi:type=\"CanonicalUser\"><ID>";
      AppendXmlEscaped(out, g.grantee);
      out += "</ID>";
      std::optional<std::string> name = g.grantee == owner.id
                                            ? std::optional<std::string>(owner.display_name)
                                            : directory.NameOf(g.grantee);
      if (name) {
        out += "<DisplayName>";
        AppendXmlEscaped(out, *name);
        out += "</DisplayName>";
      }
    }
    out.append("</Grantee><Permission>").append(AclPermissionName(g.permission));
    out += "</Permission></Grant>";
  }
  out += "</AccessControlList></AccessControlPolicy>";
  return out;
}

std::string EncodeAclRecord(const AccessControlList& acl, std::string_view owner_id) {
  if (acl.grants.size() == 1 && acl.grants[0] == OwnerGrant(owner_id)) return {};
  // One grant a line: "<U|G> <PERMISSION> <id or uri>". Ids are hex and URIs have no newline
  // (ValidateGrantees), so the lines cannot be confused.
  std::string out(kRecordMagic);
  for (const AclGrant& g : acl.grants) {
    out.push_back(g.type == GranteeType::kGroup ? 'G' : 'U');
    out.push_back(' ');
    out.append(AclPermissionName(g.permission)).push_back(' ');
    out.append(g.grantee).push_back('\n');
  }
  return out;
}

AccessControlList DecodeAclRecord(std::string_view record, std::string_view owner_id,
                                  bool bucket_level) {
  if (record.empty()) return CannedAclGrants(CannedAcl::kPrivate, owner_id, bucket_level);
  if (auto canned = ParseCannedAcl(record)) return CannedAclGrants(*canned, owner_id, bucket_level);
  AccessControlList acl;
  if (!record.starts_with(kRecordMagic)) {
    return CannedAclGrants(CannedAcl::kPrivate, owner_id, bucket_level);
  }
  record.remove_prefix(kRecordMagic.size());
  while (!record.empty()) {
    size_t nl = record.find('\n');
    std::string_view line = record.substr(0, nl);
    record.remove_prefix(nl == std::string_view::npos ? record.size() : nl + 1);
    size_t sp1 = line.find(' ');
    size_t sp2 = sp1 == std::string_view::npos ? sp1 : line.find(' ', sp1 + 1);
    std::optional<AclPermission> p;
    if (sp2 != std::string_view::npos) p = ParseAclPermission(line.substr(sp1 + 1, sp2 - sp1 - 1));
    if (sp1 != 1 || !p || (line[0] != 'U' && line[0] != 'G') || sp2 + 1 >= line.size()) {
      return CannedAclGrants(CannedAcl::kPrivate, owner_id, bucket_level);
    }
    acl.grants.push_back({line[0] == 'G' ? GranteeType::kGroup : GranteeType::kCanonicalUser,
                          std::string(line.substr(sp2 + 1)), *p});
  }
  return acl;
}

Policy AclGrantsPolicy(const AccessControlList& acl, std::string_view bucket, std::string_view key,
                       const GrantPrincipals& who) {
  Policy policy;
  policy.version = "2012-10-17";
  const std::string arn = "arn:aws:s3:::" + std::string(bucket);
  for (const AclGrant& g : acl.grants) {
    PolicyPrincipals principals;
    if (g.type == GranteeType::kGroup) {
      if (who.ignore_public && IsPublicGrant(g)) continue;
      if (g.grantee == kAllUsersUri) {
        principals.everyone = true;
      } else if (g.grantee == kAuthenticatedUsersUri) {
        principals.authenticated_users = true;
      } else {
        continue;  // LogDelivery: no such service here
      }
    } else if (g.grantee == who.owner_id) {
      principals.root = true;
    } else if (auto it = who.users.find(g.grantee); it != who.users.end()) {
      principals.users.push_back(it->second);
    } else {
      continue;
    }
    const AclPermission p = g.permission;
    if (key.empty()) {
      if (Covers(p, AclPermission::kRead)) {
        policy.statements.push_back(Statement(
            principals, {"s3:listbucket", "s3:listbucketversions", "s3:listbucketmultipartuploads"},
            arn));
      }
      if (Covers(p, AclPermission::kWrite)) {
        policy.statements.push_back(Statement(
            principals, {"s3:putobject", "s3:deleteobject", "s3:deleteobjectversion"}, arn + "/*"));
      }
      if (Covers(p, AclPermission::kReadAcp)) {
        policy.statements.push_back(Statement(principals, {"s3:getbucketacl"}, arn));
      }
      if (Covers(p, AclPermission::kWriteAcp)) {
        policy.statements.push_back(Statement(principals, {"s3:putbucketacl"}, arn));
      }
    } else {
      // The exact key: '*' or '?' in it may match other keys too, but these statements are only
      // ever evaluated for requests on the object they belong to.
      const std::string object = arn + "/" + std::string(key);
      if (Covers(p, AclPermission::kRead)) {
        policy.statements.push_back(
            Statement(principals, {"s3:getobject", "s3:getobjectversion"}, object));
      }
      if (Covers(p, AclPermission::kReadAcp)) {
        policy.statements.push_back(
            Statement(principals, {"s3:getobjectacl", "s3:getobjectversionacl"}, object));
      }
      if (Covers(p, AclPermission::kWriteAcp)) {
        policy.statements.push_back(
            Statement(principals, {"s3:putobjectacl", "s3:putobjectversionacl"}, object));
      }
    }
  }
  return policy;
}

}  // namespace strata::api
