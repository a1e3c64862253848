#include "server/config.h"

#include <catch2/catch.hpp>

using strata::server::Flags;
using strata::server::ParseConfig;
using strata::server::ParseFlags;
using strata::server::ServerConfig;

namespace {

// The error message of a config that must fail.
std::string ErrorOf(std::string_view json, const Flags& flags = {}) {
  auto r = ParseConfig(json, flags, 2);
  if (r) return "<no error>";
  return r.error().message;
}

// A valid two-tier config with placeholders to break.
constexpr std::string_view kValid = R"({
  "listen": "0.0.0.0:9500",
  "data": "/srv/strata",
  "region": "eu-west-1",
  "domains": ["s3.example.com", "localhost"],
  "tiers": [
    {"name": "fast", "erasure": "2+1", "drives": ["/d/a", "/d/b", "/d/c"], "block_size": 65536},
    {"name": "cold", "erasure": "2+2", "drives": ["/d/h0", "/d/h1", "/d/h2", "/d/h3",
                                                   "/d/h4", "/d/h5", "/d/h6", "/d/h7"]}
  ],
  "storage_classes": {"STANDARD": "fast", "GLACIER": "cold"},
  "inline_threshold": 4096,
  "worker_slice_us": 500
})";

}  // namespace

TEST_CASE("no config file gives the embedded default under the data folder") {
  auto c = ParseConfig("", Flags{}, 2);
  REQUIRE(c.has_value());
  CHECK(c->listen_host == "127.0.0.1");
  CHECK(c->listen_port == 9000);
  CHECK(c->data_dir == "./strata-data");
  CHECK(c->index_dir == "./strata-data/index");
  CHECK(c->region == "us-east-1");
  CHECK(c->domains == std::vector<std::string>{"localhost"});
  CHECK(c->workers == 64);
  REQUIRE(c->tiers.size() == 2);
  CHECK(c->tiers[0].name == "nvme");
  CHECK(c->tiers[0].data_shards == 2);
  CHECK(c->tiers[0].parity_shards == 2);
  CHECK(c->tiers[0].drives.size() == 4);
  CHECK(c->tiers[0].drives[3] == "./strata-data/drives/nvme3");
  CHECK(c->tiers[1].name == "hdd");
  CHECK(c->tiers[1].data_shards == 4);
  CHECK(c->tiers[1].parity_shards == 2);
  CHECK(c->tiers[1].drives.size() == 6);
  CHECK(c->tiers[1].drives[0] == "./strata-data/drives/hdd0");
  CHECK(c->storage_classes.at("STANDARD") == "nvme");
  for (const char* cls : {"STANDARD_IA", "ONEZONE_IA", "INTELLIGENT_TIERING", "GLACIER",
                          "GLACIER_IR", "DEEP_ARCHIVE"}) {
    CHECK(c->storage_classes.at(cls) == "hdd");
  }
  CHECK(c->inline_threshold == 16384);
  CHECK(c->worker_slice_us == 200);
  CHECK(c->warnings.empty());
}

TEST_CASE("the default worker count is eight per core and at least sixty-four") {
  CHECK(strata::server::DefaultWorkers(1) == 64);
  CHECK(strata::server::DefaultWorkers(2) == 64);
  CHECK(strata::server::DefaultWorkers(16) == 128);
  CHECK(strata::server::DefaultWorkers(0) == 64);
}

TEST_CASE("the data flag moves the default drives and index with it") {
  Flags f;
  f.data = "/tmp/x";
  auto c = ParseConfig("", f, 2);
  REQUIRE(c.has_value());
  CHECK(c->index_dir == "/tmp/x/index");
  CHECK(c->tiers[0].drives[0] == "/tmp/x/drives/nvme0");
  CHECK(c->tiers[1].drives[5] == "/tmp/x/drives/hdd5");
}

