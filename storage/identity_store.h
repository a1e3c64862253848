// Users, their access keys and their inline policies (issue 7), kept in the metadata index
// under "i/" (see README.md "Key layout"). Secret keys are sealed with AES-256-GCM under the
// master key (identity_crypto.h) and never leave this class except through FindAccessKey (for
// SigV4) and CreateAccessKey (once, to the caller who made the key). Policy documents are
// stored as given after a shape check; their language is evaluated elsewhere (api/).
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "storage/errors.h"
#include "storage/identity_crypto.h"
#include "storage/identity_errors.h"
#include "storage/metadata_store.h"

namespace strata::storage {

inline constexpr size_t kMaxAccessKeysPerUser = 10;
inline constexpr size_t kMaxPoliciesPerUser = 20;
inline constexpr size_t kMaxPolicyBytes = 6144;  // IAM's inline user policy limit

struct UserInfo {
  std::string name;
  int64_t created_ms = 0;
  size_t access_keys = 0;
  size_t policies = 0;
};

// What ListAccessKeys shows: never the secret.
struct AccessKeyInfo {
  std::string access_key;
  std::string user;
  bool enabled = true;
  int64_t created_ms = 0;
};

// A key just made: the only time its secret is handed out.
struct NewAccessKey {
  AccessKeyInfo info;
  std::string secret_key;
};

// What SigV4 needs of a key.
struct AccessKeySecret {
  std::string user;
  std::string secret_key;
  bool enabled = true;
};

struct IdentityStoreOptions {
  std::function<std::chrono::system_clock::time_point()> clock = [] {
    return std::chrono::system_clock::now();
  };
  size_t cache_entries = 4096;  // access keys and users' policy sets kept decoded in memory
};

// User and policy names: 1..64 (users) or 1..128 (policies) of [A-Za-z0-9+=,.@_-], as IAM.
bool IsValidUserName(std::string_view name);
bool IsValidPolicyName(std::string_view name);
// kMalformedPolicy unless `document` is at most kMaxPolicyBytes of JSON whose top level is an
// object with a string "Version" and a "Statement" that is an object or an array.
[[nodiscard]] boost::system::error_code ValidatePolicyDocument(std::string_view document);

// Thread-safe. Changes are serialized by one mutex (they are rare) and each is one atomic
// WriteBatch; lookups (FindAccessKey, UserPolicies) run on every request and are served from a
// bounded cache that every change clears. Errors: IdentityErrc as documented, or the index's
// own codes (storage::Errc::kUnavailable, kCorrupt, ...).
class IdentityStore {
 public:
  // Over `index` (not owned; must outlive the store). The first open of an index records a
  // check value sealed under `key`; later opens with another key fail with kMasterKeyMismatch,
  // so a lost or swapped key file is found at startup, not at the first request.
  [[nodiscard]] static Result<std::unique_ptr<IdentityStore>> Open(
      MetadataStore& index, MasterKey key, IdentityStoreOptions options = {});
  ~IdentityStore();

  // kInvalidUserName, kUserAlreadyExists.
  [[nodiscard]] boost::system::error_code CreateUser(std::string_view name);
  // Deletes the user with its access keys and policies in one batch. kNoSuchUser.
  [[nodiscard]] boost::system::error_code DeleteUser(std::string_view name);
  [[nodiscard]] Result<std::optional<UserInfo>> GetUser(std::string_view name);
  // By name (byte order).
  [[nodiscard]] Result<std::vector<UserInfo>> ListUsers();

  // A new key for the user: id "SK" + 18 base32 characters (90 random bits, unique), secret 40
  // characters of Base64 (240 random bits). kNoSuchUser, kAccessKeyLimitExceeded.
  [[nodiscard]] Result<NewAccessKey> CreateAccessKey(std::string_view user);
  // The user's keys by id. kNoSuchUser.
  [[nodiscard]] Result<std::vector<AccessKeyInfo>> ListAccessKeys(std::string_view user);
  [[nodiscard]] Result<AccessKeyInfo> GetAccessKey(std::string_view access_key);
  // kNoSuchAccessKey.
  [[nodiscard]] boost::system::error_code SetAccessKeyStatus(std::string_view access_key,
                                                             bool enabled);
  [[nodiscard]] boost::system::error_code DeleteAccessKey(std::string_view access_key);
  // The key's owner, secret and status; nullopt for an unknown key. kCannotDecrypt when the
  // sealed secret does not open (altered record). Cached.
  [[nodiscard]] Result<std::optional<AccessKeySecret>> FindAccessKey(std::string_view access_key);

  // Adds or replaces. kNoSuchUser, kInvalidPolicyName, kMalformedPolicy, kPolicyLimitExceeded.
  [[nodiscard]] boost::system::error_code PutUserPolicy(std::string_view user,
                                                        std::string_view name,
                                                        std::string_view document);
  // kNoSuchUser, kNoSuchPolicy.
  [[nodiscard]] Result<std::string> GetUserPolicy(std::string_view user, std::string_view name);
  [[nodiscard]] boost::system::error_code DeleteUserPolicy(std::string_view user,
                                                           std::string_view name);
  // Policy names by name. kNoSuchUser.
  [[nodiscard]] Result<std::vector<std::string>> ListUserPolicies(std::string_view user);
  // (name, document) of every policy of the user; empty for an unknown user. Cached.
  [[nodiscard]] Result<std::vector<std::pair<std::string, std::string>>> UserPolicies(
      std::string_view user);

 private:
  struct Impl;
  explicit IdentityStore(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace strata::storage
