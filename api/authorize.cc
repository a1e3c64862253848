// Authorization: the IAM action of each operation, the facts conditions test, and the decision
// over user policies, the bucket policy, canned ACLs and the public access block.
#include "api/authorize.h"

#include <map>
#include <memory>

#include "api/acl.h"
#include "api/acl_grants.h"
#include "api/acl_request.h"
#include "api/copy_handlers.h"
#include "api/governance_xml.h"
#include "api/http_date.h"
#include "api/policy.h"
#include "api/policy_cache.h"
#include "api/request_headers.h"

namespace strata::api {
namespace {

struct BucketDocs {
  bool exists = false;
  std::shared_ptr<const Policy> policy;
  bool policy_public = false;
  AccessControlList acl;  // the owner's full control when none is stored
  std::optional<ObjectOwnership> ownership;
  PublicAccessBlock pab;
};

// Operations on an object whose permission an object ACL can grant.
bool IsObjectAclAction(std::string_view action) {
  return action == "s3:GetObject" || action == "s3:GetObjectVersion" ||
         action == "s3:GetObjectAcl" || action == "s3:GetObjectVersionAcl" ||
         action == "s3:PutObjectAcl" || action == "s3:PutObjectVersionAcl";
}

class Authorizer final : public AccessChecker {
 public:
  Authorizer(storage::ObjectStore& store, const ApiConfig& config,
             const http::request_header<>& request, const ParsedTarget& target,
             const RequestContext& context, const AuthContext& auth)
      : store_(store),
        context_(context),
        principal_(auth.principal),
        user_(auth.user),
        presigned_(auth.presigned),
        owner_id_(RootOwner(config).id),
        now_(config.clock()) {
    // Copies what conditions read: the checker may outlive the request header it was made from.
    for (const auto& field : request) {
      headers_.emplace(AsciiLower(field.name_string()), std::string(field.value()));
    }
    for (const auto& [name, value] : target.query) query_.emplace(name, value);
    if (principal_ == PrincipalKind::kUser && config.identities != nullptr) {
      for (const std::string& doc : config.identities->UserPolicies(user_)) {
        // A stored user policy that no longer parses grants nothing.
        if (auto p = CachedPolicy(doc, PolicyKind::kUser, {})) user_policies_.push_back(p);
      }
    }
  }

  bool Allowed(std::string_view action, const std::string& bucket, const std::string& key,
               const std::string& version_id) const override {
    if (principal_ == PrincipalKind::kRoot) return true;
    std::string resource = "arn:aws:s3:::" + bucket;
    if (!key.empty()) resource += "/" + key;
    if (bucket.empty()) resource = "arn:aws:s3:::*";
    PolicyRequest r;
    r.principal = principal_;
    r.user = user_;
    r.action = std::string(action);
    r.resource = resource;
    r.lookup = [this, &bucket, &key, &version_id](std::string_view k) {
      return Lookup(k, bucket, key, version_id);
    };
    const BucketDocs* docs = bucket.empty() ? nullptr : &Docs(bucket);
    std::vector<const Policy*> policies;
    for (const auto& p : user_policies_) policies.push_back(p.get());
    if (docs != nullptr && docs->policy) {
      // RestrictPublicBuckets: a public policy serves only principals of the account.
      if (!(principal_ == PrincipalKind::kAnonymous && docs->pab.restrict_public_buckets &&
            docs->policy_public)) {
        policies.push_back(&*docs->policy);
      }
    }
    PolicyDecision decision = Evaluate(policies, r);
    if (decision != PolicyDecision::kImplicitDeny) return decision == PolicyDecision::kAllow;
    // Then the ACLs, as statements of their own: an explicit Deny above has already won.
    if (docs == nullptr || !docs->exists ||
        docs->ownership == ObjectOwnership::kBucketOwnerEnforced) {
      return false;  // BucketOwnerEnforced: ACLs are disabled
    }
    GrantPrincipals who;
    who.owner_id = owner_id_;
    if (principal_ == PrincipalKind::kUser) who.users.emplace(CanonicalUserId(user_), user_);
    who.ignore_public = docs->pab.ignore_public_acls;
    if (Evaluate(AclGrantsPolicy(docs->acl, bucket, {}, who), r) == PolicyDecision::kAllow) {
      return true;
    }
    if (!key.empty() && IsObjectAclAction(action)) {
      auto record = store_.GetObjectAcl(bucket, key, version_id);
      if (!record || record->empty()) return false;
      AccessControlList acl = DecodeAclRecord(*record, owner_id_, /*bucket_level=*/false);
      return Evaluate(AclGrantsPolicy(acl, bucket, key, who), r) == PolicyDecision::kAllow;
    }
    return false;
  }

