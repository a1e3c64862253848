// Lifecycle rule evaluation: pure functions of a configuration, one key's versions and the
// time, so every rule can be tested without a store (time is a parameter, as in MinIO's
// internal/bucket/lifecycle). The worker (lifecycle_worker.h) lists, evaluates and applies.
//
// Days. A rule's "N days after T" is due when now >= T + N × day_length. With the default
// 86400 s day the due time is then rounded up to the next midnight UTC, as AWS does (an object
// written at 10:30 with Days 1 expires at midnight after the next day). With a shortened day
// (--lifecycle-day-seconds, for tests and demos) there is no rounding: due exactly at
// T + N × day_length. Dates are due when now >= date.
//
// Thread-safe (no state).
#pragma once

#include <chrono>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "storage/lifecycle.h"
#include "storage/object_store.h"

namespace strata::storage {

inline constexpr std::chrono::seconds kAwsDay{86400};

enum class LifecycleActionKind {
  // DeleteObject without a version id: a delete marker in versioned buckets (Enabled or
  // Suspended), removal in unversioned ones.
  kExpireCurrent,
  // Remove the latest delete marker (by version id): it is the key's only remaining version.
  kRemoveExpiredMarker,
  // TransitionVersion(version_id, storage_class) of the current version.
  kTransitionCurrent,
  // Remove a noncurrent version (or noncurrent delete marker) by version id.
  kExpireNoncurrent,
  // TransitionVersion of a noncurrent version.
  kTransitionNoncurrent,
};

struct LifecycleAction {
  LifecycleActionKind kind = LifecycleActionKind::kExpireCurrent;
  std::string version_id;
  std::string storage_class;  // transitions only
  std::string rule_id;        // the rule that caused it (for logs)
};

// The tags of one version, fetched only when a rule with a tag filter could apply. An error
// makes the version match no tag-filtered rule.
using TagLookup = std::function<Result<TagSet>(const ObjectInfo& version)>;

// T + days × day_length, rounded up to midnight UTC when day_length is kAwsDay (see above).
TimePoint LifecycleDueTime(TimePoint base, uint32_t days, std::chrono::seconds day_length);

// Whether `rule`'s filter admits this version (prefix on the key; every tag, fetched through
// `tags` only when the filter has tags; size strictly greater / less). Delete markers match
// only filters without tags and sizes.
bool RuleMatches(const LifecycleRule& rule, const ObjectInfo& version, const TagLookup& tags);

// The actions due now on one key. `versions`: every version and delete marker of the key,
// newest first, as ListObjectVersions gives them (the first is the latest if is_latest). A
// version becomes noncurrent when its next newer version was created: that creation time is the
// base of NoncurrentDays. Per version at most one action: expiration wins over transition; among
// due transitions the one with the latest due time wins, and a transition is dropped if the
// version already has that class or a colder one (order: STANDARD < STANDARD_IA = ONEZONE_IA =
// INTELLIGENT_TIERING < GLACIER_IR < GLACIER < DEEP_ARCHIVE; unknown classes only differ from
// others). NewerNoncurrentVersions N keeps the N newest noncurrent versions (markers are not
// counted) even when they are due. Disabled rules do nothing.
std::vector<LifecycleAction> EvaluateKey(const LifecycleConfiguration& config,
                                         const std::vector<ObjectInfo>& versions,
                                         const TagLookup& tags, TimePoint now,
                                         std::chrono::seconds day_length);

// The rule id of an enabled rule whose AbortIncompleteMultipartUpload is due for an upload of
// `key` initiated at `initiated`, or nullopt.
std::optional<std::string> AbortUploadDue(const LifecycleConfiguration& config,
                                          std::string_view key, TimePoint initiated, TimePoint now,
                                          std::chrono::seconds day_length);

// Whether any enabled rule has a tag filter (the worker then fetches tags).
bool NeedsTags(const LifecycleConfiguration& config);

}  // namespace strata::storage
