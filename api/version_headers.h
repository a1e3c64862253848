// Version-aware request and response headers shared by the object operations (issue 4):
// ?versionId, x-amz-version-id, x-amz-delete-marker, x-amz-tagging(-count), the object lock
// headers and x-amz-bypass-governance-retention.
#pragma once

#include <string>

#include "api/handler.h"
#include "storage/object_store.h"

namespace strata::api {

// The ?versionId of the request ("" when absent: the latest version).
std::string RequestVersionId(const HandlerContext& ctx);

// x-amz-bypass-governance-retention: true. Every authenticated caller is the root user, who
// may bypass (policies arrive with issue 7).
bool BypassGovernance(const HandlerContext& ctx);

// The governance settings a write asks for: x-amz-tagging (tags, URL query form),
// x-amz-object-lock-mode with x-amz-object-lock-retain-until-date (both or neither, else
// InvalidArgument), x-amz-object-lock-legal-hold ON|OFF. `with_tags` false leaves tags empty
// (CopyObject decides them by its tagging directive).
Result<storage::VersionOptions> ReadVersionOptions(HandlerContext& ctx, bool with_tags = true);

// x-amz-version-id on a write's response: the new version's id, except for the "null" version
// of unversioned (and suspended) buckets.
void SetWrittenVersionHeader(http::response_header<>& header, const storage::ObjectInfo& info);

// GET/HEAD headers of a version: x-amz-version-id (non-null ids, or when the request named a
// version), x-amz-tagging-count, x-amz-object-lock-mode / -retain-until-date / -legal-hold.
void SetVersionHeaders(HandlerContext& ctx, http::response_header<>& header,
                       const storage::ObjectInfo& info);

// For a failed read of ctx.route's object: on storage's kDeleteMarker (404 NoSuchKey) or
// kMethodNotAllowed (405) adds x-amz-delete-marker: true, x-amz-version-id (and Last-Modified)
// of the marker to the error response. Returns `ec` unchanged.
boost::system::error_code AddDeleteMarkerHeaders(HandlerContext& ctx, boost::system::error_code ec,
                                                 const std::string& version_id);

}  // namespace strata::api
