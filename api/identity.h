// Who may sign requests, and the policies attached to them (issue 7). api/ asks an
// IdentityProvider (implemented over storage's identity store, wired in server/) for the secret
// of an access key and for a user's policies; the root user of ApiConfig is always known.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace strata::api {

// One access key of a user, as SigV4 needs it.
struct AccessKeyRecord {
  std::string user;        // the owning user's name
  std::string secret_key;  // plaintext, for the HMAC (stored encrypted at rest)
  bool enabled = true;     // disabled keys authenticate nothing (InvalidAccessKeyId)
};

// Thread-safe. Lookups run on every request: implementations cache.
class IdentityProvider {
 public:
  virtual ~IdentityProvider() = default;
  virtual std::optional<AccessKeyRecord> FindAccessKey(std::string_view access_key) = 0;
  // The user's attached policy documents (JSON, the AWS policy language), possibly none.
  virtual std::vector<std::string> UserPolicies(std::string_view user) = 0;
  // Every user's name, to resolve the canonical user ids of ACL grants (api/acl_grants.h). nullopt
  // when the provider cannot list them: any well-formed id is then accepted, and shown without a
  // DisplayName.
  virtual std::optional<std::vector<std::string>> UserNames() { return std::nullopt; }
};

// Who signed a request.
enum class PrincipalKind {
  kRoot,       // ApiConfig::root: allowed everything (bucket policies cannot lock it out)
  kUser,       // a user of the IdentityProvider: allowed what its policies and the bucket's grant
  kAnonymous,  // no signature: allowed only what a bucket policy grants to "*"
};

}  // namespace strata::api
