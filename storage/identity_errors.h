// Error codes of the identity store (users, access keys, user policies; issue 7). They travel
// as boost::system::error_code in their own category "identity"; server/'s admin API maps them
// to JSON errors. Index failures keep their storage::Errc codes (kUnavailable, kCorrupt).
#pragma once

#include <boost/system/error_code.hpp>
#include <type_traits>

namespace strata::storage {

enum class IdentityErrc {
  kOk = 0,
  kInvalidUserName = 1,     // not 1..64 of [A-Za-z0-9+=,.@_-] (400)
  kUserAlreadyExists,       // (409)
  kNoSuchUser,              // (404)
  kNoSuchAccessKey,         // (404)
  kAccessKeyLimitExceeded,  // kMaxAccessKeysPerUser reached (409)
  kInvalidPolicyName,       // not 1..128 of [A-Za-z0-9+=,.@_-] (400)
  kMalformedPolicy,         // not a JSON object with "Version" and "Statement", or too large (400)
  kPolicyLimitExceeded,     // kMaxPoliciesPerUser reached (409)
  kNoSuchPolicy,            // (404)
  kCannotDecrypt,           // a sealed secret failed authentication: wrong master key or tampered
  kBadMasterKeyFile,        // missing parent, wrong size, too open permissions, unreadable
  kMasterKeyMismatch,       // the index's secrets were sealed under another master key
};

const boost::system::error_category& IdentityCategory();

inline boost::system::error_code make_error_code(IdentityErrc e) {
  return {static_cast<int>(e), IdentityCategory()};
}

}  // namespace strata::storage

template <>
struct boost::system::is_error_code_enum<strata::storage::IdentityErrc> : std::true_type {};
