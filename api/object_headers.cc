#include "api/object_headers.h"

#include <array>

#include "api/http_date.h"
#include "api/object_handlers.h"
#include "api/request_headers.h"
#include "storage/checksum.h"

namespace strata::api {
namespace {

// Request headers stored with the object and returned on GET/HEAD (besides x-amz-meta-*).
constexpr std::array<std::string_view, 5> kStoredHeaders = {
    "content-disposition", "content-language", "cache-control", "expires", "content-type"};

// Content-Encoding without the "aws-chunked" token, which describes the transfer, not the
// object ("" when it was the only token).
std::string StoredContentEncoding(std::string_view value) {
  std::string out;
  while (true) {
    size_t comma = value.find(',');
    std::string_view token = TrimSpaces(value.substr(0, comma));
    if (!token.empty() && AsciiLower(token) != "aws-chunked") {
      if (!out.empty()) out += ",";
      out += token;
    }
    if (comma == std::string_view::npos) return out;
    value.remove_prefix(comma + 1);
  }
}

}  // namespace

Result<storage::HeaderList> ReadStoredHeaders(HandlerContext& ctx) {
  storage::HeaderList headers;
  for (std::string_view name : kStoredHeaders) {
    if (auto value = HeaderValue(ctx.request, name)) {
      headers.emplace_back(std::string(name), std::string(*value));
    }
  }
  if (!HeaderValue(ctx.request, "content-type")) {
    headers.emplace_back("content-type", "binary/octet-stream");
  }
  if (auto encoding = HeaderValue(ctx.request, "content-encoding")) {
    std::string stored = StoredContentEncoding(*encoding);
    if (!stored.empty()) headers.emplace_back("content-encoding", std::move(stored));
  }
  size_t metadata_bytes = 0;
  const size_t first_meta = headers.size();
  for (const auto& field : ctx.request) {
    std::string name = AsciiLower(field.name_string());
    if (!name.starts_with("x-amz-meta-")) continue;
    metadata_bytes += name.size() - 11 + field.value().size();
    if (metadata_bytes > kMaxUserMetadataBytes) return Fail(ctx, S3Errc::kMetadataTooLarge).error();
    // Repeated names are joined with ',' (one header per name comes back).
    bool merged = false;
    for (size_t i = first_meta; i < headers.size(); ++i) {
      if (headers[i].first == name) {
        headers[i].second += ",";
        headers[i].second += field.value();
        merged = true;
      }
    }
    if (!merged) headers.emplace_back(std::move(name), std::string(field.value()));
  }
  return headers;
}

std::string ChecksumText(const storage::Checksum& checksum, size_t parts) {
  if (checksum.algorithm == storage::ChecksumAlgorithm::kNone) return {};
  std::string text = storage::Base64Encode(checksum.value);
  if (parts > 0) text += "-" + std::to_string(parts);
  return text;
}

void SetChecksumHeader(http::response_header<>& header, const storage::Checksum& checksum,
                       size_t parts) {
  if (checksum.algorithm == storage::ChecksumAlgorithm::kNone) return;
  header.set(storage::ChecksumHeaderName(checksum.algorithm), ChecksumText(checksum, parts));
}

void SetValidators(http::response_header<>& header, const storage::ObjectInfo& info) {
  header.set(http::field::etag, QuotedEtag(info.etag));
  header.set(http::field::last_modified, FormatHttpDate(info.last_modified));
}

Preconditions ReadPreconditions(const http::request_header<>& request, std::string_view prefix) {
  auto header = [&](std::string_view name) {
    return HeaderValue(request, std::string(prefix) + std::string(name));
  };
  Preconditions p;
  if (auto v = header("if-match")) p.if_match = std::string(*v);
  if (auto v = header("if-none-match")) p.if_none_match = std::string(*v);
  if (auto v = header("if-modified-since")) p.if_modified_since = ParseHttpDate(*v);
  if (auto v = header("if-unmodified-since")) p.if_unmodified_since = ParseHttpDate(*v);
  return p;
}

Result<storage::WriteCondition> ReadWriteCondition(HandlerContext& ctx) {
  storage::WriteCondition condition;
  if (auto v = HeaderValue(ctx.request, "if-none-match")) {
    // S3 supports only "create if absent"; an entity tag here asks for something else.
    if (TrimSpaces(*v) != "*") {
      return Fail(ctx, S3Errc::kNotImplemented,
                  "If-None-Match on a write supports only the value '*'.")
          .error();
    }
    condition.if_none_match_any = true;
  }
  if (auto v = HeaderValue(ctx.request, "if-match")) {
    std::string_view etag = UnquoteEtag(*v);
    if (etag.empty()) return Fail(ctx, S3Errc::kInvalidArgument, "Invalid If-Match value.").error();
    condition.if_match = std::string(etag);
  }
  return condition;
}

boost::system::error_code WriteConditionError(HandlerContext& ctx, boost::system::error_code ec,
                                              const storage::WriteCondition& condition) {
  if (!condition.if_match || ToS3Error(ec) != S3Errc::kPreconditionFailed) return ec;
  // Storage reports both "no object" and "another ETag" as a failed precondition; only the
  // error code differs, so a racing create at worst turns a 404 into the 412 it now deserves.
  auto current = ctx.store.Head(ctx.route.bucket, ctx.route.key);
  if (!current && ToS3Error(current.error()) == S3Errc::kNoSuchKey) return current.error();
  return ec;
}

}  // namespace strata::api
