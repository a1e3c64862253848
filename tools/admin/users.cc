// The user commands: each is one or two admin API calls and a rendering of the answer.
#include "tools/admin/users.h"

#include <fstream>
#include <iostream>
#include <iterator>
#include <nlohmann/json.hpp>
#include <optional>
#include <sstream>

#include "api/uri.h"
#include "tools/admin/format.h"

namespace strata::admin {
namespace {

using json = nlohmann::json;

constexpr std::string_view kAdmin = "/strata/admin/v1/";
// A policy document is at most 6 KiB (the server checks); reading stops well above that.
constexpr size_t kMaxPolicyFileBytes = 1 << 20;

constexpr std::string_view kUserUsage =
    R"(  user add NAME            create a user and its first access key (prints the key and secret)
  user list                the users, with their number of keys and policies
  user remove NAME         delete a user with its access keys and policies
  user key add NAME        a new access key for the user (prints the key and secret)
  user key list NAME       the user's access keys: id, status, created (never the secret)
  user key disable|enable|remove ACCESS_KEY
  user policy put NAME POLICY FILE
                           attach (or replace) the user policy POLICY from FILE ("-": stdin)
  user policy list NAME | get NAME POLICY | remove NAME POLICY
)";

std::string Segment(std::string_view s) { return api::UriEncode(s, /*encode_slash=*/true); }
std::string UserPath(std::string_view user) {
  return std::string(kAdmin) + "users/" + Segment(user);
}
std::string KeyPath(std::string_view key) { return std::string(kAdmin) + "keys/" + Segment(key); }

int Usage(std::string_view problem) {
  std::cerr << "strata-admin: " << problem << "\n\nUser commands:\n" << kUserUsage;
  return 2;
}

class UserCli {
 public:
  UserCli(AdminClient& client, bool json) : client_(client), json_(json) {}

  int Run(const std::vector<std::string>& a) {
    const size_t n = a.size();
    if (n == 2 && a[0] == "add") return Add(a[1]);
    if (n == 1 && a[0] == "list") return List();
    if (n == 2 && (a[0] == "remove" || a[0] == "rm"))
      return Simple("DELETE", UserPath(a[1]),
                    "User " + a[1] +
                        " removed (with its "
                        "access keys and "
                        "policies).");
    if (n >= 1 && a[0] == "key") {
      if (n == 3 && a[1] == "add") return KeyAdd(a[2]);
      if (n == 3 && a[1] == "list") return KeyList(a[2]);
      if (n == 3 && (a[1] == "disable" || a[1] == "enable")) {
        const std::string status = a[1] == "enable" ? "enabled" : "disabled";
        return Simple("PUT", KeyPath(a[2]) + "?status=" + status,
                      "Access key " + a[2] + " " + status + ".");
      }
      if (n == 3 && (a[1] == "remove" || a[1] == "rm")) {
        return Simple("DELETE", KeyPath(a[2]), "Access key " + a[2] + " removed.");
      }
      return Usage("usage: user key add|list NAME, user key disable|enable|remove ACCESS_KEY");
    }
    if (n >= 1 && a[0] == "policy") {
      if (n == 5 && a[1] == "put") return PolicyPut(a[2], a[3], a[4]);
      if (n == 3 && a[1] == "list") return PolicyList(a[2]);
      if (n == 4 && a[1] == "get") return PolicyGet(a[2], a[3]);
      if (n == 4 && (a[1] == "remove" || a[1] == "rm")) {
        return Simple("DELETE", PolicyPath(a[2], a[3]),
                      "Policy " + a[3] + " removed from user " + a[2] + ".");
      }
      return Usage(
          "usage: user policy put NAME POLICY FILE | list NAME | get NAME POLICY | remove NAME "
          "POLICY");
    }
    return Usage("unknown user command");
  }

 private:
  static std::string PolicyPath(std::string_view user, std::string_view policy) {
    return UserPath(user) + "/policies/" + Segment(policy);
  }

  std::optional<HttpResult> Send(std::string method, std::string target, std::string body = {}) {
    std::string error;
    std::vector<std::pair<std::string, std::string>> headers;
    if (!body.empty()) headers.emplace_back("content-type", "application/json");
    auto r = client_.Send(
        HttpRequest{std::move(method), std::move(target), std::move(headers), std::move(body)},
        &error);
    if (!r) std::cerr << "strata-admin: " << error << "\n";
    return r;
  }

  // A call whose success says nothing more than `done` (or the server's JSON with --json).
  int Simple(std::string method, std::string target, const std::string& done) {
    auto r = Send(std::move(method), std::move(target));
    if (!r) return 1;
    if (r->status / 100 != 2) return ReportFailure(*r);
    if (json_) {
      std::cout << (r->body.empty() ? "{}\n" : r->body);
    } else {
      std::cout << done << "\n";
    }
    return 0;
  }

