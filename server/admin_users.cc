// Routing and running the user administration endpoints. Each is one IdentityStore call.
#include "server/admin_users.h"

#include <vector>

#include "server/log.h"

namespace strata::server {
namespace {

namespace http = boost::beast::http;
using json = nlohmann::ordered_json;

std::vector<std::string_view> Split(std::string_view path) {
  std::vector<std::string_view> parts;
  size_t start = 0;
  for (;;) {
    size_t slash = path.find('/', start);
    parts.push_back(path.substr(start, slash - start));
    if (slash == std::string_view::npos) return parts;
    start = slash + 1;
  }
}

std::string Time(int64_t ms) {
  return IsoTime(std::chrono::system_clock::time_point(std::chrono::milliseconds(ms)));
}

AdminReply Error(http::status status, std::string_view code, std::string_view message) {
  return {status, {{"error", code}, {"message", message}}, std::nullopt};
}

// The JSON error for a store failure.
AdminReply StoreError(boost::system::error_code ec) {
  using storage::IdentityErrc;
  if (ec.category() == storage::IdentityCategory()) {
    switch (static_cast<IdentityErrc>(ec.value())) {
      case IdentityErrc::kInvalidUserName:
        return Error(http::status::bad_request, "InvalidUserName", ec.message());
      case IdentityErrc::kInvalidPolicyName:
        return Error(http::status::bad_request, "InvalidPolicyName", ec.message());
      case IdentityErrc::kMalformedPolicy:
        return Error(http::status::bad_request, "MalformedPolicy",
                     "the policy must be a JSON object with \"Version\" and \"Statement\", at "
                     "most 6144 bytes");
      case IdentityErrc::kNoSuchUser:
        return Error(http::status::not_found, "NoSuchUser", ec.message());
      case IdentityErrc::kNoSuchAccessKey:
        return Error(http::status::not_found, "NoSuchAccessKey", ec.message());
      case IdentityErrc::kNoSuchPolicy:
        return Error(http::status::not_found, "NoSuchUserPolicy", ec.message());
      case IdentityErrc::kUserAlreadyExists:
        return Error(http::status::conflict, "UserAlreadyExists", ec.message());
      case IdentityErrc::kAccessKeyLimitExceeded:
        return Error(http::status::conflict, "LimitExceeded",
                     "a user has at most " + std::to_string(storage::kMaxAccessKeysPerUser) +
                         " access keys");
      case IdentityErrc::kPolicyLimitExceeded:
        return Error(
            http::status::conflict, "LimitExceeded",
            "a user has at most " + std::to_string(storage::kMaxPoliciesPerUser) + " policies");
      default:
        break;
    }
  }
  if (ec == storage::Errc::kUnavailable) {
    return Error(http::status::service_unavailable, "ServiceUnavailable", ec.message());
  }
  Log(LogLevel::kError, "admin: identity store: " + ec.message());
  return Error(http::status::internal_server_error, "InternalError", ec.message());
}

json UserJson(const storage::UserInfo& u) {
  return {{"name", u.name},
          {"created", Time(u.created_ms)},
          {"access_keys", u.access_keys},
          {"policies", u.policies}};
}

json KeyJson(const storage::AccessKeyInfo& k) {
  return {{"access_key_id", k.access_key},
          {"user", k.user},
          {"status", k.enabled ? "enabled" : "disabled"},
          {"created", Time(k.created_ms)}};
}

AdminReply NoContent() { return {http::status::no_content, nullptr, std::string()}; }

AdminReply Done(boost::system::error_code ec) { return ec ? StoreError(ec) : NoContent(); }

}  // namespace

std::optional<UserAdminRoute> RouteUserAdmin(http::verb method, std::string_view path) {
  const std::vector<std::string_view> p = Split(path);
  using V = http::verb;
  auto route = [method](std::initializer_list<std::pair<V, const char*>> allowed) {
    for (const auto& [verb, name] : allowed) {
      if (verb == method) return UserAdminRoute{name, true, false};
    }
    return UserAdminRoute{"AdminUsers", false, false};
  };
  if (p[0] == "users" && p.size() == 1) return route({{V::get, "AdminListUsers"}});
  if (p[0] == "users" && p.size() == 2 && !p[1].empty()) {
    return route(
        {{V::get, "AdminGetUser"}, {V::put, "AdminCreateUser"}, {V::delete_, "AdminDeleteUser"}});
  }
  if (p[0] == "users" && p.size() == 3 && p[2] == "keys") {
    return route({{V::get, "AdminListAccessKeys"}, {V::post, "AdminCreateAccessKey"}});
  }
  if (p[0] == "users" && p.size() == 3 && p[2] == "policies") {
    return route({{V::get, "AdminListUserPolicies"}});
  }
  if (p[0] == "users" && p.size() == 4 && p[2] == "policies" && !p[3].empty()) {
    UserAdminRoute r = route({{V::get, "AdminGetUserPolicy"},
                              {V::put, "AdminPutUserPolicy"},
                              {V::delete_, "AdminDeleteUserPolicy"}});
    r.reads_body = method == V::put;
    return r;
  }
  if (p[0] == "keys" && p.size() == 2 && !p[1].empty()) {
    return route({{V::get, "AdminGetAccessKey"},
                  {V::put, "AdminUpdateAccessKey"},
                  {V::delete_, "AdminDeleteAccessKey"}});
  }
  return std::nullopt;
}

AdminReply HandleUserAdmin(storage::IdentityStore& store, http::verb method, std::string_view path,
                           const std::function<std::optional<std::string>(std::string_view)>& query,
                           const std::function<storage::Result<std::string>(size_t)>& read_body) {
  const std::vector<std::string_view> p = Split(path);
  using V = http::verb;
  if (p[0] == "users" && p.size() == 1) {
    auto users = store.ListUsers();
    if (!users) return StoreError(users.error());
    json list = json::array();
    for (const auto& u : *users) list.push_back(UserJson(u));
    return {http::status::ok, {{"users", std::move(list)}}, std::nullopt};
  }
  if (p[0] == "keys") {
    const std::string_view id = p[1];
    if (method == V::delete_) return Done(store.DeleteAccessKey(id));
    if (method == V::put) {
      std::optional<std::string> status = query("status");
      bool enabled = false;
      if (status == "enabled" || status == "Active") {
        enabled = true;
      } else if (!(status == "disabled" || status == "Inactive")) {
        return Error(http::status::bad_request, "InvalidArgument",
                     "status must be \"enabled\" or \"disabled\"");
      }
      if (auto ec = store.SetAccessKeyStatus(id, enabled)) return StoreError(ec);
    }
    auto key = store.GetAccessKey(id);
    if (!key) return StoreError(key.error());
    return {http::status::ok, KeyJson(*key), std::nullopt};
  }
  const std::string_view user = p[1];
  if (p.size() == 2) {
    if (method == V::delete_) return Done(store.DeleteUser(user));
    if (method == V::put) {
      if (auto ec = store.CreateUser(user)) return StoreError(ec);
    }
    auto info = store.GetUser(user);
    if (!info) return StoreError(info.error());
    if (!*info) return StoreError(make_error_code(storage::IdentityErrc::kNoSuchUser));
    return {method == V::put ? http::status::created : http::status::ok, UserJson(**info),
            std::nullopt};
  }
  if (p[2] == "keys") {
    if (method == V::post) {
      auto made = store.CreateAccessKey(user);
      if (!made) return StoreError(made.error());
      json body = KeyJson(made->info);
      body["secret_access_key"] = made->secret_key;
      return {http::status::created, std::move(body), std::nullopt};
    }
    auto keys = store.ListAccessKeys(user);
    if (!keys) return StoreError(keys.error());
    json list = json::array();
    for (const auto& k : *keys) list.push_back(KeyJson(k));
    return {http::status::ok, {{"user", user}, {"access_keys", std::move(list)}}, std::nullopt};
  }
  if (p.size() == 3) {  // users/NAME/policies
    auto names = store.ListUserPolicies(user);
    if (!names) return StoreError(names.error());
    return {http::status::ok, {{"user", user}, {"policies", *names}}, std::nullopt};
  }
  const std::string_view policy = p[3];
  if (method == V::delete_) return Done(store.DeleteUserPolicy(user, policy));
  if (method == V::put) {
    auto document = read_body(storage::kMaxPolicyBytes);
    if (!document) {
      if (document.error() == storage::Errc::kEntityTooLarge) {
        return StoreError(make_error_code(storage::IdentityErrc::kMalformedPolicy));
      }
      return Error(http::status::bad_request, "InvalidRequest",
                   "cannot read the request body: " + document.error().message());
    }
    return Done(store.PutUserPolicy(user, policy, *document));
  }
  auto document = store.GetUserPolicy(user, policy);
  if (!document) return StoreError(document.error());
  return {http::status::ok, nullptr, std::move(*document)};
}

}  // namespace strata::server