TEST_CASE("a valid config file is read field by field") {
  auto c = ParseConfig(kValid, Flags{}, 2);
  REQUIRE(c.has_value());
  CHECK(c->listen_host == "0.0.0.0");
  CHECK(c->listen_port == 9500);
  CHECK(c->data_dir == "/srv/strata");
  CHECK(c->index_dir == "/srv/strata/index");
  CHECK(c->region == "eu-west-1");
  CHECK(c->domains == std::vector<std::string>{"s3.example.com", "localhost"});
  REQUIRE(c->tiers.size() == 2);
  CHECK(c->tiers[0].name == "fast");
  CHECK(c->tiers[0].data_shards == 2);
  CHECK(c->tiers[0].parity_shards == 1);
  CHECK(c->tiers[0].block_size == 65536);
  CHECK(c->tiers[1].drives.size() == 8);
  CHECK(c->tiers[1].block_size == 256 * 1024);
  CHECK(c->storage_classes.size() == 2);
  CHECK(c->storage_classes.at("GLACIER") == "cold");
  CHECK(c->inline_threshold == 4096);
  CHECK(c->worker_slice_us == 500);
  CHECK(c->warnings.empty());
  CHECK(ParseConfig(R"({"worker_slice_us": 0})", Flags{}, 2)->worker_slice_us == 0);
}

TEST_CASE(
    "tiers without storage_classes put STANDARD on the first tier and cold classes on the "
    "last") {
  auto c = ParseConfig(R"({"tiers": [
      {"name": "a", "erasure": "1+1", "drives": ["/a0", "/a1"]},
      {"name": "b", "erasure": "1+0", "drives": ["/b0"]}]})",
                       Flags{}, 2);
  REQUIRE(c.has_value());
  CHECK(c->storage_classes.at("STANDARD") == "a");
  CHECK(c->storage_classes.at("DEEP_ARCHIVE") == "b");
}

TEST_CASE("flags override the config file") {
  Flags f;
  f.listen = "[::1]:9100";
  f.data = "/other";
  f.region = "ap-south-1";
  f.domains = {"a.example", "b.example"};
  f.workers = 3;
  auto c = ParseConfig(kValid, f, 2);
  REQUIRE(c.has_value());
  CHECK(c->listen_host == "::1");
  CHECK(c->listen_port == 9100);
  CHECK(c->data_dir == "/other");
  CHECK(c->index_dir == "/other/index");
  CHECK(c->region == "ap-south-1");
  CHECK(c->domains == std::vector<std::string>{"a.example", "b.example"});
  CHECK(c->workers == 3);
  CHECK(c->tiers[0].drives[0] == "/d/a");  // explicit drives do not follow --data
}

TEST_CASE("unknown keys are warned about, not fatal") {
  auto c = ParseConfig(R"({"listen": "127.0.0.1:1", "colour": "blue"})", Flags{}, 2);
  REQUIRE(c.has_value());
  REQUIRE(c->warnings.size() == 1);
  CHECK_THAT(c->warnings[0], Catch::Contains("colour"));
}

