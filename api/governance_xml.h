// Request documents and headers of the governance operations (issue 4): versioning, tagging and
// object lock. Pure parsers; each treats its input as hostile (callers bound the size with
// ReadXmlBody, pugixml never expands entities) and answers MalformedXML / InvalidArgument /
// InvalidTag rather than guessing.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

#include "api/s3_errors.h"
#include "storage/object_store.h"

namespace strata::api {

// Largest governance request document we read (a 50-tag TagSet of 128+256 characters fits).
inline constexpr size_t kMaxGovernanceBodyBytes = 64 * 1024;

struct VersioningRequest {
  std::optional<storage::VersioningState> status;  // nullopt: Status absent (no change)
  bool mfa_delete = false;                         // MfaDelete Enabled (NotImplemented)
};

// VersioningConfiguration: Status Enabled|Suspended, MfaDelete Enabled|Disabled. MalformedXML
// otherwise.
Result<VersioningRequest> ParseVersioningConfiguration(std::string_view xml);

// Tagging/TagSet/Tag{Key,Value}. MalformedXML when ill-formed or a Tag lacks its Key; the
// limits (count, lengths, unique keys) are InvalidTag, checked here against `max_tags` so a
// hostile document cannot make us hold more than that many.
Result<storage::TagSet> ParseTagging(std::string_view xml, size_t max_tags);

// x-amz-tagging: the URL query form "k1=v1&k2=v2" (percent-encoded, '+' as space). A pair
// without '=' has an empty value. InvalidArgument when not decodable; InvalidTag beyond the
// object limits.
Result<storage::TagSet> ParseTaggingHeader(std::string_view header);

// "GOVERNANCE" / "COMPLIANCE" (exact, as AWS); nullopt otherwise.
std::optional<storage::RetentionMode> ParseRetentionMode(std::string_view text);
std::string_view RetentionModeName(storage::RetentionMode mode);

// ObjectLockConfiguration: ObjectLockEnabled Enabled (required), optional
// Rule/DefaultRetention{Mode, Days|Years}. MalformedXML when ill-formed, a Mode is unknown,
// both or neither of Days and Years are given; InvalidArgument for a period that is not a
// positive integer (Days up to 36500, Years up to 100).
Result<storage::ObjectLockConfiguration> ParseObjectLockConfiguration(std::string_view xml);

// Retention{Mode, RetainUntilDate (ISO 8601)}: both, or neither (which removes the
// retention: mode kNone). MalformedXML otherwise.
Result<storage::Retention> ParseRetention(std::string_view xml);

// LegalHold{Status ON|OFF}. MalformedXML otherwise.
Result<bool> ParseLegalHold(std::string_view xml);

}  // namespace strata::api
