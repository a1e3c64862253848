// The AWS access policy language (bucket policies and user policies): parsing and evaluation.
// A Policy is parsed once from JSON (strict, bounded) and evaluated against the facts of one
// request. Evaluation follows IAM's logic: an explicit Deny in any policy wins, then any Allow;
// otherwise the request is implicitly denied.
#pragma once

#include <cstddef>
#include <functional>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "api/identity.h"
#include "api/s3_errors.h"

namespace strata::api {

// AWS's limit on a bucket policy document; user policies share it here.
inline constexpr size_t kMaxPolicyBytes = 20 * 1024;

enum class PolicyEffect { kAllow, kDeny };

// Who a statement names (Principal / NotPrincipal).
struct PolicyPrincipals {
  bool everyone = false;             // "*" or {"AWS": "*"}: anonymous and every signer
  bool authenticated_users = false;  // canned ACLs only (AuthenticatedUsers): every signer
  bool root = false;                 // the account root ARN or the bare account id
  std::vector<std::string> users;    // user names (from user ARNs or bare names)
};

// One condition test: `op` (StringEquals, ...) on `key` (lower-case) against `values`.
struct PolicyCondition {
  std::string op;          // the base operator, without IfExists or a set prefix
  bool if_exists = false;  // "...IfExists": true when the key is absent
  enum class SetOp { kNone, kForAnyValue, kForAllValues } set_op = SetOp::kNone;
  std::string key;  // lower-case ("aws:sourceip", "s3:existingobjecttag/project")
  std::vector<std::string> values;
};

struct PolicyStatement {
  std::string sid;
  PolicyEffect effect = PolicyEffect::kAllow;
  // Absent in user policies (the principal is the user the policy is attached to).
  std::optional<PolicyPrincipals> principals;
  bool not_principal = false;
  std::vector<std::string> actions;  // lower-case patterns ("s3:get*")
  bool not_action = false;
  std::vector<std::string> resources;  // ARN patterns, case-sensitive
  bool not_resource = false;
  std::vector<PolicyCondition> conditions;  // all must hold
};

struct Policy {
  std::string version;
  std::vector<PolicyStatement> statements;
};

enum class PolicyKind {
  kBucket,  // Principal required; every Resource must be in the bucket
  kUser,    // Principal forbidden
};

// Parses a policy document. Errors: MalformedPolicy with an AWS-like message in *message
// ("Policy has invalid action", "Invalid principal in policy", ...). Bounded: documents over
// kMaxPolicyBytes, too deep or with too many statements are refused. `bucket` is the bucket a
// kBucket policy is attached to (its Resources must name it). Never throws.
Result<Policy> ParsePolicy(std::string_view json, PolicyKind kind, std::string_view bucket,
                           std::string* message);

// True if the policy grants anything to everyone ("*") without a condition that narrows the
// callers (aws:SourceIp): what Block/RestrictPublicBuckets call a public policy.
bool IsPublicPolicy(const Policy& policy);

// The facts of one request the evaluator needs. Condition values are looked up lazily (an
// object's tags are fetched only when a statement asks for s3:ExistingObjectTag/...).
struct PolicyRequest {
  PrincipalKind principal = PrincipalKind::kAnonymous;
  std::string user;      // for kUser
  std::string action;    // "s3:GetObject"
  std::string resource;  // "arn:aws:s3:::bucket/key" or "arn:aws:s3:::bucket"
  // The values of a lower-case condition key; nullopt when the request has no such key.
  std::function<std::optional<std::vector<std::string>>(std::string_view key)> lookup;
};

enum class PolicyDecision { kImplicitDeny, kAllow, kDeny };

// Evaluates one policy. Statements with a Principal match only the principals they name;
// statements without one (user policies) match any principal.
PolicyDecision Evaluate(const Policy& policy, const PolicyRequest& request);

// Combines several policies: any kDeny wins, then any kAllow, else kImplicitDeny.
PolicyDecision Evaluate(std::span<const Policy* const> policies, const PolicyRequest& request);

// Glob match with '*' (any run) and '?' (one character); case-insensitive if asked. Iterative,
// linear in practice (no backtracking blow-up).
bool WildcardMatch(std::string_view pattern, std::string_view text, bool ignore_case = false);

}  // namespace strata::api