  // POST users/NAME/keys; prints the new key and its secret.
  int NewKey(const std::string& user, std::optional<json> created_user) {
    auto r = Send("POST", UserPath(user) + "/keys");
    if (!r) return 1;
    if (r->status != 201) {
      if (created_user) {
        std::cerr << "strata-admin: user " << user
                  << " was created, but its access key was not; retry with `strata-admin user "
                     "key add "
                  << user << "`\n";
      }
      return ReportFailure(*r);
    }
    auto key = ParseJson(*r);
    if (!key || !key->is_object()) return Invalid();
    if (json_) {
      json out = json::object();
      if (created_user) out["user"] = *created_user;
      out["access_key"] = *key;
      std::cout << out.dump(2) << "\n";
      return 0;
    }
    if (created_user) std::cout << "User " << user << " created.\n";
    std::cout << "Access key: " << key->value("access_key_id", "") << "\n"
              << "Secret key: " << key->value("secret_access_key", "") << "\n"
              << "Store the secret key now: it cannot be shown again.\n";
    return 0;
  }

  int Add(const std::string& user) {
    auto r = Send("PUT", UserPath(user));
    if (!r) return 1;
    if (r->status != 201) return ReportFailure(*r);
    auto created = ParseJson(*r);
    if (!created) return Invalid();
    return NewKey(user, created);
  }

  int KeyAdd(const std::string& user) { return NewKey(user, std::nullopt); }

  // GETs `target`; prints the JSON (--json) or `table(document)`.
  template <class Table>
  int Show(const std::string& target, Table table) {
    auto r = Send("GET", target);
    if (!r) return 1;
    if (r->status != 200) return ReportFailure(*r);
    auto j = ParseJson(*r);
    if (!j || !j->is_object()) return Invalid();
    if (json_) {
      std::cout << r->body;
    } else {
      std::cout << table(*j);
    }
    return 0;
  }

  int List() {
    return Show(std::string(kAdmin) + "users", [](const json& j) {
      std::vector<std::vector<std::string>> rows = {{"NAME", "CREATED", "KEYS", "POLICIES"}};
      for (const json& u : j.value("users", json::array())) {
        rows.push_back({u.value("name", ""), u.value("created", ""),
                        std::to_string(u.value("access_keys", 0)),
                        std::to_string(u.value("policies", 0))});
      }
      if (rows.size() == 1) return std::string("No users.\n");
      return TextTable(rows);
    });
  }

  int KeyList(const std::string& user) {
    return Show(UserPath(user) + "/keys", [&user](const json& j) {
      std::vector<std::vector<std::string>> rows = {{"ACCESS KEY", "STATUS", "CREATED"}};
      for (const json& k : j.value("access_keys", json::array())) {
        rows.push_back(
            {k.value("access_key_id", ""), k.value("status", ""), k.value("created", "")});
      }
      if (rows.size() == 1) return "User " + user + " has no access keys.\n";
      return TextTable(rows);
    });
  }

  int PolicyList(const std::string& user) {
    return Show(UserPath(user) + "/policies", [&user](const json& j) {
      std::string out;
      for (const json& p : j.value("policies", json::array())) {
        if (p.is_string()) out += p.get<std::string>() + "\n";
      }
      return out.empty() ? "User " + user + " has no policies.\n" : out;
    });
  }

  int PolicyGet(const std::string& user, const std::string& policy) {
    auto r = Send("GET", PolicyPath(user, policy));
    if (!r) return 1;
    if (r->status != 200) return ReportFailure(*r);
    std::cout << r->body;
    if (!r->body.empty() && r->body.back() != '\n') std::cout << "\n";
    return 0;
  }

  int PolicyPut(const std::string& user, const std::string& policy, const std::string& file) {
    std::string document;
    std::istream* in = &std::cin;
    std::ifstream f;
    if (file != "-") {
      f.open(file, std::ios::binary);
      if (!f) {
        std::cerr << "strata-admin: cannot read policy file \"" << file << "\"\n";
        return 1;
      }
      in = &f;
    }
    char buffer[8192];
    while (*in && document.size() <= kMaxPolicyFileBytes) {
      in->read(buffer, sizeof(buffer));
      document.append(buffer, static_cast<size_t>(in->gcount()));
    }
    if (document.size() > kMaxPolicyFileBytes) {
      std::cerr << "strata-admin: policy file \"" << file << "\" is far above the 6 KiB limit\n";
      return 1;
    }
    auto r = Send("PUT", PolicyPath(user, policy), std::move(document));
    if (!r) return 1;
    if (r->status / 100 != 2) return ReportFailure(*r);
    if (json_) {
      std::cout << "{}\n";
    } else {
      std::cout << "Policy " << policy << " attached to user " << user << ".\n";
    }
    return 0;
  }

  static int Invalid() {
    std::cerr << "strata-admin: the server's answer is not valid JSON\n";
    return 1;
  }

  AdminClient& client_;
  const bool json_;
};

}  // namespace

std::string_view UserUsage() { return kUserUsage; }

int RunUserCommand(AdminClient& client, const std::vector<std::string>& args, bool json) {
  return UserCli(client, json).Run(args);
}

}  // namespace strata::admin
