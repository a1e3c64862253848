// The admin API's JSON documents.
#include "server/admin_json.h"

#include <catch2/catch.hpp>

using strata::server::DriveCapacity;
using strata::server::HealStatus;
using strata::server::HealStatusJson;
using strata::server::ServerInfo;
using strata::server::ServerInfoJson;
using strata::server::TierInfo;

TEST_CASE("server info lists tiers with erasure scheme, sets, capacity and drive states") {
  ServerInfo info;
  info.version = "9.9.9";
  info.uptime_seconds = 12.5;
  info.region = "eu-west-1";
  info.endpoints = {"https://127.0.0.1:9443"};
  TierInfo nvme{"nvme", 2, 1, 262144, {}};
  nvme.drives = {
      {"nvme", "/d/0", 100, 40, true, "online"},    {"nvme", "/d/1", 100, 50, true, "online"},
      {"nvme", "/d/2", 0, 0, false, "offline"},     {"nvme", "/d/3", 100, 10, true, "refused"},
      {"nvme", "/d/4", 100, 10, true, "formatted"}, {"nvme", "/d/5", 100, 10, true, "online"}};
  info.tiers.push_back(nvme);
  info.metrics.requests[{"PutObject", 200}] = 5;
  info.metrics.requests[{"GetObject", 404}] = 2;
  info.metrics.requests[{"GetObject", 503}] = 1;
  info.metrics.bytes_received = 77;
  info.maintenance.blobs_healed = 4;
  auto j = ServerInfoJson(info);
  CHECK(j["version"] == "9.9.9");
  CHECK(j["region"] == "eu-west-1");
  CHECK(j["endpoints"][0] == "https://127.0.0.1:9443");
  REQUIRE(j["tiers"].size() == 1);
  const auto& t = j["tiers"][0];
  CHECK(t["name"] == "nvme");
  CHECK(t["erasure"] == "2+1");
  CHECK(t["sets"] == 2);
  CHECK(t["drives_total"] == 6);
  CHECK(t["drives_online"] == 4);  // offline and refused are not
  CHECK(t["bytes_total"] == 500);
  CHECK(t["bytes_free"] == 120);
  CHECK(t["drives"][2]["state"] == "unreachable");
  CHECK(t["drives"][3]["state"] == "refused");
  CHECK(t["drives"][4]["set"] == 1);
  CHECK(j["counters"]["requests"] == 8);
  CHECK(j["counters"]["errors_4xx"] == 2);
  CHECK(j["counters"]["errors_5xx"] == 1);
  CHECK(j["counters"]["bytes_received"] == 77);
  CHECK(j["maintenance"]["blobs_healed"] == 4);
  CHECK(j["heal"]["state"] == "idle");
}

TEST_CASE("heal status reports state, totals and null times until set") {
  HealStatus s;
  auto idle = HealStatusJson(s);
  CHECK(idle["state"] == "idle");
  CHECK(idle["started"].is_null());
  CHECK(idle["finished"].is_null());
  CHECK(idle["clean"] == false);

  s.state = HealStatus::State::kDone;
  s.pass = 2;
  s.started = std::chrono::system_clock::time_point(std::chrono::seconds(1767225600));
  s.finished = s.started + std::chrono::seconds(3);
  s.report.blobs_scanned = 10;
  s.report.blobs_healed = 2;
  s.report.shards_rewritten = 3;
  auto done = HealStatusJson(s);
  CHECK(done["state"] == "done");
  CHECK(done["pass"] == 2);
  CHECK(done["clean"] == true);
  CHECK(done["started"] == "2026-01-01T00:00:00.000Z");
  CHECK(done["finished"] == "2026-01-01T00:00:03.000Z");
  CHECK(done["blobs_healed"] == 2);
  CHECK(done["shards_rewritten"] == 3);

  s.report.blobs_unrecoverable = 1;
  CHECK(HealStatusJson(s)["clean"] == false);
  s.state = HealStatus::State::kRunning;
  CHECK(HealStatusJson(s)["finished"].is_null());
}

TEST_CASE("heal status and server info report reclaimed orphans") {
  HealStatus s;
  s.state = HealStatus::State::kDone;
  s.report.orphans_found = 3;
  s.report.orphans_reclaimed = 2;
  auto j = HealStatusJson(s);
  CHECK(j["orphans_found"] == 3);
  CHECK(j["orphans_reclaimed"] == 2);
  CHECK(j["clean"] == true);  // reclaiming garbage leaves nothing less redundant
  ServerInfo info;
  info.maintenance.orphans_reclaimed = 7;
  CHECK(ServerInfoJson(info)["maintenance"]["orphans_reclaimed"] == 7);
}
