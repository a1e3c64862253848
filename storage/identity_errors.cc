// The "identity" error category.
#include "storage/identity_errors.h"

#include <string>

namespace strata::storage {
namespace {

class IdentityErrorCategory final : public boost::system::error_category {
 public:
  const char* name() const noexcept override { return "identity"; }

  std::string message(int ev) const override {
    switch (static_cast<IdentityErrc>(ev)) {
      case IdentityErrc::kOk:
        return "success";
      case IdentityErrc::kInvalidUserName:
        return "invalid user name (1 to 64 of A-Z a-z 0-9 + = , . @ _ -)";
      case IdentityErrc::kUserAlreadyExists:
        return "the user already exists";
      case IdentityErrc::kNoSuchUser:
        return "no such user";
      case IdentityErrc::kNoSuchAccessKey:
        return "no such access key";
      case IdentityErrc::kAccessKeyLimitExceeded:
        return "the user has the maximum number of access keys";
      case IdentityErrc::kInvalidPolicyName:
        return "invalid policy name (1 to 128 of A-Z a-z 0-9 + = , . @ _ -)";
      case IdentityErrc::kMalformedPolicy:
        return "malformed policy document";
      case IdentityErrc::kPolicyLimitExceeded:
        return "the user has the maximum number of policies";
      case IdentityErrc::kNoSuchPolicy:
        return "no such user policy";
      case IdentityErrc::kCannotDecrypt:
        return "cannot decrypt a stored secret (wrong master key, or the record was altered)";
      case IdentityErrc::kBadMasterKeyFile:
        return "unusable identity master key file";
      case IdentityErrc::kMasterKeyMismatch:
        return "the identity master key is not the one that encrypted the stored secrets";
    }
    return "identity error " + std::to_string(ev);
  }
};

}  // namespace

const boost::system::error_category& IdentityCategory() {
  static const IdentityErrorCategory category;
  return category;
}

}  // namespace strata::storage
