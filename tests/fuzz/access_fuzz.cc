// Fuzzes the access and configuration documents a bucket owner (or an attacker with a stolen
// key) can send: bucket and user policies, AccessControlPolicy bodies and x-amz-grant-* header
// values, the ACL records storage keeps, OwnershipControls, ServerSideEncryptionConfiguration,
// CORSConfiguration and PublicAccessBlockConfiguration. The first byte picks the parser; the rest
// is the input. Results are checked against each parser's documented bounds, and what we store
// or answer must parse again to the same thing.
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "api/acl.h"
#include "api/acl_grants.h"
#include "api/acl_ownership.h"
#include "api/cors_xml.h"
#include "api/encryption_xml.h"
#include "api/policy.h"

namespace {

namespace api = strata::api;

constexpr std::string_view kOwner =
    "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";

void Policy(std::string_view json, api::PolicyKind kind) {
  auto policy = api::ParsePolicy(json, kind, "fuzz-bucket", nullptr);
  if (policy && json.size() > api::kMaxPolicyBytes) __builtin_trap();
  if (policy) (void)api::IsPublicPolicy(*policy);
}

void AclDocument(std::string_view xml) {
  std::string message;
  auto acl = api::ParseAccessControlPolicy(xml, &message);
  if (!acl) return;
  if (acl->grants.size() > api::kMaxAclGrants) __builtin_trap();
  // The server stores only grants ValidateGrantees passed (hex ids, the three group URIs); the
  // record's line format relies on it (an id with a newline would split its line). Those
  // records must decode to the same grants.
  const api::GranteeDirectory directory{std::string(kOwner), std::nullopt};
  if (api::ValidateGrantees(*acl, directory, &message)) return;
  const std::string record = api::EncodeAclRecord(*acl, kOwner);
  auto back = api::DecodeAclRecord(record, kOwner, /*bucket_level=*/true);
  if (!record.empty() && back.grants.size() != acl->grants.size()) __builtin_trap();
}

void GrantHeader(std::string_view value) {
  std::vector<api::AclGrant> grants;
  std::string message;
  (void)api::ParseGrantHeader(value, api::AclPermission::kRead, grants, &message);
  if (grants.size() > api::kMaxAclGrants) __builtin_trap();
}

void AclRecord(std::string_view record) {
  // Records come from the index, but an old or damaged one must never crash a request.
  auto acl = api::DecodeAclRecord(record, kOwner, /*bucket_level=*/false);
  (void)api::EncodeAclRecord(acl, kOwner);
}

void Ownership(std::string_view xml) {
  auto ownership = api::ParseOwnershipControlsXml(xml);
  if (!ownership) return;
  auto again = api::ParseOwnershipControlsXml(api::RenderOwnershipControlsXml(*ownership));
  if (!again || *again != *ownership) __builtin_trap();
}

void Encryption(std::string_view xml) {
  std::string message;
  auto config = api::ParseEncryptionConfiguration(xml, &message);
  if (!config) return;
  auto again =
      api::ParseEncryptionConfiguration(api::RenderEncryptionConfiguration(*config), &message);
  if (!again) __builtin_trap();
}

void Cors(std::string_view xml) {
  auto parsed = api::ParseCorsConfiguration(xml);
  const auto* config = std::get_if<strata::storage::CorsConfiguration>(&parsed);
  if (config != nullptr && (config->rules.empty() || config->rules.size() > api::kMaxCorsRules)) {
    __builtin_trap();
  }
}

void PublicAccessBlock(std::string_view xml) {
  auto pab = api::ParsePublicAccessBlockXml(xml);
  if (!pab) return;
  auto again = api::ParsePublicAccessBlockXml(api::RenderPublicAccessBlockXml(*pab));
  if (!again || api::EncodePublicAccessBlock(*again) != api::EncodePublicAccessBlock(*pab)) {
    __builtin_trap();
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  std::string_view input(reinterpret_cast<const char*>(data) + 1, size - 1);
  switch (data[0] % 9) {
    case 0:
      Policy(input, api::PolicyKind::kBucket);
      break;
    case 1:
      Policy(input, api::PolicyKind::kUser);
      break;
    case 2:
      AclDocument(input);
      break;
    case 3:
      GrantHeader(input);
      break;
    case 4:
      AclRecord(input);
      break;
    case 5:
      Ownership(input);
      break;
    case 6:
      Encryption(input);
      break;
    case 7:
      Cors(input);
      break;
    default:
      PublicAccessBlock(input);
      break;
  }
  return 0;
}
