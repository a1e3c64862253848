// The server's version, reported by the admin API and strata-admin.
#pragma once

#include <string_view>

namespace strata::server {

inline constexpr std::string_view kStrataVersion = "0.1.0";

}  // namespace strata::server
