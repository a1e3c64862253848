// Bucket lifecycle configuration (issue 5): AWS's rule language as storage keeps it. api/ parses
// and validates the XML (with AWS's messages); storage checks the invariants again on Put
// (ValidateLifecycle), stores the configuration under its own key, and the lifecycle worker
// (lifecycle_worker.h) applies it.
#pragma once

#include <cstdint>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "storage/errors.h"
#include "storage/object_store.h"

namespace strata::storage {

// Which objects a rule applies to: all conditions must hold (And). An empty filter matches
// every object.
struct LifecycleFilter {
  std::string prefix;
  TagSet tags;                                // every tag must be on the version, same value
  std::optional<uint64_t> size_greater_than;  // ObjectSizeGreaterThan (strict)
  std::optional<uint64_t> size_less_than;     // ObjectSizeLessThan (strict)
};

// Exactly one of days / date / expired_object_delete_marker is set.
struct LifecycleExpiration {
  std::optional<uint32_t> days;   // >= 1: since the version's creation
  std::optional<TimePoint> date;  // midnight UTC
  // Remove a delete marker that is the latest and the key's only remaining version.
  bool expired_object_delete_marker = false;
};

// Exactly one of days / date is set.
struct LifecycleTransition {
  std::optional<uint32_t> days;  // >= 0
  std::optional<TimePoint> date;
  std::string storage_class;  // a configured class
};

// Counted from the moment a version became noncurrent (the next newer version's creation).
struct NoncurrentExpiration {
  uint32_t noncurrent_days = 0;  // >= 1
  // Keep this many newer noncurrent versions even when they are old enough (1..100).
  std::optional<uint32_t> newer_noncurrent_versions;
};

struct NoncurrentTransition {
  uint32_t noncurrent_days = 0;  // >= 0
  std::optional<uint32_t> newer_noncurrent_versions;
  std::string storage_class;
};

struct LifecycleRule {
  std::string id;  // <= 255 characters; unique in the configuration (api fills a random one)
  bool enabled = true;
  LifecycleFilter filter;
  std::optional<LifecycleExpiration> expiration;
  std::vector<LifecycleTransition> transitions;
  std::optional<NoncurrentExpiration> noncurrent_expiration;
  std::vector<NoncurrentTransition> noncurrent_transitions;
  std::optional<uint32_t> abort_incomplete_upload_days;  // >= 1
};

struct LifecycleConfiguration {
  std::vector<LifecycleRule> rules;  // 1..1000
};

inline constexpr size_t kMaxLifecycleRules = 1000;

// kInvalidArgument unless the configuration keeps the invariants above (rule count, id length
// and uniqueness, at least one action per rule, exactly-one fields, day ranges, abort-uploads
// and ExpiredObjectDeleteMarker not combined with a tag or size filter);
// kInvalidStorageClass if a transition names a class not in `classes`.
boost::system::error_code ValidateLifecycle(const LifecycleConfiguration& config,
                                            const std::set<std::string>& classes);

// Durable encoding (under its own index key). Decode: kCorrupt on malformed input.
std::string EncodeLifecycle(const LifecycleConfiguration& config);
Result<LifecycleConfiguration> DecodeLifecycle(std::string_view bytes);

}  // namespace strata::storage