  const BucketDocs& Docs(const std::string& bucket) const {
    auto it = docs_.find(bucket);
    if (it != docs_.end()) return it->second;
    BucketDocs& d = docs_[bucket];
    auto policy = store_.GetBucketAccess(bucket, storage::BucketAccessKind::kPolicy);
    if (!policy) return d;  // no bucket (or unreadable): no grants
    d.exists = true;
    if (policy->has_value()) {
      if (auto p = CachedPolicy(**policy, PolicyKind::kBucket, bucket)) {
        d.policy_public = IsPublicPolicy(*p);
        d.policy = std::move(p);
      }
    }
    if (auto acl = store_.GetBucketAccess(bucket, storage::BucketAccessKind::kAcl);
        acl && acl->has_value()) {
      d.acl = DecodeAclRecord(**acl, owner_id_, /*bucket_level=*/true);
    }
    if (auto ownership = LoadOwnership(store_, bucket)) d.ownership = *ownership;
    if (auto pab = store_.GetBucketAccess(bucket, storage::BucketAccessKind::kPublicAccessBlock);
        pab && pab->has_value()) {
      d.pab = DecodePublicAccessBlock(**pab);
    }
    return d;
  }

  const PublicAccessBlock& Pab(const std::string& bucket) const { return Docs(bucket).pab; }

 private:
  using Values = std::optional<std::vector<std::string>>;

  Values One(std::string value) const { return std::vector<std::string>{std::move(value)}; }

  Values HeaderOf(const std::string& name) const {
    auto it = headers_.find(name);
    if (it == headers_.end()) return std::nullopt;
    return One(it->second);
  }

  Values QueryOf(const std::string& name) const {
    auto it = query_.find(name);
    if (it == query_.end()) return std::nullopt;
    return One(it->second);
  }

  Values Lookup(std::string_view key, const std::string& bucket, const std::string& object,
                const std::string& version_id) const {
    if (key == "aws:sourceip") return One(context_.remote_address);
    if (key == "aws:securetransport") return One(context_.secure ? "true" : "false");
    if (key == "aws:currenttime") return One(FormatIso8601(now_));
    if (key == "aws:epochtime") {
      return One(std::to_string(
          std::chrono::duration_cast<std::chrono::seconds>(now_.time_since_epoch()).count()));
    }
    if (key == "aws:username" || key == "aws:userid") {
      if (principal_ != PrincipalKind::kUser) return std::nullopt;
      return One(user_);
    }
    if (key == "aws:principaltype") {
      return One(principal_ == PrincipalKind::kAnonymous ? "Anonymous"
                 : principal_ == PrincipalKind::kUser    ? "User"
                                                         : "Account");
    }
    if (key == "aws:referer") return HeaderOf("referer");
    if (key == "aws:useragent") return HeaderOf("user-agent");
    if (key == "s3:prefix") return QueryOf("prefix");
    if (key == "s3:delimiter") return QueryOf("delimiter");
    if (key == "s3:max-keys") return QueryOf("max-keys");
    if (key == "s3:versionid") return QueryOf("versionId");
    if (key == "s3:signatureversion") {
      if (principal_ == PrincipalKind::kAnonymous) return std::nullopt;
      return One("AWS4-HMAC-SHA256");
    }
    if (key == "s3:authtype") {
      if (principal_ == PrincipalKind::kAnonymous) return std::nullopt;
      return One(presigned_ ? "REST-QUERY-STRING" : "REST-HEADER");
    }
    if (key == "s3:object-lock-mode") return HeaderOf("x-amz-object-lock-mode");
    if (key == "s3:object-lock-retain-until-date") {
      return HeaderOf("x-amz-object-lock-retain-until-date");
    }
    if (key == "s3:object-lock-legal-hold") return HeaderOf("x-amz-object-lock-legal-hold");
    if (key.starts_with("s3:x-amz-")) return HeaderOf(std::string(key.substr(3)));
    // The tags a write asks for (x-amz-tagging on PutObject, CreateMultipartUpload, copies), so
    // policies can require or forbid tags on new objects. An undecodable header has none here;
    // the handler refuses it.
    constexpr std::string_view kRequestTag = "s3:requestobjecttag/";
    if (key.starts_with(kRequestTag) || key == "s3:requestobjecttagkeys") {
      auto header = HeaderOf("x-amz-tagging");
      if (!header) return std::nullopt;
      auto tags = ParseTaggingHeader(header->front());
      if (!tags) return std::nullopt;
      std::vector<std::string> found;
      for (const auto& [k, v] : *tags) {
        if (key == "s3:requestobjecttagkeys") {
          found.push_back(k);
        } else if (AsciiLower(k) == key.substr(kRequestTag.size())) {
          found.push_back(v);
        }
      }
      if (found.empty()) return std::nullopt;
      return found;
    }
    constexpr std::string_view kTag = "s3:existingobjecttag/";
    if (key.starts_with(kTag) && !object.empty()) {
      // Fetched only when a statement asks; condition keys are lower-case, tag keys are not.
      auto tags = store_.GetObjectTagging(bucket, object, version_id);
      if (!tags) return std::nullopt;
      std::string_view wanted = key.substr(kTag.size());
      for (const auto& [k, v] : tags->tags) {
        if (AsciiLower(k) == wanted) return One(v);
      }
      return std::nullopt;
    }
    return std::nullopt;
  }

