// The "identity" config key: where the master key file that seals users' secrets lives.
#include <catch2/catch.hpp>

#include "server/config.h"

namespace strata::server {
namespace {

TEST_CASE("The identity master key file defaults to identity.key in the data folder") {
  auto c = ParseConfig(R"({"data": "/srv/strata"})", Flags{}, 2);
  REQUIRE(c.has_value());
  CHECK(c->identity_master_key_file == "/srv/strata/identity.key");
  Flags flags;
  flags.data = "/elsewhere";
  auto from_flag = ParseConfig("", flags, 2);
  REQUIRE(from_flag.has_value());
  CHECK(from_flag->identity_master_key_file == "/elsewhere/identity.key");
}

TEST_CASE("The identity master key file can be set in the config, and must be a path") {
  auto c = ParseConfig(R"({"data": "/srv/strata", "identity": {"master_key_file": "/etc/k"}})",
                       Flags{}, 2);
  REQUIRE(c.has_value());
  CHECK(c->identity_master_key_file == "/etc/k");
  CHECK(c->warnings.empty());
  for (const char* bad : {R"({"identity": "/etc/k"})", R"({"identity": {"master_key_file": 1}})",
                          R"({"identity": {"master_key_file": ""}})"}) {
    CAPTURE(bad);
    auto r = ParseConfig(bad, Flags{}, 2);
    REQUIRE_FALSE(r.has_value());
    CHECK_THAT(r.error().message, Catch::Contains("identity"));
  }
  auto unknown = ParseConfig(R"({"identity": {"master_key": "x"}})", Flags{}, 2);
  REQUIRE(unknown.has_value());
  REQUIRE(unknown->warnings.size() == 1);
  CHECK_THAT(unknown->warnings[0], Catch::Contains("identity: unknown key \"master_key\""));
}

}  // namespace
}  // namespace strata::server
