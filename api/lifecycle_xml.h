// The LifecycleConfiguration document of Put/GetBucketLifecycleConfiguration (issue 5): a strict
// parser into storage::LifecycleConfiguration, with AWS's error codes and messages, and the
// renderer of the GET answer. Pure functions; thread-safe. The parser treats its input as hostile:
// callers bound the size (kMaxLifecycleBodyBytes), pugixml never expands entities, and no count
// (rules, tags, transitions) is held beyond its limit.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <variant>

#include "api/s3_errors.h"
#include "storage/lifecycle.h"

namespace strata::api {

// Largest lifecycle document we read: 1000 ordinary rules fit with room to spare.
inline constexpr size_t kMaxLifecycleBodyBytes = 1024 * 1024;

// Longest rule ID (characters) and filter prefix (bytes, the longest key).
inline constexpr size_t kMaxLifecycleIdLength = 255;
inline constexpr size_t kMaxLifecyclePrefixBytes = 1024;
// Tags in one rule's filter: no object carries more.
inline constexpr size_t kMaxLifecycleFilterTags = 10;
// Transitions (and noncurrent transitions) in one rule: one per class is all that makes sense.
inline constexpr size_t kMaxLifecycleTransitions = 10;
// ObjectSizeGreaterThan / ObjectSizeLessThan bound (AWS: 1000 TiB).
inline constexpr uint64_t kMaxLifecycleObjectSize = 1099511627776000ULL;

// The parser's failure: the S3 code and, for semantic errors, AWS's message ("" means the
// table's).
struct LifecycleError {
  S3Errc code = S3Errc::kMalformedXML;
  std::string message;
};

// Parses a LifecycleConfiguration document. `new_id` makes the ID of a rule that has none
// (AWS generates one); it must not repeat an ID already in the document (a collision is
// answered as a duplicate ID).
//
// Structure problems are MalformedXML: not well-formed, another root, an unknown or repeated
// element, a missing Status or one other than Enabled/Disabled, both or neither of Filter and the
// legacy Prefix, a Filter with more than one condition outside And, a number that is not a
// 32-bit integer (Days) or 64-bit one (sizes), a Date that is not ISO 8601, an Expiration with
// none or several of Days/Date/ExpiredObjectDeleteMarker, a Transition without StorageClass or
// with neither/both of Days and Date, a storage class that is not an upper-case token.
// Semantic problems are InvalidArgument / InvalidRequest with AWS's messages (see the .cc).
// Whether a transition's class is configured is storage's check (InvalidStorageClass).
std::variant<storage::LifecycleConfiguration, LifecycleError> ParseLifecycleConfiguration(
    std::string_view xml, const std::function<std::string()>& new_id);

// A random rule ID as AWS makes them (base64 of a random UUID, 48 characters).
std::string NewLifecycleRuleId();

// The GetBucketLifecycleConfiguration document: rules in stored order, the filter always as
// <Filter> (a single condition directly, several under <And>), dates as
// 2026-01-01T00:00:00.000Z.
std::string RenderLifecycleConfiguration(const storage::LifecycleConfiguration& config);

// x-amz-transition-default-minimum-object-size values AWS accepts.
inline constexpr std::string_view kTransitionMinimumDefault = "all_storage_classes_128K";
inline constexpr std::string_view kTransitionMinimumByClass = "varies_by_storage_class";

}  // namespace strata::api
