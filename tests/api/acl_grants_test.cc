// ACL grants (issue 7): x-amz-grant-* headers, AccessControlPolicy documents, the storage record,
// rendering, ownership controls and the statements grants stand for.
#include "api/acl_grants.h"

#include <catch2/catch.hpp>

#include "api/acl.h"
#include "api/acl_ownership.h"
#include "api/acl_request.h"

namespace strata::api {
namespace {

namespace http = boost::beast::http;

const std::string kOwner(64, 'a');

std::string Id(char c) { return std::string(64, c); }

S3Errc CodeOf(const boost::system::error_code& ec) { return ToS3Error(ec); }

PolicyDecision Decide(const Policy& p, std::string action, std::string resource,
                      PrincipalKind principal, std::string user = {}) {
  PolicyRequest r;
  r.principal = principal;
  r.user = std::move(user);
  r.action = std::move(action);
  r.resource = std::move(resource);
  r.lookup = [](std::string_view) { return std::optional<std::vector<std::string>>(); };
  return Evaluate(p, r);
}

std::string Document(std::string grants) {
  return "<AccessControlPolicy xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\">"
         "<Owner><ID>" +
         kOwner + "</ID></Owner><AccessControlList>" + grants +
         "</AccessControlList></AccessControlPolicy>";
}

std::string UserGrant(const std::string& id, std::string_view permission) {
  return "<Grant><Grantee xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\" "
         "xsi:type=\"CanonicalUser\"><ID>" +
         id + "</ID></Grantee><Permission>" + std::string(permission) + "</Permission></Grant>";
}

TEST_CASE("Grant headers parse ids, group URIs, quotes and several grantees") {
  std::vector<AclGrant> out;
  REQUIRE_FALSE(ParseGrantHeader(
      "id=\"" + Id('b') +
          "\", uri=\"http://acs.amazonaws.com/groups/global/AllUsers\",ID=" + Id('c'),
      AclPermission::kRead, out, nullptr));
  REQUIRE(out.size() == 3);
  CHECK(out[0] == AclGrant{GranteeType::kCanonicalUser, Id('b'), AclPermission::kRead});
  CHECK(out[1] == AclGrant{GranteeType::kGroup, std::string(kAllUsersUri), AclPermission::kRead});
  CHECK(out[2].grantee == Id('c'));
}

TEST_CASE("Grant headers refuse e-mail grantees, unknown keys and malformed entries") {
  std::vector<AclGrant> out;
  std::string message;
  CHECK(CodeOf(ParseGrantHeader("emailAddress=\"a@b.c\"", AclPermission::kRead, out, &message)) ==
        S3Errc::kUnresolvableGrantByEmailAddress);
  for (std::string_view bad : {"", "id", "name=\"x\"", "id=\"\"", "id=\"a\"b\"", ",", "id=x,"}) {
    out.clear();
    CHECK(CodeOf(ParseGrantHeader(bad, AclPermission::kRead, out, &message)) ==
          S3Errc::kInvalidArgument);
  }
}

TEST_CASE("Grant headers are bounded to 100 grants") {
  std::string value;
  for (int i = 0; i < 101; ++i) value += "id=" + Id('b') + ",";
  value.pop_back();
  std::vector<AclGrant> out;
  CHECK(CodeOf(ParseGrantHeader(value, AclPermission::kRead, out, nullptr)) ==
        S3Errc::kInvalidArgument);
  CHECK(out.size() <= kMaxAclGrants);
}

TEST_CASE("A request with both x-amz-acl and grant headers is an InvalidRequest") {
  http::request_header<> request;
  request.set("x-amz-acl", "public-read");
  request.set("x-amz-grant-read", "id=" + Id('b'));
  std::string message;
  auto acl = ReadRequestAcl(request, GranteeDirectory{kOwner, std::nullopt}, false, &message);
  REQUIRE_FALSE(acl.has_value());
  CHECK(CodeOf(acl.error()) == S3Errc::kInvalidRequest);
  CHECK(message == "Specifying both Canned ACLs and Header Grants is not allowed");
}

TEST_CASE("Request ACLs: none, canned, and grant headers with each permission") {
  const GranteeDirectory anyone{kOwner, std::nullopt};
  http::request_header<> request;
  auto none = ReadRequestAcl(request, anyone, false, nullptr);
  REQUIRE(none.has_value());
  CHECK_FALSE(none->has_value());

  request.set("x-amz-acl", "public-read");
  auto canned = ReadRequestAcl(request, anyone, false, nullptr);
  REQUIRE(canned.has_value());
  REQUIRE(canned->has_value());
  CHECK(**canned == CannedAclGrants(CannedAcl::kPublicRead, kOwner, false));

  request.erase("x-amz-acl");
  request.set("x-amz-grant-write-acp", "id=" + Id('b'));
  request.set("X-Amz-Grant-Full-Control", "id=" + kOwner);
  auto grants = ReadRequestAcl(request, anyone, true, nullptr);
  REQUIRE(grants.has_value());
  REQUIRE(grants->has_value());
  REQUIRE((*grants)->grants.size() == 2);
  CHECK((*grants)->grants[0].permission == AclPermission::kWriteAcp);
  CHECK((*grants)->grants[1].permission == AclPermission::kFullControl);
}

TEST_CASE("Grantees must be well-formed ids of known users and the three groups") {
  const std::string alice = CanonicalUserId("alice");
  CHECK(alice.size() == 64);
  CHECK(alice != CanonicalUserId("bob"));
  GranteeDirectory directory{kOwner, std::vector<std::string>{"alice"}};
  CHECK(directory.NameOf(alice) == "alice");
  AccessControlList ok{
      {{GranteeType::kCanonicalUser, alice, AclPermission::kRead},
       {GranteeType::kCanonicalUser, kOwner, AclPermission::kFullControl},
       {GranteeType::kGroup, std::string(kLogDeliveryUri), AclPermission::kWrite}}};
  CHECK_FALSE(ValidateGrantees(ok, directory, nullptr));
  std::string message;
  AccessControlList stranger{
      {{GranteeType::kCanonicalUser, CanonicalUserId("bob"), AclPermission::kRead}}};
  CHECK(CodeOf(ValidateGrantees(stranger, directory, &message)) == S3Errc::kInvalidArgument);
  CHECK(message == "Invalid id");
  // Without a user list, any well-formed id passes; a malformed one never does.
  CHECK_FALSE(ValidateGrantees(stranger, GranteeDirectory{kOwner, std::nullopt}, nullptr));
  AccessControlList malformed{{{GranteeType::kCanonicalUser, "ABC", AclPermission::kRead}}};
  CHECK(CodeOf(ValidateGrantees(malformed, GranteeDirectory{kOwner, std::nullopt}, nullptr)) ==
        S3Errc::kInvalidArgument);
  AccessControlList group{{{GranteeType::kGroup, "http://example.com/g", AclPermission::kRead}}};
  CHECK(CodeOf(ValidateGrantees(group, directory, &message)) == S3Errc::kInvalidArgument);
  CHECK(message == "Invalid group uri");
}

TEST_CASE("AccessControlPolicy documents parse every grantee type and permission") {
  std::string grants = UserGrant(Id('b'), "READ") + UserGrant(Id('c'), "WRITE_ACP") +
                       "<Grant><Grantee><URI>" + std::string(kAuthenticatedUsersUri) +
                       "</URI></Grantee><Permission>READ_ACP</Permission></Grant>";
  auto acl = ParseAccessControlPolicy(Document(grants), nullptr);
  REQUIRE(acl.has_value());
  REQUIRE(acl->grants.size() == 3);
  CHECK(acl->grants[0] == AclGrant{GranteeType::kCanonicalUser, Id('b'), AclPermission::kRead});
  CHECK(acl->grants[1].permission == AclPermission::kWriteAcp);
  CHECK(acl->grants[2] == AclGrant{GranteeType::kGroup, std::string(kAuthenticatedUsersUri),
                                   AclPermission::kReadAcp});
  auto empty = ParseAccessControlPolicy(Document(""), nullptr);
  REQUIRE(empty.has_value());
  CHECK(empty->grants.empty());
}

TEST_CASE("Malformed or hostile AccessControlPolicy documents are MalformedACLError") {
  const std::string xsi = "xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\"";
  std::vector<std::string> bad = {
      "",
      "<nope/>",
      "<AccessControlPolicy>",
      "<AccessControlPolicy><Owner/></AccessControlPolicy>",  // no list
      Document("<Grant><Permission>READ</Permission></Grant>"),
      Document("<Grant><Grantee><ID>" + Id('b') + "</ID></Grantee></Grant>"),
      Document(UserGrant(Id('b'), "READ_WRITE")),
      Document(UserGrant(Id('b'), "read")),
      Document("<Bogus/>"),
      Document("<Grant><Grantee " + xsi + " xsi:type=\"Group\"><ID>" + Id('b') +
               "</ID></Grantee><Permission>READ</Permission></Grant>"),
      Document("<Grant><Grantee><ID><x/></ID></Grantee><Permission>READ</Permission></Grant>"),
      "<!DOCTYPE x [<!ENTITY e SYSTEM \"file:///etc/passwd\">]><AccessControlPolicy>&e;"
      "</AccessControlPolicy>",
      std::string(1000, '<'),
  };
  for (const std::string& doc : bad) {
    auto acl = ParseAccessControlPolicy(doc, nullptr);
    REQUIRE_FALSE(acl.has_value());
    CHECK(CodeOf(acl.error()) == S3Errc::kMalformedACLError);
  }
  std::string many;
  for (int i = 0; i < 101; ++i) many += UserGrant(Id('b'), "READ");
  auto too_many = ParseAccessControlPolicy(Document(many), nullptr);
  REQUIRE_FALSE(too_many.has_value());
  CHECK(CodeOf(too_many.error()) == S3Errc::kMalformedACLError);
  auto email = ParseAccessControlPolicy(
      Document("<Grant><Grantee " + xsi +
               " xsi:type=\"AmazonCustomerByEmail\"><EmailAddress>a@b.c</EmailAddress></Grantee>"
               "<Permission>READ</Permission></Grant>"),
      nullptr);
  REQUIRE_FALSE(email.has_value());
  CHECK(CodeOf(email.error()) == S3Errc::kUnresolvableGrantByEmailAddress);
}

TEST_CASE("Rendered ACLs list every grant with its type and parse back to the same grants") {
  const std::string alice = CanonicalUserId("alice");
  AccessControlList acl{
      {{GranteeType::kCanonicalUser, kOwner, AclPermission::kFullControl},
       {GranteeType::kCanonicalUser, alice, AclPermission::kRead},
       {GranteeType::kGroup, std::string(kAllUsersUri), AclPermission::kReadAcp}}};
  OwnerInfo owner{kOwner, "rootkey"};
  std::string xml = RenderAccessControlPolicy(
      acl, owner, GranteeDirectory{kOwner, std::vector<std::string>{"alice"}});
  CHECK(xml.find("xsi:type=\"CanonicalUser\"><ID>" + alice + "</ID><DisplayName>alice<") !=
        std::string::npos);
  CHECK(xml.find("xsi:type=\"Group\"><URI>" + std::string(kAllUsersUri) + "</URI>") !=
        std::string::npos);
  CHECK(xml.find("<DisplayName>rootkey</DisplayName>") != std::string::npos);
  auto back = ParseAccessControlPolicy(xml, nullptr);
  REQUIRE(back.has_value());
  CHECK(*back == acl);
  // Unknown users are shown by id alone.
  std::string anonymous_names =
      RenderAccessControlPolicy(acl, owner, GranteeDirectory{kOwner, std::nullopt});
  CHECK(anonymous_names.find("<DisplayName>alice") == std::string::npos);
}

TEST_CASE("The ACL record round-trips grants and still reads canned names and damage") {
  AccessControlList acl{{{GranteeType::kCanonicalUser, Id('b'), AclPermission::kWrite},
                         {GranteeType::kGroup, std::string(kAllUsersUri), AclPermission::kRead}}};
  std::string record = EncodeAclRecord(acl, kOwner);
  CHECK(DecodeAclRecord(record, kOwner, true) == acl);
  const AccessControlList owner_only = CannedAclGrants(CannedAcl::kPrivate, kOwner, false);
  CHECK(EncodeAclRecord(owner_only, kOwner).empty());
  CHECK(DecodeAclRecord("", kOwner, false) == owner_only);
  // Records of older servers: a canned name.
  CHECK(DecodeAclRecord("public-read-write", kOwner, true) ==
        CannedAclGrants(CannedAcl::kPublicReadWrite, kOwner, true));
  CHECK(DecodeAclRecord("authenticated-read", kOwner, false).grants.size() == 2);
  // Damage grants nothing beyond the owner's.
  for (std::string_view damaged : {"garbage", "strata-acl-1\nX READ y\n", "strata-acl-1\nU NOPE y",
                                   "strata-acl-1\nU READ \n", "strata-acl-1\nU"}) {
    CHECK(DecodeAclRecord(damaged, kOwner, false) == owner_only);
  }
  // No grant at all is not the owner's full control: kept as such.
  CHECK(
      DecodeAclRecord(EncodeAclRecord(AccessControlList{}, kOwner), kOwner, false).grants.empty());
}

TEST_CASE("Bucket grants map to the bucket actions of AWS's table") {
  const std::string alice = CanonicalUserId("alice");
  GrantPrincipals who{kOwner, {{alice, "alice"}}, false};
  const auto bucket_with = [&](AclPermission p) {
    return AclGrantsPolicy(AccessControlList{{{GranteeType::kCanonicalUser, alice, p}}}, "bkt", "",
                           who);
  };
  const auto user = PrincipalKind::kUser;
  Policy read = bucket_with(AclPermission::kRead);
  CHECK(Decide(read, "s3:ListBucket", "arn:aws:s3:::bkt", user, "alice") == PolicyDecision::kAllow);
  CHECK(Decide(read, "s3:ListBucketVersions", "arn:aws:s3:::bkt", user, "alice") ==
        PolicyDecision::kAllow);
  CHECK(Decide(read, "s3:ListBucket", "arn:aws:s3:::bkt", user, "bob") ==
        PolicyDecision::kImplicitDeny);
  CHECK(Decide(read, "s3:GetObject", "arn:aws:s3:::bkt/k", user, "alice") ==
        PolicyDecision::kImplicitDeny);
  Policy write = bucket_with(AclPermission::kWrite);
  CHECK(Decide(write, "s3:PutObject", "arn:aws:s3:::bkt/any/key", user, "alice") ==
        PolicyDecision::kAllow);
  CHECK(Decide(write, "s3:DeleteObjectVersion", "arn:aws:s3:::bkt/k", user, "alice") ==
        PolicyDecision::kAllow);
  CHECK(Decide(write, "s3:PutObject", "arn:aws:s3:::other/k", user, "alice") ==
        PolicyDecision::kImplicitDeny);
  Policy read_acp = bucket_with(AclPermission::kReadAcp);
  CHECK(Decide(read_acp, "s3:GetBucketAcl", "arn:aws:s3:::bkt", user, "alice") ==
        PolicyDecision::kAllow);
  CHECK(Decide(read_acp, "s3:PutBucketAcl", "arn:aws:s3:::bkt", user, "alice") ==
        PolicyDecision::kImplicitDeny);
  Policy full = bucket_with(AclPermission::kFullControl);
  for (const char* action : {"s3:ListBucket", "s3:GetBucketAcl", "s3:PutBucketAcl"}) {
    CHECK(Decide(full, action, "arn:aws:s3:::bkt", user, "alice") == PolicyDecision::kAllow);
  }
  CHECK(Decide(full, "s3:DeleteBucket", "arn:aws:s3:::bkt", user, "alice") ==
        PolicyDecision::kImplicitDeny);
}

TEST_CASE("Object grants map to the object actions of AWS's table, for that key only") {
  const std::string alice = CanonicalUserId("alice");
  GrantPrincipals who{kOwner, {{alice, "alice"}}, false};
  AccessControlList acl{{{GranteeType::kCanonicalUser, alice, AclPermission::kReadAcp},
                         {GranteeType::kGroup, std::string(kAllUsersUri), AclPermission::kRead}}};
  Policy p = AclGrantsPolicy(acl, "bkt", "k", who);
  const auto anon = PrincipalKind::kAnonymous;
  CHECK(Decide(p, "s3:GetObject", "arn:aws:s3:::bkt/k", anon) == PolicyDecision::kAllow);
  CHECK(Decide(p, "s3:GetObjectVersion", "arn:aws:s3:::bkt/k", anon) == PolicyDecision::kAllow);
  CHECK(Decide(p, "s3:GetObject", "arn:aws:s3:::bkt/k2", anon) == PolicyDecision::kImplicitDeny);
  CHECK(Decide(p, "s3:GetObjectTagging", "arn:aws:s3:::bkt/k", anon) ==
        PolicyDecision::kImplicitDeny);
  CHECK(Decide(p, "s3:GetObjectAcl", "arn:aws:s3:::bkt/k", PrincipalKind::kUser, "alice") ==
        PolicyDecision::kAllow);
  CHECK(Decide(p, "s3:GetObjectAcl", "arn:aws:s3:::bkt/k", anon) == PolicyDecision::kImplicitDeny);
  CHECK(Decide(p, "s3:PutObjectAcl", "arn:aws:s3:::bkt/k", PrincipalKind::kUser, "alice") ==
        PolicyDecision::kImplicitDeny);
}

TEST_CASE("IgnorePublicAcls drops group grants but keeps grants to users") {
  const std::string alice = CanonicalUserId("alice");
  GrantPrincipals who{kOwner, {{alice, "alice"}}, true};
  AccessControlList acl{
      {{GranteeType::kCanonicalUser, alice, AclPermission::kRead},
       {GranteeType::kGroup, std::string(kAllUsersUri), AclPermission::kRead},
       {GranteeType::kGroup, std::string(kAuthenticatedUsersUri), AclPermission::kRead}}};
  Policy p = AclGrantsPolicy(acl, "bkt", "k", who);
  CHECK(Decide(p, "s3:GetObject", "arn:aws:s3:::bkt/k", PrincipalKind::kAnonymous) ==
        PolicyDecision::kImplicitDeny);
  CHECK(Decide(p, "s3:GetObject", "arn:aws:s3:::bkt/k", PrincipalKind::kUser, "bob") ==
        PolicyDecision::kImplicitDeny);
  CHECK(Decide(p, "s3:GetObject", "arn:aws:s3:::bkt/k", PrincipalKind::kUser, "alice") ==
        PolicyDecision::kAllow);
  CHECK(HasPublicGrant(acl));
  CHECK_FALSE(IsOwnerOnly(acl, kOwner));
  CHECK(IsOwnerOnly(CannedAclGrants(CannedAcl::kBucketOwnerFullControl, kOwner, false), kOwner));
}

TEST_CASE("Canned ACLs stand for their group grants") {
  CHECK(CannedAclGrants(CannedAcl::kPublicReadWrite, kOwner, true).grants.size() == 3);
  CHECK(CannedAclGrants(CannedAcl::kPublicReadWrite, kOwner, false).grants.size() == 2);
  Policy p = AclPolicy(CannedAcl::kAuthenticatedRead, "bkt", "k");
  CHECK(Decide(p, "s3:GetObject", "arn:aws:s3:::bkt/k", PrincipalKind::kAnonymous) ==
        PolicyDecision::kImplicitDeny);
  CHECK(Decide(p, "s3:GetObject", "arn:aws:s3:::bkt/k", PrincipalKind::kUser, "x") ==
        PolicyDecision::kAllow);
  CHECK(AclPolicy(CannedAcl::kBucketOwnerFullControl, "bkt", "").statements.empty());
}

TEST_CASE("BucketOwnerEnforced refuses every ACL but the owner's full control") {
  const auto enforced = std::optional<ObjectOwnership>(ObjectOwnership::kBucketOwnerEnforced);
  const AccessControlList public_read = CannedAclGrants(CannedAcl::kPublicRead, kOwner, false);
  std::string message;
  CHECK(CodeOf(CheckAclAllowed(enforced, public_read, kOwner, &message)) ==
        S3Errc::kAccessControlListNotSupported);
  CHECK(message == "The bucket does not allow ACLs");
  CHECK_FALSE(CheckAclAllowed(enforced,
                              CannedAclGrants(CannedAcl::kBucketOwnerFullControl, kOwner, false),
                              kOwner, nullptr));
  CHECK_FALSE(CheckAclAllowed(ObjectOwnership::kObjectWriter, public_read, kOwner, nullptr));
  CHECK_FALSE(CheckAclAllowed(std::nullopt, public_read, kOwner, nullptr));
}

TEST_CASE("Ownership controls documents parse the three settings and refuse anything else") {
  for (ObjectOwnership o :
       {ObjectOwnership::kBucketOwnerEnforced, ObjectOwnership::kBucketOwnerPreferred,
        ObjectOwnership::kObjectWriter}) {
    auto back = ParseOwnershipControlsXml(RenderOwnershipControlsXml(o));
    REQUIRE(back.has_value());
    CHECK(*back == o);
    CHECK(DecodeOwnership(EncodeOwnership(o)) == o);
  }
  CHECK(DecodeOwnership("damaged") == ObjectOwnership::kBucketOwnerEnforced);
  for (std::string_view bad :
       {"", "<OwnershipControls/>", "<OwnershipControls><Rule/></OwnershipControls>",
        "<OwnershipControls><Rule><ObjectOwnership>objectwriter</ObjectOwnership></Rule>"
        "</OwnershipControls>",
        "<OwnershipControls><Rule><ObjectOwnership>ObjectWriter</ObjectOwnership></Rule><Rule>"
        "<ObjectOwnership>ObjectWriter</ObjectOwnership></Rule></OwnershipControls>",
        "<OwnershipControls><Rule><ObjectOwnership>ObjectWriter</ObjectOwnership><X/></Rule>"
        "</OwnershipControls>",
        "<Other><Rule><ObjectOwnership>ObjectWriter</ObjectOwnership></Rule></Other>"}) {
    auto parsed = ParseOwnershipControlsXml(bad);
    REQUIRE_FALSE(parsed.has_value());
    CHECK(CodeOf(parsed.error()) == S3Errc::kMalformedXML);
  }
}

}  // namespace
}  // namespace strata::api