TEST_CASE("each invalid config gives a message naming the problem") {
  using Row = std::tuple<std::string, std::string>;
  auto [json, expected] = GENERATE(table<std::string, std::string>({
      Row{R"({"listen": )", "not valid JSON"},
      Row{R"([1,2])", "must be a JSON object"},
      Row{R"({"listen": "nohost"})", "HOST:PORT"},
      Row{R"({"listen": "127.0.0.1:99999"})", "invalid port"},
      Row{R"({"tiers": [{"name": "t", "erasure": "4x2", "drives": ["/a"]}]})",
          "erasure \"4x2\" is not of the form k+m"},
      Row{R"({"tiers": [{"name": "t", "erasure": "+2", "drives": ["/a"]}]})", "k+m"},
      Row{R"({"tiers": [{"name": "t", "erasure": "4+2", "drives": ["/a","/b","/c"]}]})",
          "needs at least 6 drives, but the tier has 3"},
      Row{R"({"tiers": [{"name": "t", "erasure": "1+1", "drives": ["/a","/b","/c"]}]})",
          "drive count 3 is not a multiple of k+m = 2"},
      Row{R"({"tiers": [{"name": "t", "erasure": "1+1", "drives": ["/a","/a/"]}]})",
          "drive \"/a/\" is listed twice"},
      Row{R"({"tiers": [{"name": "t", "erasure": "1+0", "drives": ["/a"]},
                        {"name": "u", "erasure": "1+0", "drives": ["/x/../a"]}]})",
          "in tier \"t\" and in tier \"u\""},
      Row{R"({"tiers": [{"name": "t", "erasure": "1+0", "drives": ["/a"]}],
              "storage_classes": {"STANDARD": "nope"}})",
          "class \"STANDARD\" maps to unknown tier \"nope\""},
      Row{R"({"tiers": [{"name": "t", "erasure": "1+0", "drives": ["/a"]}],
              "storage_classes": {"STANDARD": "t", "GLACIER": ""}})",
          "class \"GLACIER\" is mapped to nothing"},
      Row{R"({"tiers": [{"name": "t", "erasure": "1+0", "drives": ["/a"]}],
              "storage_classes": {"STANDARD": "t", "GLACIER": null}})",
          "class \"GLACIER\" is mapped to nothing"},
      Row{R"({"tiers": [{"name": "t", "erasure": "1+0", "drives": ["/a"]}],
              "storage_classes": {"GLACIER": "t"}})",
          "no mapping for \"STANDARD\""},
      Row{R"({"storage_classes": {}})", "no mapping for \"STANDARD\""},
      Row{R"({"tiers": [{"name": "t", "erasure": "1+0", "drives": ["/a"]}],
              "storage_classes": {"STANDRAD": "t"}})",
          "unknown storage class \"STANDRAD\""},
      Row{R"({"tiers": []})", "non-empty array"},
      Row{R"({"tiers": [{"erasure": "1+0", "drives": ["/a"]}]})", "tiers[0]: missing \"name\""},
      Row{R"({"tiers": [{"name": "t", "drives": ["/a"]}]})", "missing \"erasure\""},
      Row{R"({"tiers": [{"name": "t", "erasure": "1+0"}]})", "missing \"drives\""},
      Row{R"({"tiers": [{"name": "t", "erasure": "1+0", "drives": ["/a"]},
                        {"name": "t", "erasure": "1+0", "drives": ["/b"]}]})",
          "used twice"},
      Row{R"({"tiers": [{"name": "t", "erasure": "1+0", "drives": ["/a"], "block_size": 7}]})",
          "block_size"},
      Row{R"({"domains": []})", "domains"},
      Row{R"({"region": 5})", "\"region\" must be a non-empty string"},
      Row{R"({"inline_threshold": -1})", "inline_threshold"},
      Row{R"({"workers": 0})", "workers"},
      Row{R"({"worker_slice_us": 99})", "\"worker_slice_us\" must be 0"},
      Row{R"({"worker_slice_us": 100001})", "from 100 to 100000"},
      Row{R"({"worker_slice_us": "fast"})", "worker_slice_us"},
  }));
  CAPTURE(json);
  CHECK_THAT(ErrorOf(json), Catch::Contains(expected));
}

TEST_CASE("a bad listen flag is reported even over a valid file") {
  Flags f;
  f.listen = "localhost";
  CHECK_THAT(ErrorOf(kValid, f), Catch::Contains("HOST:PORT"));
}

TEST_CASE("flags parse in both --flag value and --flag=value forms") {
  auto f = ParseFlags({"--listen", "127.0.0.1:9100", "--data=/tmp/d", "--domain", "a", "--domain=b",
                       "--region", "r", "--workers", "5", "--config", "/etc/s.json"});
  REQUIRE(f.has_value());
  CHECK(*f->listen == "127.0.0.1:9100");
  CHECK(*f->data == "/tmp/d");
  CHECK(f->domains == std::vector<std::string>{"a", "b"});
  CHECK(*f->region == "r");
  CHECK(*f->workers == 5);
  CHECK(*f->config == "/etc/s.json");
  CHECK_FALSE(f->help);
  CHECK(ParseFlags({"--help"})->help);
}