  storage::ObjectStore& store_;
  const RequestContext context_;
  const PrincipalKind principal_;
  const std::string user_;
  const bool presigned_;
  const std::string owner_id_;
  const std::chrono::system_clock::time_point now_;
  std::map<std::string, std::string> headers_;
  std::map<std::string, std::string> query_;
  std::vector<std::shared_ptr<const Policy>> user_policies_;
  mutable std::map<std::string, BucketDocs> docs_;
};

bool HasVersion(const ParsedTarget& target) { return target.HasQuery("versionId"); }

}  // namespace

bool IsAnonymousRequest(const http::request_header<>& request, const ParsedTarget& target) {
  if (request.find(http::field::authorization) != request.end()) return false;
  for (std::string_view q :
       {"X-Amz-Algorithm", "X-Amz-Signature", "X-Amz-Credential", "AWSAccessKeyId", "Signature"}) {
    if (target.HasQuery(q)) return false;
  }
  return true;
}

AuthContext AnonymousAuthContext() {
  AuthContext auth;
  auth.principal = PrincipalKind::kAnonymous;
  auth.payload = PayloadKind::kUnsigned;
  return auth;
}

std::string ActionFor(const Route& route, const ParsedTarget& target) {
  const bool v = HasVersion(target);
  switch (route.operation) {
    case Operation::kListBuckets:
      return "s3:ListAllMyBuckets";
    case Operation::kCreateBucket:
      return "s3:CreateBucket";
    case Operation::kHeadBucket:
    case Operation::kListObjects:
    case Operation::kListObjectsV2:
      return "s3:ListBucket";
    case Operation::kDeleteBucket:
      return "s3:DeleteBucket";
    case Operation::kGetBucketLocation:
      return "s3:GetBucketLocation";
    case Operation::kPutObject:
    case Operation::kPostObject:  // the form's key, authorized by PostObject
    case Operation::kCopyObject:
    case Operation::kCreateMultipartUpload:
    case Operation::kUploadPart:
    case Operation::kUploadPartCopy:
    case Operation::kCompleteMultipartUpload:
      return "s3:PutObject";
    case Operation::kGetObject:
    case Operation::kHeadObject:
      return v ? "s3:GetObjectVersion" : "s3:GetObject";
    case Operation::kDeleteObject:
      return v ? "s3:DeleteObjectVersion" : "s3:DeleteObject";
    case Operation::kGetObjectAttributes:
      return v ? "s3:GetObjectVersionAttributes" : "s3:GetObjectAttributes";
    case Operation::kAbortMultipartUpload:
      return "s3:AbortMultipartUpload";
    case Operation::kListParts:
      return "s3:ListMultipartUploadParts";
    case Operation::kListMultipartUploads:
      return "s3:ListBucketMultipartUploads";
    case Operation::kPutBucketVersioning:
      return "s3:PutBucketVersioning";
    case Operation::kGetBucketVersioning:
      return "s3:GetBucketVersioning";
    case Operation::kListObjectVersions:
      return "s3:ListBucketVersions";
    case Operation::kPutObjectTagging:
      return v ? "s3:PutObjectVersionTagging" : "s3:PutObjectTagging";
    case Operation::kGetObjectTagging:
      return v ? "s3:GetObjectVersionTagging" : "s3:GetObjectTagging";
    case Operation::kDeleteObjectTagging:
      return v ? "s3:DeleteObjectVersionTagging" : "s3:DeleteObjectTagging";
    case Operation::kPutBucketTagging:
    case Operation::kDeleteBucketTagging:
      return "s3:PutBucketTagging";
    case Operation::kGetBucketTagging:
      return "s3:GetBucketTagging";
    case Operation::kPutObjectLockConfiguration:
      return "s3:PutBucketObjectLockConfiguration";
    case Operation::kGetObjectLockConfiguration:
      return "s3:GetBucketObjectLockConfiguration";
    case Operation::kPutObjectRetention:
      return "s3:PutObjectRetention";
    case Operation::kGetObjectRetention:
      return "s3:GetObjectRetention";
    case Operation::kPutObjectLegalHold:
      return "s3:PutObjectLegalHold";
    case Operation::kGetObjectLegalHold:
      return "s3:GetObjectLegalHold";
    case Operation::kPutBucketLifecycleConfiguration:
    case Operation::kDeleteBucketLifecycle:
      return "s3:PutLifecycleConfiguration";
    case Operation::kGetBucketLifecycleConfiguration:
      return "s3:GetLifecycleConfiguration";
    case Operation::kPutBucketCors:
    case Operation::kDeleteBucketCors:
      return "s3:PutBucketCORS";
    case Operation::kGetBucketCors:
      return "s3:GetBucketCORS";
    case Operation::kPutBucketPolicy:
      return "s3:PutBucketPolicy";
    case Operation::kGetBucketPolicy:
      return "s3:GetBucketPolicy";
    case Operation::kDeleteBucketPolicy:
      return "s3:DeleteBucketPolicy";
    case Operation::kGetBucketPolicyStatus:
      return "s3:GetBucketPolicyStatus";
    case Operation::kPutBucketAcl:
      return "s3:PutBucketAcl";
    case Operation::kGetBucketAcl:
      return "s3:GetBucketAcl";
    case Operation::kPutObjectAcl:
      return v ? "s3:PutObjectVersionAcl" : "s3:PutObjectAcl";
    case Operation::kGetObjectAcl:
      return v ? "s3:GetObjectVersionAcl" : "s3:GetObjectAcl";
    case Operation::kPutPublicAccessBlock:
    case Operation::kDeletePublicAccessBlock:
      return "s3:PutBucketPublicAccessBlock";
    case Operation::kGetPublicAccessBlock:
      return "s3:GetBucketPublicAccessBlock";
    case Operation::kPutBucketEncryption:
    case Operation::kDeleteBucketEncryption:
      return "s3:PutEncryptionConfiguration";
    case Operation::kGetBucketEncryption:
      return "s3:GetEncryptionConfiguration";
    case Operation::kPutBucketOwnershipControls:
    case Operation::kDeleteBucketOwnershipControls:
      return "s3:PutBucketOwnershipControls";
    case Operation::kGetBucketOwnershipControls:
      return "s3:GetBucketOwnershipControls";
    case Operation::kDeleteObjects:
    case Operation::kPreflightCors:
    case Operation::kUnsupported:
      return {};
  }
  return {};
}

boost::system::error_code Authorize(storage::ObjectStore& store, const ApiConfig& config,
                                    const http::request_header<>& request,
                                    const ParsedTarget& target, const Route& route,
                                    const RequestContext& context, AuthContext& auth,
                                    std::string* message) {
  auto checker = std::make_shared<Authorizer>(store, config, request, target, context, auth);
  auth.access = checker;
  const bool anonymous = auth.principal == PrincipalKind::kAnonymous;
  const auto denied = [] { return make_error_code(S3Errc::kAccessDenied); };
  if (route.operation == Operation::kUnsupported) {
    return anonymous ? denied() : boost::system::error_code();
  }

  // An ACL on a write (x-amz-acl or x-amz-grant-*): well-formed, not public where the bucket
  // blocks public ACLs, none beyond the owner's where the bucket disables ACLs.
  const Operation op = route.operation;
  const bool takes_acl = op == Operation::kCreateBucket || op == Operation::kPutObject ||
                         op == Operation::kCopyObject || op == Operation::kCreateMultipartUpload ||
                         op == Operation::kPutBucketAcl || op == Operation::kPutObjectAcl;
  std::optional<AccessControlList> request_acl;
  if (takes_acl) {
    auto acl = ReadRequestAcl(request, MakeRequestGranteeDirectory(config, request),
                              route.key.empty(), message);
    if (!acl) return anonymous ? denied() : acl.error();
    request_acl = std::move(*acl);
  }
  if (request_acl && op != Operation::kCreateBucket) {
    if (HasPublicGrant(*request_acl) && checker->Pab(route.bucket).block_public_acls) {
      if (message) *message = "Access Denied because of BlockPublicAcls";
      return denied();
    }
    if (auto ec = CheckAclAllowed(checker->Docs(route.bucket).ownership, *request_acl,
                                  RootOwner(config).id, message)) {
      return anonymous ? denied() : ec;
    }
  }
  if (op == Operation::kCreateBucket) {
    if (auto ownership = HeaderValue(request, "x-amz-object-ownership")) {
      auto o = ParseObjectOwnership(TrimSpaces(*ownership));
      if (!o) {
        if (anonymous) return denied();
        if (message) *message = "Invalid x-amz-object-ownership header: " + std::string(*ownership);
        return make_error_code(S3Errc::kInvalidArgument);
      }
      if (*o == ObjectOwnership::kBucketOwnerEnforced && request_acl &&
          !IsOwnerOnly(*request_acl, RootOwner(config).id)) {
        return anonymous ? denied() : make_error_code(S3Errc::kInvalidBucketAclWithObjectOwnership);
      }
    }
  }

  if (auth.principal == PrincipalKind::kRoot) return {};

  if (route.operation == Operation::kDeleteObjects) {
    // Checked per key by the handler; an anonymous caller must not learn the bucket is absent.
    if (anonymous && !checker->Docs(route.bucket).exists) return denied();
    return {};
  }
  const std::string version = std::string(target.Query("versionId").value_or(""));
  const std::string action = ActionFor(route, target);
  if (!checker->Allowed(action, route.bucket, route.key, version)) return denied();
  if (request_acl && !route.key.empty() && op != Operation::kPutObjectAcl &&
      !checker->Allowed("s3:PutObjectAcl", route.bucket, route.key, {})) {
    return denied();
  }
  if (route.operation == Operation::kCopyObject || route.operation == Operation::kUploadPartCopy) {
    auto header = HeaderValue(request, "x-amz-copy-source");
    if (!header) return {};  // the handler reports the malformed request
    auto source = ParseCopySource(*header, nullptr);
    if (!source) return anonymous ? denied() : boost::system::error_code();
    if (!checker->Allowed(source->version_id.empty() ? "s3:GetObject" : "s3:GetObjectVersion",
                          source->bucket, source->key, source->version_id)) {
      return denied();
    }
  }
  return {};
}

boost::system::error_code ApplyRequestAcl(HandlerContext& ctx, const Response& response) {
  const Operation op = ctx.route.operation;
  if (op != Operation::kCreateBucket && op != Operation::kPutObject &&
      op != Operation::kCopyObject) {
    return {};
  }
  const GranteeDirectory directory = MakeRequestGranteeDirectory(ctx.config, ctx.request);
  if (op == Operation::kCreateBucket) {
    // Checked by Authorize before the bucket was made.
    if (auto header = HeaderValue(ctx.request, "x-amz-object-ownership")) {
      if (auto o = ParseObjectOwnership(TrimSpaces(*header))) {
        if (auto ec = ctx.store.PutBucketAccess(
                ctx.route.bucket, storage::BucketAccessKind::kOwnership, EncodeOwnership(*o))) {
          return ec;
        }
      }
    }
  }
  auto acl = ReadRequestAcl(ctx.request, directory, op == Operation::kCreateBucket, nullptr);
  if (!acl || !*acl) return {};  // Authorize refused a bad one before the write
  const std::string record = EncodeAclRecord(**acl, directory.owner_id);
  if (record.empty()) return {};  // the owner's full control is what there is without a record
  if (op == Operation::kCreateBucket) {
    return ctx.store.PutBucketAccess(ctx.route.bucket, storage::BucketAccessKind::kAcl, record);
  }
  std::string version = "null";
  if (auto it = response.header.find("x-amz-version-id"); it != response.header.end()) {
    version = std::string(it->value());
  }
  auto set = ctx.store.PutObjectAcl(ctx.route.bucket, ctx.route.key, version, record);
  return set ? boost::system::error_code() : set.error();
}

}  // namespace strata::api
