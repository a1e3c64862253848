// `strata-admin user ...`: users, their access keys and their policies, through the admin API's
// user endpoints (server/admin_users.h), signed as the root.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "tools/admin/admin_client.h"

namespace strata::admin {

// The lines of the usage text for the user commands.
std::string_view UserUsage();

// Runs `user ARGS...` (`args` excludes "user"). Prints tables, or the server's JSON with `json`.
// Returns the exit status: 0 success, 1 failure (the server's error is printed), 2 usage error.
int RunUserCommand(AdminClient& client, const std::vector<std::string>& args, bool json);

}  // namespace strata::admin
