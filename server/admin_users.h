// The user administration endpoints of the admin API (issue 7), under /strata/admin/v1/:
//   GET    users                          {"users": [UserJson...]}
//   PUT    users/NAME                     create: 201 UserJson
//   GET    users/NAME                     UserJson
//   DELETE users/NAME                     with its keys and policies: 204
//   GET    users/NAME/keys                {"user", "access_keys": [KeyJson...]}
//   POST   users/NAME/keys                a new key: 201 KeyJson + "secret_access_key" (the only
//                                         time the secret is shown)
//   GET    keys/ID                        KeyJson
//   PUT    keys/ID?status=enabled|disabled  KeyJson
//   DELETE keys/ID                        204
//   GET    users/NAME/policies            {"user", "policies": [NAME...]}
//   PUT    users/NAME/policies/POLICY     body: the policy document (JSON, <= 6 KiB): 204
//   GET    users/NAME/policies/POLICY     the document as stored
//   DELETE users/NAME/policies/POLICY     204
// UserJson = {"name", "created", "access_keys", "policies"}; KeyJson = {"access_key_id", "user",
// "status": "enabled"|"disabled", "created"}; times ISO 8601 UTC. Errors are {"error", "message"}:
// 400 InvalidUserName/InvalidPolicyName/MalformedPolicy/InvalidArgument, 404 NoSuchUser/
// NoSuchAccessKey/NoSuchUserPolicy, 409 UserAlreadyExists/LimitExceeded, 503, 500.
// Authentication (root only) is admin_handler.cc's; this file routes and runs the operations.
#pragma once

#include <boost/beast/http/status.hpp>
#include <boost/beast/http/verb.hpp>
#include <functional>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>

#include "storage/identity_store.h"

namespace strata::server {

// What an endpoint answers: JSON, or (GET of a policy) the stored document as it is.
struct AdminReply {
  boost::beast::http::status status = boost::beast::http::status::ok;
  nlohmann::ordered_json json;
  std::optional<std::string> raw;  // sent instead of `json` when set
};

struct UserAdminRoute {
  std::string operation;  // "AdminCreateUser", ...; "AdminUsers" when the method does not fit
  bool method_allowed = false;
  bool reads_body = false;  // PUT of a policy
};

// The route of `path` (percent-decoded, after "/strata/admin/v1/"), or nullopt when it is no
// user endpoint. Pure: it reveals nothing and may run before authentication.
std::optional<UserAdminRoute> RouteUserAdmin(boost::beast::http::verb method,
                                             std::string_view path);

// Runs an endpoint RouteUserAdmin accepted with method_allowed. `query` looks up a decoded query
// parameter; `body` is the verified request body, read only when reads_body (at most
// kMaxPolicyBytes + 1 bytes are asked of it). Thread-safe (the store serializes changes).
AdminReply HandleUserAdmin(storage::IdentityStore& store, boost::beast::http::verb method,
                           std::string_view path,
                           const std::function<std::optional<std::string>(std::string_view)>& query,
                           const std::function<storage::Result<std::string>(size_t)>& read_body);

}  // namespace strata::server
