#include "api/version_headers.h"

#include "api/authorize.h"
#include "api/governance_xml.h"
#include "api/http_date.h"
#include "api/request_headers.h"
#include "storage/errors.h"

namespace strata::api {

std::string RequestVersionId(const HandlerContext& ctx) {
  return std::string(ctx.target.Query("versionId").value_or(""));
}

bool BypassGovernance(const HandlerContext& ctx) {
  auto value = HeaderValue(ctx.request, "x-amz-bypass-governance-retention");
  if (!value || AsciiLower(TrimSpaces(*value)) != "true") return false;
  // Honoured only with s3:BypassGovernanceRetention on the object (issue 7); without it the
  // lock stands and storage refuses as it would without the header.
  return ctx.auth.access == nullptr ||
         ctx.auth.access->Allowed("s3:BypassGovernanceRetention", ctx.route.bucket, ctx.route.key,
                                  RequestVersionId(ctx));
}

Result<storage::VersionOptions> ReadVersionOptions(HandlerContext& ctx, bool with_tags) {
  storage::VersionOptions options;
  if (with_tags) {
    if (auto tagging = HeaderValue(ctx.request, "x-amz-tagging")) {
      auto tags = ParseTaggingHeader(*tagging);
      if (!tags) {
        return Fail(ctx, ToS3Error(tags.error()),
                    ToS3Error(tags.error()) == S3Errc::kInvalidArgument
                        ? "The header 'x-amz-tagging' shall be encoded as UTF-8 then URLEncoded "
                          "URL query parameters without tag name duplicates."
                        : "")
            .error();
      }
      options.tags = std::move(*tags);
    }
  }
  auto mode = HeaderValue(ctx.request, "x-amz-object-lock-mode");
  auto until = HeaderValue(ctx.request, "x-amz-object-lock-retain-until-date");
  if (mode.has_value() != until.has_value()) {
    return Fail(ctx, S3Errc::kInvalidArgument,
                "x-amz-object-lock-retain-until-date and x-amz-object-lock-mode must both be "
                "supplied")
        .error();
  }
  if (mode) {
    auto parsed_mode = ParseRetentionMode(TrimSpaces(*mode));
    if (!parsed_mode) {
      return Fail(ctx, S3Errc::kInvalidArgument, "Unknown wormMode directive.").error();
    }
    auto date = ParseIso8601(TrimSpaces(*until));
    if (!date) {
      return Fail(ctx, S3Errc::kInvalidArgument,
                  "The retain until date must be provided in ISO 8601 format")
          .error();
    }
    options.retention = storage::Retention{*parsed_mode, *date};
  }
  if (auto hold = HeaderValue(ctx.request, "x-amz-object-lock-legal-hold")) {
    std::string_view value = TrimSpaces(*hold);
    if (value != "ON" && value != "OFF") {
      return Fail(ctx, S3Errc::kInvalidArgument, "Legal Hold must be either of 'ON' or 'OFF'")
          .error();
    }
    options.legal_hold = value == "ON";
    options.legal_hold_given = true;
  }
  return options;
}

void SetWrittenVersionHeader(http::response_header<>& header, const storage::ObjectInfo& info) {
  if (!info.version_id.empty() && info.version_id != "null") {
    header.set("x-amz-version-id", info.version_id);
  }
}

namespace {

bool BucketHasVersioning(HandlerContext& ctx) {
  auto state = ctx.store.GetBucketVersioning(ctx.route.bucket);
  return state && *state != storage::VersioningState::kUnversioned;
}

}  // namespace

void SetVersionHeaders(HandlerContext& ctx, http::response_header<>& header,
                       const storage::ObjectInfo& info) {
  if (!info.version_id.empty() &&
      (info.version_id != "null" || ctx.target.Query("versionId").has_value() ||
       BucketHasVersioning(ctx))) {
    // S3 names the null version on reads once the bucket has had versioning (Enabled or
    // Suspended); objects of never-versioned buckets carry no version id.
    header.set("x-amz-version-id", info.version_id);
  }
  if (info.tag_count > 0) header.set("x-amz-tagging-count", std::to_string(info.tag_count));
  if (info.retention.mode != storage::RetentionMode::kNone) {
    header.set("x-amz-object-lock-mode", RetentionModeName(info.retention.mode));
    header.set("x-amz-object-lock-retain-until-date", FormatIso8601(info.retention.retain_until));
  }
  if (info.legal_hold_set) {
    header.set("x-amz-object-lock-legal-hold", info.legal_hold ? "ON" : "OFF");
  }
}

boost::system::error_code AddDeleteMarkerHeaders(HandlerContext& ctx, boost::system::error_code ec,
                                                 const std::string& version_id) {
  if (ec != storage::Errc::kDeleteMarker && ec != storage::Errc::kMethodNotAllowed) return ec;
  ctx.error_headers.set("x-amz-delete-marker", "true");
  auto marker = ctx.store.StatVersion(ctx.route.bucket, ctx.route.key, version_id);
  if (marker && marker->delete_marker) {
    ctx.error_headers.set("x-amz-version-id", marker->version_id);
    ctx.error_headers.set(http::field::last_modified, FormatHttpDate(marker->last_modified));
  }
  if (ec == storage::Errc::kMethodNotAllowed) ctx.error_headers.set(http::field::allow, "DELETE");
  return ec;
}

}  // namespace strata::api
