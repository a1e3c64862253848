// Lifecycle rule evaluation without a store: time, versions and tags are parameters.
#include "storage/lifecycle_rules.h"

#include <catch2/catch.hpp>

namespace strata::storage {
namespace {

using namespace std::chrono_literals;

constexpr std::chrono::seconds kDay{10};  // a shortened day: no midnight rounding
const TimePoint kT0 = TimePoint(std::chrono::milliseconds(1'780'000'000'000));

ObjectInfo Version(const std::string& id, TimePoint created, bool latest = false,
                   uint64_t size = 100, const std::string& cls = "STANDARD") {
  ObjectInfo v;
  v.bucket = "b";
  v.key = "logs/a";
  v.version_id = id;
  v.last_modified = created;
  v.is_latest = latest;
  v.size = size;
  v.storage_class = cls;
  return v;
}

ObjectInfo Marker(const std::string& id, TimePoint created, bool latest) {
  ObjectInfo v = Version(id, created, latest, 0);
  v.delete_marker = true;
  return v;
}

LifecycleRule ExpireAfter(uint32_t days, std::string prefix = "") {
  LifecycleRule r;
  r.id = "expire";
  r.filter.prefix = std::move(prefix);
  r.expiration = LifecycleExpiration{days, std::nullopt, false};
  return r;
}

LifecycleConfiguration Config(std::vector<LifecycleRule> rules) {
  return LifecycleConfiguration{std::move(rules)};
}

std::vector<LifecycleAction> Eval(const LifecycleConfiguration& c,
                                  const std::vector<ObjectInfo>& versions, TimePoint now,
                                  const TagLookup& tags = {}) {
  return EvaluateKey(c, versions, tags, now, kDay);
}

TEST_CASE("a current version expires exactly when its days have passed, not a moment before") {
  auto c = Config({ExpireAfter(3)});
  std::vector<ObjectInfo> v = {Version("v1", kT0, true)};
  CHECK(Eval(c, v, kT0 + 3 * kDay - 1ms).empty());
  auto due = Eval(c, v, kT0 + 3 * kDay);
  REQUIRE(due.size() == 1);
  CHECK(due[0].kind == LifecycleActionKind::kExpireCurrent);
  CHECK(due[0].version_id == "v1");
  CHECK(due[0].rule_id == "expire");
}

TEST_CASE("an expiration date is due at the date") {
  LifecycleRule r;
  r.expiration = LifecycleExpiration{std::nullopt, kT0 + 24h, false};
  auto c = Config({r});
  std::vector<ObjectInfo> v = {Version("v1", kT0, true)};
  CHECK(Eval(c, v, kT0 + 24h - 1ms).empty());
  CHECK(Eval(c, v, kT0 + 24h).size() == 1);
}

TEST_CASE("a disabled rule does nothing") {
  auto rule = ExpireAfter(1);
  rule.enabled = false;
  CHECK(Eval(Config({rule}), {Version("v1", kT0, true)}, kT0 + 100 * kDay).empty());
}

TEST_CASE("a filter that does not match leaves the version alone") {
  std::vector<ObjectInfo> v = {Version("v1", kT0, true, 100)};
  const TimePoint late = kT0 + 100 * kDay;
  CHECK(Eval(Config({ExpireAfter(1, "other/")}), v, late).empty());
  CHECK(Eval(Config({ExpireAfter(1, "logs/")}), v, late).size() == 1);

  auto sized = ExpireAfter(1);
  sized.filter.size_greater_than = 100;  // strictly greater: 100 does not match
  CHECK(Eval(Config({sized}), v, late).empty());
  sized.filter.size_greater_than = 99;
  CHECK(Eval(Config({sized}), v, late).size() == 1);
  sized.filter.size_less_than = 100;  // strictly less
  CHECK(Eval(Config({sized}), v, late).empty());

  auto tagged = ExpireAfter(1);
  tagged.filter.tags = {{"tier", "cold"}, {"team", "ml"}};
  int lookups = 0;
  TagLookup only_one = [&](const ObjectInfo&) -> Result<TagSet> {
    ++lookups;
    return TagSet{{"tier", "cold"}};
  };
  CHECK(Eval(Config({tagged}), v, late, only_one).empty());  // every tag must be present
  TagLookup both = [&](const ObjectInfo&) -> Result<TagSet> {
    ++lookups;
    return TagSet{{"team", "ml"}, {"tier", "cold"}, {"extra", "x"}};
  };
  CHECK(Eval(Config({tagged}), v, late, both).size() == 1);
  TagLookup wrong_value = [&](const ObjectInfo&) -> Result<TagSet> {
    return TagSet{{"team", "ml"}, {"tier", "hot"}};
  };
  CHECK(Eval(Config({tagged}), v, late, wrong_value).empty());
  CHECK(lookups == 2);
}

TEST_CASE("tags are not fetched when no rule filters on them") {
  int lookups = 0;
  TagLookup count = [&](const ObjectInfo&) -> Result<TagSet> {
    ++lookups;
    return TagSet{};
  };
  CHECK(Eval(Config({ExpireAfter(1)}), {Version("v1", kT0, true)}, kT0 + 5 * kDay, count).size() ==
        1);
  CHECK(lookups == 0);
}

TEST_CASE("an expired delete marker is removed only when it is the key's only version") {
  LifecycleRule r;
  r.id = "markers";
  r.expiration = LifecycleExpiration{std::nullopt, std::nullopt, true};
  auto c = Config({r});
  auto alone = Eval(c, {Marker("m1", kT0, true)}, kT0);
  REQUIRE(alone.size() == 1);
  CHECK(alone[0].kind == LifecycleActionKind::kRemoveExpiredMarker);
  CHECK(alone[0].version_id == "m1");
  CHECK(Eval(c, {Marker("m1", kT0, true), Version("v1", kT0 - 1s)}, kT0 + 100 * kDay).empty());
}

TEST_CASE("Expiration Days also removes a lone delete marker once it is old enough") {
  auto c = Config({ExpireAfter(2)});
  CHECK(Eval(c, {Marker("m1", kT0, true)}, kT0 + kDay).empty());
  auto due = Eval(c, {Marker("m1", kT0, true)}, kT0 + 2 * kDay);
  REQUIRE(due.size() == 1);
  CHECK(due[0].kind == LifecycleActionKind::kRemoveExpiredMarker);
}

TEST_CASE("noncurrent days count from when the next newer version was created") {
  LifecycleRule r;
  r.id = "nc";
  r.noncurrent_expiration = NoncurrentExpiration{2, std::nullopt};
  auto c = Config({r});
  // v1 written at t0, replaced by v2 at t0 + 10 days: noncurrent since then.
  std::vector<ObjectInfo> v = {Version("v2", kT0 + 10 * kDay, true), Version("v1", kT0)};
  CHECK(Eval(c, v, kT0 + 12 * kDay - 1ms).empty());
  auto due = Eval(c, v, kT0 + 12 * kDay);
  REQUIRE(due.size() == 1);
  CHECK(due[0].kind == LifecycleActionKind::kExpireNoncurrent);
  CHECK(due[0].version_id == "v1");
}

TEST_CASE("NewerNoncurrentVersions keeps that many newer noncurrent versions") {
  LifecycleRule r;
  r.noncurrent_expiration = NoncurrentExpiration{1, 2};
  auto c = Config({r});
  std::vector<ObjectInfo> v = {Version("v5", kT0 + 5s, true), Version("v4", kT0 + 4s),
                               Marker("m", kT0 + 3s, false),  Version("v3", kT0 + 2s),
                               Version("v2", kT0 + 1s),       Version("v1", kT0)};
  auto due = Eval(c, v, kT0 + 100 * kDay);
  std::vector<std::string> ids;
  for (const auto& a : due) ids.push_back(a.version_id);
  // v4 and v3 are the two newest noncurrent versions (the marker is not counted but expires).
  CHECK(ids == std::vector<std::string>{"m", "v2", "v1"});
}

TEST_CASE("of several due transitions the latest wins, and none goes back to its class") {
  LifecycleRule r;
  r.id = "chain";
  r.transitions = {{1, std::nullopt, "STANDARD_IA"}, {5, std::nullopt, "GLACIER"}};
  auto c = Config({r});
  std::vector<ObjectInfo> v = {Version("v1", kT0, true)};
  CHECK(Eval(c, v, kT0 + kDay - 1ms).empty());
  auto first = Eval(c, v, kT0 + 2 * kDay);
  REQUIRE(first.size() == 1);
  CHECK(first[0].kind == LifecycleActionKind::kTransitionCurrent);
  CHECK(first[0].storage_class == "STANDARD_IA");
  auto later = Eval(c, v, kT0 + 6 * kDay);
  REQUIRE(later.size() == 1);
  CHECK(later[0].storage_class == "GLACIER");
  // Already there, or already colder: nothing.
  CHECK(Eval(c, {Version("v1", kT0, true, 100, "GLACIER")}, kT0 + 6 * kDay).empty());
  CHECK(Eval(c, {Version("v1", kT0, true, 100, "DEEP_ARCHIVE")}, kT0 + 2 * kDay).empty());
}

TEST_CASE("expiration wins over a transition due at the same time") {
  auto r = ExpireAfter(3);
  r.transitions = {{1, std::nullopt, "GLACIER"}};
  auto due = Eval(Config({r}), {Version("v1", kT0, true)}, kT0 + 3 * kDay);
  REQUIRE(due.size() == 1);
  CHECK(due[0].kind == LifecycleActionKind::kExpireCurrent);
}

TEST_CASE("noncurrent transitions apply to noncurrent versions only, respecting the count kept") {
  LifecycleRule r;
  r.noncurrent_transitions = {{1, 1, "GLACIER"}};
  auto c = Config({r});
  std::vector<ObjectInfo> v = {Version("v3", kT0 + 2 * kDay, true), Version("v2", kT0 + kDay),
                               Version("v1", kT0)};
  auto due = Eval(c, v, kT0 + 10 * kDay);
  REQUIRE(due.size() == 1);  // v2 is kept as the one newer noncurrent version
  CHECK(due[0].kind == LifecycleActionKind::kTransitionNoncurrent);
  CHECK(due[0].version_id == "v1");
  CHECK(due[0].storage_class == "GLACIER");
}

TEST_CASE("with a real day the due time is rounded up to midnight UTC") {
  // 2026-01-15 10:30 UTC + 1 day -> 2026-01-17 00:00 UTC.
  const TimePoint written = TimePoint(std::chrono::seconds(1768473000));
  const TimePoint midnight = TimePoint(std::chrono::seconds(1768608000));
  CHECK(LifecycleDueTime(written, 1, kAwsDay) == midnight);
  CHECK(LifecycleDueTime(midnight - 24h, 1, kAwsDay) == midnight);  // already midnight
  CHECK(LifecycleDueTime(written, 1, 10s) == written + 10s);
}

TEST_CASE("an incomplete upload is aborted once its days have passed under a matching prefix") {
  LifecycleRule r;
  r.id = "abort";
  r.filter.prefix = "tmp/";
  r.abort_incomplete_upload_days = 2;
  auto c = Config({r});
  CHECK_FALSE(AbortUploadDue(c, "tmp/x", kT0, kT0 + 2 * kDay - 1ms, kDay));
  CHECK(AbortUploadDue(c, "tmp/x", kT0, kT0 + 2 * kDay, kDay) ==
        std::optional<std::string>("abort"));
  CHECK_FALSE(AbortUploadDue(c, "keep/x", kT0, kT0 + 100 * kDay, kDay));
}

}  // namespace
}  // namespace strata::storage
