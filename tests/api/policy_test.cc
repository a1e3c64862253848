#include "api/policy.h"

#include <catch2/catch.hpp>
#include <map>

#include "api/acl.h"

namespace strata::api {
namespace {

Policy Parse(std::string_view json, PolicyKind kind = PolicyKind::kBucket) {
  std::string message;
  auto p = ParsePolicy(json, kind, "bkt", &message);
  INFO(message);
  REQUIRE(p.has_value());
  return *p;
}

std::string ParseError(std::string_view json, PolicyKind kind = PolicyKind::kBucket) {
  std::string message;
  auto p = ParsePolicy(json, kind, "bkt", &message);
  REQUIRE_FALSE(p.has_value());
  CHECK(p.error() == make_error_code(S3Errc::kMalformedPolicy));
  return message;
}

struct Facts {
  PrincipalKind principal = PrincipalKind::kAnonymous;
  std::string user;
  std::map<std::string, std::vector<std::string>> values;
};

Facts With(std::string key, std::string value) {
  Facts f;
  f.values[std::move(key)] = {std::move(value)};
  return f;
}

PolicyDecision Decide(const Policy& p, std::string action, std::string resource,
                      const Facts& facts = {}) {
  PolicyRequest r;
  r.principal = facts.principal;
  r.user = facts.user;
  r.action = std::move(action);
  r.resource = std::move(resource);
  r.lookup = [&facts](std::string_view key) -> std::optional<std::vector<std::string>> {
    auto it = facts.values.find(std::string(key));
    if (it == facts.values.end()) return std::nullopt;
    return it->second;
  };
  return Evaluate(p, r);
}

std::string Stmt(std::string extra) {
  return R"({"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":"*",)"
         R"("Action":"s3:GetObject","Resource":"arn:aws:s3:::bkt/*")" +
         extra + "}]}";
}

}  // namespace

TEST_CASE("A policy granting anonymous GetObject on a prefix allows only that prefix") {
  Policy p = Parse(R"({"Version":"2012-10-17","Statement":{"Sid":"pub","Effect":"Allow",
      "Principal":{"AWS":"*"},"Action":["s3:GetObject"],"Resource":"arn:aws:s3:::bkt/public/*"}})");
  CHECK(Decide(p, "s3:GetObject", "arn:aws:s3:::bkt/public/a.txt") == PolicyDecision::kAllow);
  CHECK(Decide(p, "s3:GetObject", "arn:aws:s3:::bkt/private/a.txt") ==
        PolicyDecision::kImplicitDeny);
  CHECK(Decide(p, "s3:PutObject", "arn:aws:s3:::bkt/public/a.txt") ==
        PolicyDecision::kImplicitDeny);
}

TEST_CASE("Malformed policies are refused with AWS's messages") {
  CHECK(ParseError("not json").find("valid JSON") != std::string::npos);
  CHECK(ParseError("[]").find("valid JSON") != std::string::npos);
  CHECK(ParseError(R"({"Version":"2012-10-17"})") == "Missing required field Statement");
  CHECK(ParseError(R"({"Version":"2020-01-01","Statement":[]})") ==
        "The policy must contain a valid version string");
  CHECK(ParseError(Stmt("").replace(Stmt("").find("Allow"), 5, "hello")) ==
        "Invalid effect: hello");
  CHECK(ParseError(R"({"Statement":{"Effect":"Allow","Principal":"*","Action":"get",
      "Resource":"arn:aws:s3:::bkt"}})") == "Policy has invalid action");
  CHECK(ParseError(R"({"Statement":{"Effect":"Allow","Principal":"*","Action":"s3:Get*",
      "Resource":"arn:aws:s3:::other/*"}})") == "Policy has invalid resource");
  CHECK(ParseError(R"({"Statement":{"Effect":"Allow","Principal":{"Service":"x"},
      "Action":"s3:*","Resource":"arn:aws:s3:::bkt"}})") == "Invalid principal in policy");
  CHECK(ParseError(R"({"Statement":{"Effect":"Allow","Action":"s3:*",
      "Resource":"arn:aws:s3:::bkt"}})") == "Missing required field Principal");
  CHECK(ParseError(Stmt(R"(,"Condition":{"StringEqualz":{"s3:prefix":"a"}})"))
            .starts_with("Invalid Condition type"));
  CHECK(ParseError(Stmt(R"(,"Condition":{"StringEquals":{"aws:Bogus":"a"}})")) ==
        "Policy has an invalid condition key");
  CHECK(ParseError(Stmt(R"(,"Bogus":1)")) == "Unknown field Bogus");
  CHECK(ParseError(R"({"Statement":{"Effect":"Allow","Principal":"*","Action":"s3:*",
      "Resource":"arn:aws:s3:::bkt"}})",
                   PolicyKind::kUser) == "Policy document should not specify a principal.");
}

TEST_CASE("Oversized and deeply nested policies are refused without parsing them") {
  std::string big = Stmt("") + std::string(kMaxPolicyBytes, ' ');
  CHECK(ParseError(big).find("20 KB") != std::string::npos);
  std::string deep(5000, '[');
  CHECK_FALSE(ParsePolicy(deep, PolicyKind::kBucket, "bkt", nullptr).has_value());
}

TEST_CASE("Wildcards match actions case-insensitively and resources case-sensitively") {
  CHECK(WildcardMatch("s3:get*", "s3:GetObject", true));
  CHECK(WildcardMatch("s3:Get?bject", "s3:GetObject"));
  CHECK_FALSE(WildcardMatch("s3:Get?bject", "s3:GetObjectX"));
  CHECK(WildcardMatch("a*b*c", "aXXbYYc"));
  CHECK_FALSE(WildcardMatch("arn:aws:s3:::Bkt/*", "arn:aws:s3:::bkt/x"));
  CHECK(WildcardMatch("*", ""));
  // No exponential backtracking.
  CHECK_FALSE(WildcardMatch(std::string(50, '*') + "b", std::string(5000, 'a')));
  Policy p = Parse(R"({"Statement":{"Effect":"Allow","Principal":"*","Action":"S3:get*",
      "Resource":"arn:aws:s3:::bkt/*"}})");
  CHECK(Decide(p, "s3:GetObjectVersion", "arn:aws:s3:::bkt/k") == PolicyDecision::kAllow);
}

TEST_CASE("An explicit Deny wins over any Allow") {
  Policy p = Parse(R"({"Statement":[
      {"Effect":"Allow","Principal":"*","Action":"s3:*","Resource":"arn:aws:s3:::bkt/*"},
      {"Effect":"Deny","Principal":{"AWS":"arn:aws:iam::123456789012:user/alice"},
       "Action":"s3:DeleteObject","Resource":"arn:aws:s3:::bkt/*"}]})");
  Facts alice{PrincipalKind::kUser, "alice", {}};
  Facts bob{PrincipalKind::kUser, "bob", {}};
  CHECK(Decide(p, "s3:DeleteObject", "arn:aws:s3:::bkt/k", alice) == PolicyDecision::kDeny);
  CHECK(Decide(p, "s3:DeleteObject", "arn:aws:s3:::bkt/k", bob) == PolicyDecision::kAllow);
  Policy user = Parse(R"({"Statement":{"Effect":"Allow","Action":"s3:*","Resource":"*"}})",
                      PolicyKind::kUser);
  const Policy* both[] = {&user, &p};
  PolicyRequest r;
  r.principal = PrincipalKind::kUser;
  r.user = "alice";
  r.action = "s3:DeleteObject";
  r.resource = "arn:aws:s3:::bkt/k";
  CHECK(Evaluate(both, r) == PolicyDecision::kDeny);
  r.action = "s3:GetObject";
  CHECK(Evaluate(both, r) == PolicyDecision::kAllow);
}

TEST_CASE("Principals name users by ARN or bare name; anonymous matches only '*'") {
  Policy p = Parse(R"({"Statement":{"Effect":"Allow","Principal":{"AWS":
      ["arn:aws:iam::123456789012:user/alice","bob"]},"Action":"s3:ListBucket",
      "Resource":"arn:aws:s3:::bkt"}})");
  CHECK(Decide(p, "s3:ListBucket", "arn:aws:s3:::bkt", {PrincipalKind::kUser, "alice", {}}) ==
        PolicyDecision::kAllow);
  CHECK(Decide(p, "s3:ListBucket", "arn:aws:s3:::bkt", {PrincipalKind::kUser, "bob", {}}) ==
        PolicyDecision::kAllow);
  CHECK(Decide(p, "s3:ListBucket", "arn:aws:s3:::bkt", {PrincipalKind::kUser, "eve", {}}) ==
        PolicyDecision::kImplicitDeny);
  CHECK(Decide(p, "s3:ListBucket", "arn:aws:s3:::bkt") == PolicyDecision::kImplicitDeny);
}

TEST_CASE("NotAction and NotResource invert the match") {
  Policy p = Parse(R"({"Statement":{"Effect":"Deny","Principal":"*","NotAction":"s3:Get*",
      "NotResource":"arn:aws:s3:::bkt/open/*"}})");
  CHECK(Decide(p, "s3:PutObject", "arn:aws:s3:::bkt/x") == PolicyDecision::kDeny);
  CHECK(Decide(p, "s3:GetObject", "arn:aws:s3:::bkt/x") == PolicyDecision::kImplicitDeny);
  CHECK(Decide(p, "s3:PutObject", "arn:aws:s3:::bkt/open/x") == PolicyDecision::kImplicitDeny);
}

TEST_CASE("String conditions: equals, like, their negations and IfExists") {
  Policy eq = Parse(Stmt(R"(,"Condition":{"StringEquals":{"s3:prefix":["a/","b/"]}})"));
  CHECK(Decide(eq, "s3:GetObject", "arn:aws:s3:::bkt/k", With("s3:prefix", "b/")) ==
        PolicyDecision::kAllow);
  CHECK(Decide(eq, "s3:GetObject", "arn:aws:s3:::bkt/k", With("s3:prefix", "c/")) ==
        PolicyDecision::kImplicitDeny);
  CHECK(Decide(eq, "s3:GetObject", "arn:aws:s3:::bkt/k") == PolicyDecision::kImplicitDeny);
  Policy ne = Parse(Stmt(R"(,"Condition":{"StringNotEquals":{"s3:prefix":"a/"}})"));
  CHECK(Decide(ne, "s3:GetObject", "arn:aws:s3:::bkt/k", With("s3:prefix", "a/")) ==
        PolicyDecision::kImplicitDeny);
  CHECK(Decide(ne, "s3:GetObject", "arn:aws:s3:::bkt/k") == PolicyDecision::kAllow);
  Policy like = Parse(Stmt(R"(,"Condition":{"StringLike":{"aws:UserAgent":"curl/*"}})"));
  CHECK(Decide(like, "s3:GetObject", "arn:aws:s3:::bkt/k", With("aws:useragent", "curl/8.0")) ==
        PolicyDecision::kAllow);
  Policy notlike = Parse(Stmt(R"(,"Condition":{"StringNotLike":{"aws:UserAgent":"curl/*"}})"));
  CHECK(Decide(notlike, "s3:GetObject", "arn:aws:s3:::bkt/k", With("aws:useragent", "curl/8.0")) ==
        PolicyDecision::kImplicitDeny);
  Policy if_exists =
      Parse(Stmt(R"(,"Condition":{"StringEqualsIfExists":{"s3:x-amz-acl":"private"}})"));
  CHECK(Decide(if_exists, "s3:GetObject", "arn:aws:s3:::bkt/k") == PolicyDecision::kAllow);
  CHECK(Decide(if_exists, "s3:GetObject", "arn:aws:s3:::bkt/k",
               With("s3:x-amz-acl", "public-read")) == PolicyDecision::kImplicitDeny);
}

TEST_CASE("IpAddress and NotIpAddress test CIDR ranges, IPv4 and IPv6") {
  Policy p =
      Parse(Stmt(R"(,"Condition":{"IpAddress":{"aws:SourceIp":["10.1.0.0/16","2001:db8::/32"]}})"));
  const auto from = [&](std::string ip) {
    return Decide(p, "s3:GetObject", "arn:aws:s3:::bkt/k", With("aws:sourceip", ip));
  };
  CHECK(from("10.1.200.3") == PolicyDecision::kAllow);
  CHECK(from("10.2.0.1") == PolicyDecision::kImplicitDeny);
  CHECK(from("2001:db8::1") == PolicyDecision::kAllow);
  CHECK(from("2001:db9::1") == PolicyDecision::kImplicitDeny);
  CHECK(from("::ffff:10.1.0.9") == PolicyDecision::kAllow);
  Policy n = Parse(Stmt(R"(,"Condition":{"NotIpAddress":{"aws:SourceIp":"127.0.0.1/32"}})"));
  CHECK(Decide(n, "s3:GetObject", "arn:aws:s3:::bkt/k", With("aws:sourceip", "127.0.0.1")) ==
        PolicyDecision::kImplicitDeny);
  CHECK(Decide(n, "s3:GetObject", "arn:aws:s3:::bkt/k", With("aws:sourceip", "127.0.0.2")) ==
        PolicyDecision::kAllow);
  CHECK_FALSE(ParsePolicy(Stmt(R"(,"Condition":{"IpAddress":{"s3:prefix":"1.2.3.4"}})"),
                          PolicyKind::kBucket, "bkt", nullptr)
                  .has_value());
}

TEST_CASE("Bool, Date, Numeric and Null conditions") {
  Policy tls = Parse(Stmt(R"(,"Condition":{"Bool":{"aws:SecureTransport":"true"}})"));
  CHECK(Decide(tls, "s3:GetObject", "arn:aws:s3:::bkt/k", With("aws:securetransport", "false")) ==
        PolicyDecision::kImplicitDeny);
  CHECK(Decide(tls, "s3:GetObject", "arn:aws:s3:::bkt/k", With("aws:securetransport", "true")) ==
        PolicyDecision::kAllow);
  Policy until =
      Parse(Stmt(R"(,"Condition":{"DateLessThan":{"aws:CurrentTime":"2030-01-01T00:00:00Z"}})"));
  CHECK(Decide(until, "s3:GetObject", "arn:aws:s3:::bkt/k",
               With("aws:currenttime", "2029-12-31T23:59:59.000Z")) == PolicyDecision::kAllow);
  CHECK(Decide(until, "s3:GetObject", "arn:aws:s3:::bkt/k",
               With("aws:currenttime", "2030-01-01T00:00:01.000Z")) ==
        PolicyDecision::kImplicitDeny);
  Policy after =
      Parse(Stmt(R"(,"Condition":{"DateGreaterThan":{"aws:CurrentTime":"2020-01-01"}})"));
  CHECK(Decide(after, "s3:GetObject", "arn:aws:s3:::bkt/k",
               With("aws:currenttime", "2021-01-01T00:00:00Z")) == PolicyDecision::kAllow);
  Policy keys = Parse(Stmt(R"(,"Condition":{"NumericLessThanEquals":{"s3:max-keys":"10"}})"));
  CHECK(Decide(keys, "s3:GetObject", "arn:aws:s3:::bkt/k", With("s3:max-keys", "10")) ==
        PolicyDecision::kAllow);
  CHECK(Decide(keys, "s3:GetObject", "arn:aws:s3:::bkt/k", With("s3:max-keys", "11")) ==
        PolicyDecision::kImplicitDeny);
  Policy null = Parse(Stmt(R"(,"Condition":{"Null":{"s3:x-amz-acl":"true"}})"));
  CHECK(Decide(null, "s3:GetObject", "arn:aws:s3:::bkt/k") == PolicyDecision::kAllow);
  CHECK(Decide(null, "s3:GetObject", "arn:aws:s3:::bkt/k", With("s3:x-amz-acl", "private")) ==
        PolicyDecision::kImplicitDeny);
  CHECK_FALSE(ParsePolicy(Stmt(R"(,"Condition":{"DateLessThan":{"aws:CurrentTime":"soon"}})"),
                          PolicyKind::kBucket, "bkt", nullptr)
                  .has_value());
}

TEST_CASE("ExistingObjectTag conditions and ${aws:username} variables") {
  Policy tag = Parse(Stmt(R"(,"Condition":{"StringEquals":{"s3:ExistingObjectTag/Project":"x"}})"));
  CHECK(Decide(tag, "s3:GetObject", "arn:aws:s3:::bkt/k",
               With("s3:existingobjecttag/project", "x")) == PolicyDecision::kAllow);
  CHECK(Decide(tag, "s3:GetObject", "arn:aws:s3:::bkt/k") == PolicyDecision::kImplicitDeny);
  Policy home = Parse(R"({"Statement":{"Effect":"Allow","Action":"s3:*",
      "Resource":"arn:aws:s3:::bkt/home/${aws:username}/*"}})",
                      PolicyKind::kUser);
  CHECK(Decide(home, "s3:PutObject", "arn:aws:s3:::bkt/home/alice/f",
               {PrincipalKind::kUser, "alice", {}}) == PolicyDecision::kAllow);
  CHECK(Decide(home, "s3:PutObject", "arn:aws:s3:::bkt/home/bob/f",
               {PrincipalKind::kUser, "alice", {}}) == PolicyDecision::kImplicitDeny);
}

TEST_CASE("Public policies are those granting '*' without an IP restriction") {
  CHECK(IsPublicPolicy(Parse(Stmt(""))));
  CHECK_FALSE(
      IsPublicPolicy(Parse(Stmt(R"(,"Condition":{"IpAddress":{"aws:SourceIp":"10.0.0.0/8"}})"))));
  CHECK_FALSE(IsPublicPolicy(Parse(R"({"Statement":{"Effect":"Allow","Principal":{"AWS":"bob"},
      "Action":"s3:*","Resource":"arn:aws:s3:::bkt/*"}})")));
}

TEST_CASE("Canned ACLs map onto policy statements") {
  Facts anon;
  Facts user{PrincipalKind::kUser, "alice", {}};
  Policy bucket_read = AclPolicy(CannedAcl::kPublicRead, "bkt", "");
  CHECK(Decide(bucket_read, "s3:ListBucket", "arn:aws:s3:::bkt", anon) == PolicyDecision::kAllow);
  CHECK(Decide(bucket_read, "s3:PutObject", "arn:aws:s3:::bkt/k", anon) ==
        PolicyDecision::kImplicitDeny);
  Policy rw = AclPolicy(CannedAcl::kPublicReadWrite, "bkt", "");
  CHECK(Decide(rw, "s3:PutObject", "arn:aws:s3:::bkt/k", anon) == PolicyDecision::kAllow);
  Policy object = AclPolicy(CannedAcl::kPublicRead, "bkt", "k");
  CHECK(Decide(object, "s3:GetObject", "arn:aws:s3:::bkt/k", anon) == PolicyDecision::kAllow);
  Policy auth = AclPolicy(CannedAcl::kAuthenticatedRead, "bkt", "k");
  CHECK(Decide(auth, "s3:GetObject", "arn:aws:s3:::bkt/k", anon) == PolicyDecision::kImplicitDeny);
  CHECK(Decide(auth, "s3:GetObject", "arn:aws:s3:::bkt/k", user) == PolicyDecision::kAllow);
  CHECK(AclPolicy(CannedAcl::kPrivate, "bkt", "").statements.empty());
  CHECK_FALSE(ParseCannedAcl("public").has_value());
}

TEST_CASE("Public access block XML and record round-trip") {
  auto pab = ParsePublicAccessBlockXml(
      "<PublicAccessBlockConfiguration><BlockPublicAcls>true</BlockPublicAcls>"
      "<RestrictPublicBuckets>true</RestrictPublicBuckets></PublicAccessBlockConfiguration>");
  REQUIRE(pab.has_value());
  CHECK(pab->block_public_acls);
  CHECK_FALSE(pab->ignore_public_acls);
  CHECK(pab->restrict_public_buckets);
  PublicAccessBlock back = DecodePublicAccessBlock(EncodePublicAccessBlock(*pab));
  CHECK(back.block_public_acls);
  CHECK_FALSE(back.block_public_policy);
  CHECK(back.restrict_public_buckets);
  CHECK(RenderPublicAccessBlockXml(back).find("<BlockPublicPolicy>false") != std::string::npos);
  CHECK_FALSE(ParsePublicAccessBlockXml("<PublicAccessBlockConfiguration><Bogus>true</Bogus></"
                                        "PublicAccessBlockConfiguration>")
                  .has_value());
}

}  // namespace strata::api