TEST_CASE("bad flags are rejected with the flag's name") {
  CHECK_THAT(ParseFlags({"--listne", "x"}).error().message, Catch::Contains("--listne"));
  CHECK_THAT(ParseFlags({"--data"}).error().message, Catch::Contains("--data needs a value"));
  CHECK_THAT(ParseFlags({"--workers", "lots"}).error().message, Catch::Contains("--workers"));
  CHECK_THAT(ParseFlags({"--workers", "0"}).error().message, Catch::Contains("--workers"));
}

TEST_CASE("root credentials come from the environment, else the loud development default") {
  using strata::server::LoadRootCredentials;
  auto env = [](std::map<std::string, std::string> vars) {
    return [vars](const char* name) -> std::optional<std::string> {
      auto it = vars.find(name);
      if (it == vars.end()) return std::nullopt;
      return it->second;
    };
  };
  auto set = LoadRootCredentials(
      env({{"STRATA_ROOT_ACCESS_KEY", "AK"}, {"STRATA_ROOT_SECRET_KEY", "SK"}}));
  CHECK(set.access_key == "AK");
  CHECK(set.secret_key == "SK");
  CHECK_FALSE(set.is_default);
  auto unset = LoadRootCredentials(env({}));
  CHECK(unset.access_key == "strata-admin");
  CHECK(unset.secret_key == "strata-dev-secret-change-me");
  CHECK(unset.is_default);
  auto half = LoadRootCredentials(env({{"STRATA_ROOT_ACCESS_KEY", "AK"}}));
  CHECK(half.is_default);
}

TEST_CASE("tls in the config serves HTTPS only unless listen is also given") {
  auto only = ParseConfig(R"({"tls": {"cert": "/c.pem", "key": "/k.pem"}})", Flags{}, 2);
  REQUIRE(only.has_value());
  REQUIRE(only->tls.has_value());
  CHECK(only->tls->cert_file == "/c.pem");
  CHECK(only->tls->key_file == "/k.pem");
  CHECK(only->tls->listen_host == "127.0.0.1");
  CHECK(only->tls->listen_port == 9443);
  CHECK_FALSE(only->http_enabled);

  auto both = ParseConfig(
      R"({"listen": "127.0.0.1:9000", "tls": {"cert": "/c", "key": "/k", "listen": "0.0.0.0:8443"}})",
      Flags{}, 2);
  REQUIRE(both.has_value());
  CHECK(both->http_enabled);
  CHECK(both->tls->listen_host == "0.0.0.0");
  CHECK(both->tls->listen_port == 8443);

  auto none = ParseConfig("", Flags{}, 2);
  REQUIRE(none.has_value());
  CHECK_FALSE(none->tls.has_value());
  CHECK(none->http_enabled);
}

TEST_CASE("tls flags override the config and --listen adds plain HTTP") {
  auto flags = ParseFlags({"--tls-cert", "/f.pem", "--tls-key=/f.key", "--tls-listen", "[::1]:9444",
                           "--listen", "127.0.0.1:9001"});
  REQUIRE(flags.has_value());
  auto c = ParseConfig(R"({"tls": {"cert": "/c.pem", "key": "/k.pem"}})", *flags, 2);
  REQUIRE(c.has_value());
  CHECK(c->tls->cert_file == "/f.pem");
  CHECK(c->tls->key_file == "/f.key");
  CHECK(c->tls->listen_host == "::1");
  CHECK(c->tls->listen_port == 9444);
  CHECK(c->http_enabled);
  CHECK(c->listen_port == 9001);
}

TEST_CASE("tls config errors name the problem") {
  CHECK(ErrorOf(R"({"tls": {"cert": "/c.pem"}})").find("both a certificate and a key") !=
        std::string::npos);
  CHECK(ErrorOf(R"({"tls": "yes"})").find("\"tls\" must be an object") != std::string::npos);
  CHECK(ErrorOf(R"({"tls": {"cert": 1, "key": "/k"}})").find("tls: \"cert\"") != std::string::npos);
  CHECK(ErrorOf(R"({"tls": {"cert": "/c", "key": "/k", "listen": "nohost"}})")
            .find("tls: listen address") != std::string::npos);
  CHECK(ErrorOf(R"({"listen": "127.0.0.1:9443", "tls": {"cert": "/c", "key": "/k"}})")
            .find("two ports") != std::string::npos);
  auto flags = ParseFlags({"--tls-listen", "127.0.0.1:1"});
  REQUIRE(flags.has_value());
  CHECK(ErrorOf("", *flags).find("both a certificate and a key") != std::string::npos);
}

