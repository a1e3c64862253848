#include "server/identity_provider.h"

#include <string>

#include "server/log.h"

namespace strata::server {
namespace {

class StoreIdentityProvider final : public api::IdentityProvider {
 public:
  explicit StoreIdentityProvider(storage::IdentityStore& store) : store_(store) {}

  std::optional<api::AccessKeyRecord> FindAccessKey(std::string_view access_key) override {
    auto found = store_.FindAccessKey(access_key);
    if (!found) {
      // The key id is not secret (it travels in every request); the secret is never logged.
      Log(LogLevel::kError, "identity: cannot look up access key " + std::string(access_key) +
                                ": " + found.error().message());
      return std::nullopt;
    }
    if (!*found) return std::nullopt;
    return api::AccessKeyRecord{std::move((*found)->user), std::move((*found)->secret_key),
                                (*found)->enabled};
  }

  std::vector<std::string> UserPolicies(std::string_view user) override {
    auto policies = store_.UserPolicies(user);
    std::vector<std::string> out;
    if (!policies) {
      // No policies means nothing is allowed by them: failing closed.
      Log(LogLevel::kError, "identity: cannot read the policies of user " + std::string(user) +
                                ": " + policies.error().message());
      return out;
    }
    out.reserve(policies->size());
    for (auto& [name, document] : *policies) out.push_back(std::move(document));
    return out;
  }

  std::optional<std::vector<std::string>> UserNames() override {
    auto users = store_.ListUsers();
    if (!users) {
      Log(LogLevel::kError, "identity: cannot list users: " + users.error().message());
      return std::nullopt;
    }
    std::vector<std::string> names;
    names.reserve(users->size());
    for (auto& user : *users) names.push_back(std::move(user.name));
    return names;
  }

 private:
  storage::IdentityStore& store_;
};

}  // namespace

std::unique_ptr<api::IdentityProvider> NewStoreIdentityProvider(storage::IdentityStore& store) {
  return std::make_unique<StoreIdentityProvider>(store);
}

}  // namespace strata::server
