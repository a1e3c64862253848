// Object ownership controls (issue 7): PutBucketOwnershipControls' document, its rendering and
// storage's record (BucketAccessKind::kOwnership). With BucketOwnerEnforced, ACLs are disabled:
// writes carrying ACLs other than the owner's full control are refused
// (AccessControlListNotSupported), stored ACLs are ignored, and Get*Acl show the owner alone.
// Pure functions; thread-safe.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "api/s3_errors.h"

namespace strata::api {

enum class ObjectOwnership { kBucketOwnerEnforced, kBucketOwnerPreferred, kObjectWriter };

std::string_view ObjectOwnershipName(ObjectOwnership o);  // "BucketOwnerEnforced"
// The exact name (case-sensitive, as S3); nullopt for anything else.
std::optional<ObjectOwnership> ParseObjectOwnership(std::string_view text);

// <OwnershipControls><Rule><ObjectOwnership>...</ObjectOwnership></Rule></OwnershipControls>:
// exactly one Rule with one ObjectOwnership. Anything else is MalformedXML.
Result<ObjectOwnership> ParseOwnershipControlsXml(std::string_view xml);
std::string RenderOwnershipControlsXml(ObjectOwnership o);

// Storage's record is the setting's name; an unreadable record reads as BucketOwnerEnforced
// (ACLs off: failing closed).
std::string EncodeOwnership(ObjectOwnership o);
ObjectOwnership DecodeOwnership(std::string_view record);

}  // namespace strata::api