TEST_CASE("log level, access log and metrics_public come from the config and flags") {
  auto c = ParseConfig(
      R"({"log_level": "debug", "access_log": "/var/log/strata.log", "metrics_public": false})",
      Flags{}, 2);
  REQUIRE(c.has_value());
  CHECK(c->log_level == strata::server::LogLevel::kDebug);
  CHECK(c->access_log == "/var/log/strata.log");
  CHECK_FALSE(c->metrics_public);
  CHECK(c->warnings.empty());

  auto d = ParseConfig("", Flags{}, 2);
  REQUIRE(d.has_value());
  CHECK(d->log_level == strata::server::LogLevel::kInfo);
  CHECK(d->access_log.empty());
  CHECK(d->metrics_public);

  auto flags = ParseFlags({"--log-level", "warn", "--access-log", "-"});
  REQUIRE(flags.has_value());
  auto f = ParseConfig(R"({"log_level": "debug", "access_log": "/x.log"})", *flags, 2);
  REQUIRE(f.has_value());
  CHECK(f->log_level == strata::server::LogLevel::kWarn);
  CHECK(f->access_log.empty());  // "-": stderr
}

TEST_CASE("bad log levels and metrics_public values are refused") {
  CHECK(ErrorOf(R"({"log_level": "verbose"})").find("\"log_level\"") != std::string::npos);
  CHECK(ErrorOf(R"({"metrics_public": "yes"})").find("metrics_public") != std::string::npos);
  CHECK(ErrorOf(R"({"access_log": 3})").find("access_log") != std::string::npos);
  auto flags = ParseFlags({"--log-level", "loud"});
  REQUIRE_FALSE(flags.has_value());
  CHECK(flags.error().message.find("--log-level") != std::string::npos);
}

TEST_CASE("the lifecycle section sets the day, the interval and both transition rates") {
  auto d = ParseConfig("", Flags{}, 2);
  REQUIRE(d.has_value());
  CHECK(d->lifecycle.day_seconds == 86400);
  CHECK(d->lifecycle.transition_mb_per_second == 64);
  CHECK(d->lifecycle.transition_busy_mb_per_second == 8);

  auto c = ParseConfig(R"({"lifecycle": {"day_seconds": 5, "interval_seconds": 2,
                                         "transition_mb_per_second": 0,
                                         "transition_busy_mb_per_second": 16}})",
                       Flags{}, 2);
  REQUIRE(c.has_value());
  CHECK(c->lifecycle.day_seconds == 5);
  CHECK(c->lifecycle.interval_seconds == 2);
  CHECK(c->lifecycle.transition_mb_per_second == 0);
  CHECK(c->lifecycle.transition_busy_mb_per_second == 16);
  CHECK(c->warnings.empty());

  CHECK_THAT(ErrorOf(R"({"lifecycle": {"transition_busy_mb_per_second": -1}})"),
             Catch::Contains("\"transition_busy_mb_per_second\" must be an integer from 0 to"));
  CHECK_THAT(ErrorOf(R"({"lifecycle": {"transition_busy_mb_per_second": "8"}})"),
             Catch::Contains("transition_busy_mb_per_second"));
  CHECK_THAT(ErrorOf(R"({"lifecycle": {"day_seconds": 0}})"),
             Catch::Contains("\"day_seconds\" must be at least 1"));
  auto w = ParseConfig(R"({"lifecycle": {"transition_mb_per_sec": 8}})", Flags{}, 2);
  REQUIRE(w.has_value());
  REQUIRE(w->warnings.size() == 1);
  CHECK_THAT(w->warnings[0], Catch::Contains("\"transition_mb_per_sec\" ignored"));
}
