#include "api/object_handlers.h"

#include <array>

#include "api/authorize.h"
#include "api/conditional.h"
#include "api/http_range.h"
#include "api/object_headers.h"
#include "api/request_headers.h"
#include "api/sse_headers.h"
#include "api/upload_body.h"
#include "api/version_headers.h"
#include "storage/body_source.h"
#include "storage/checksum.h"

namespace strata::api {
namespace {

using storage::ChecksumAlgorithm;

// GetObject's response-* query overrides and the header each replaces.
constexpr std::array<std::pair<std::string_view, std::string_view>, 6> kResponseOverrides = {{
    {"response-content-type", "content-type"},
    {"response-content-language", "content-language"},
    {"response-expires", "expires"},
    {"response-cache-control", "cache-control"},
    {"response-content-disposition", "content-disposition"},
    {"response-content-encoding", "content-encoding"},
}};

}  // namespace

HandlerResult PutObject(HandlerContext& ctx) {
  if (ctx.route.key.size() > kMaxKeyLength) return Fail(ctx, S3Errc::kKeyTooLongError);

  // Size first: refuse before reading a byte of an upload we would not keep.
  if (boost::system::error_code ec = CheckUploadLength(ctx, kMaxPutObjectSize)) return ec;
  auto spec = ReadDigestSpec(ctx);
  if (!spec) return spec.error();
  auto headers = ReadStoredHeaders(ctx);
  if (!headers) return headers.error();
  auto condition = ReadWriteCondition(ctx);
  if (!condition) return condition.error();
  auto version = ReadVersionOptions(ctx);
  if (!version) return version.error();
  auto sse = ReadWriteSse(ctx);
  if (!sse) return sse.error();
  if ((version->retention || version->legal_hold_given) && !HasIntegrityDigest(*spec)) {
    // S3 insists on a digest for WORM writes: the bytes locked must be the bytes sent.
    return Fail(ctx, S3Errc::kInvalidRequest,
                "Content-MD5 OR x-amz-checksum- HTTP header is required for Put Object requests "
                "with Object Lock parameters");
  }

  storage::PutOptions options;
  options.headers = std::move(*headers);
  options.condition = std::move(*condition);
  options.version = std::move(*version);
  options.sse = sse->ToRequest();
  if (auto storage_class = HeaderValue(ctx.request, "x-amz-storage-class")) {
    options.storage_class = std::string(TrimSpaces(*storage_class));
  }
  std::unique_ptr<storage::BodySource> body = storage::NewDigestingSource(*ctx.body, *spec);
  auto info = ctx.store.Put(ctx.route.bucket, ctx.route.key, *body, options);
  if (!info) return WriteConditionError(ctx, info.error(), options.condition);

  Response response;
  response.header.result(http::status::ok);
  response.header.set(http::field::etag, QuotedEtag(info->etag));
  SetChecksumHeader(response.header, info->checksum);
  SetWrittenVersionHeader(response.header, *info);
  SetSseResponseHeaders(response.header, info->sse, sse->customer_key_md5);
  return response;
}

// S3 answers a requester without s3:ListBucket on the bucket AccessDenied (403) for a key
// that does not exist (or whose latest version is a delete marker), not NoSuchKey: otherwise
// GET and HEAD would tell anyone which keys exist.
namespace {

boost::system::error_code HideMissingKey(HandlerContext& ctx, boost::system::error_code ec) {
  const bool missing = ec == storage::Errc::kNoSuchKey || ec == storage::Errc::kDeleteMarker;
  if (!missing || ctx.auth.principal == PrincipalKind::kRoot || !ctx.auth.access ||
      ctx.auth.access->Allowed("s3:ListBucket", ctx.route.bucket, "")) {
    return ec;
  }
  return make_error_code(S3Errc::kAccessDenied);
}

}  // namespace

HandlerResult GetObject(HandlerContext& ctx) {
  const bool head = ctx.route.operation == Operation::kHeadObject;
  // ?partNumber=N reads one part of a multipart object (part 1 is the whole of any other).
  std::optional<uint32_t> part_number;
  if (auto text = ctx.target.Query("partNumber")) {
    part_number = ParsePartNumber(*text);
    if (!part_number) {
      return Fail(ctx, S3Errc::kInvalidArgument,
                  "Part number must be an integer between 1 and 10000, inclusive");
    }
    if (HeaderValue(ctx.request, "range")) {
      return Fail(ctx, S3Errc::kInvalidRequest,
                  "Cannot specify both Range header and partNumber query parameter");
    }
  }

  // An SSE-C object's key (issue 7); storage checks it against the object.
  auto sse = ReadSseCustomerKey(ctx);
  if (!sse) return sse.error();

  // HEAD needs no reader: metadata only.
  const std::string version_id = RequestVersionId(ctx);
  std::unique_ptr<storage::ObjectReader> reader;
  storage::ObjectInfo info;
  if (head) {
    auto found = ctx.store.HeadVersion(ctx.route.bucket, ctx.route.key, version_id);
    if (!found) {
      return AddDeleteMarkerHeaders(ctx, HideMissingKey(ctx, found.error()), version_id);
    }
    info = std::move(*found);
    if (auto ec = storage::CheckSseCustomerKey(info, sse->customer_key)) {
      return SseReadError(ctx, ec);
    }
  } else {
    auto opened = ctx.store.GetVersion(ctx.route.bucket, ctx.route.key, version_id,
                                       storage::ReadOptions{sse->customer_key});
    if (!opened) {
      return AddDeleteMarkerHeaders(ctx, HideMissingKey(ctx, SseReadError(ctx, opened.error())),
                                    version_id);
    }
    reader = std::move(*opened);
    info = reader->info();
  }

  switch (EvaluatePreconditions(ReadPreconditions(ctx.request), info.etag, info.last_modified)) {
    case ConditionOutcome::kPreconditionFailed:
      return Fail(ctx, S3Errc::kPreconditionFailed);
    case ConditionOutcome::kNotModified: {
      Response response;
      response.header.result(http::status::not_modified);
      SetValidators(response.header, info);
      SetVersionHeaders(ctx, response.header, info);
      return response;
    }
    case ConditionOutcome::kProceed:
      break;
  }

  uint64_t first = 0;
  uint64_t length = info.size;
  bool whole = true;
  Response response;
  response.header.result(http::status::ok);
  if (part_number && !info.parts.empty()) {
    if (*part_number > info.parts.size()) return Fail(ctx, S3Errc::kInvalidPartNumber);
    auto part = storage::PartRange(info, *part_number);
    if (!part) return part.error();
    first = part->first;
    length = part->length;
    whole = false;
    // S3 answers a part of a multipart object as a partial response of the whole.
    response.header.result(http::status::partial_content);
    if (length > 0) {
      response.header.set(http::field::content_range, ContentRange(first, length, info.size));
    }
    response.header.set("x-amz-mp-parts-count", std::to_string(info.parts.size()));
  } else if (part_number && *part_number != 1) {
    return Fail(ctx, S3Errc::kInvalidPartNumber);
  } else if (!part_number) {
    RangeResult range = EvaluateRange(HeaderValue(ctx.request, "range").value_or(""), info.size);
    if (range.outcome == RangeOutcome::kUnsatisfiable) {
      ctx.error_headers.set(http::field::content_range, UnsatisfiedContentRange(info.size));
      return Fail(ctx, S3Errc::kInvalidRange);
    }
    if (range.outcome == RangeOutcome::kPartial) {
      first = range.first;
      length = range.length;
      whole = false;
      response.header.result(http::status::partial_content);
      response.header.set(http::field::content_range, ContentRange(first, length, info.size));
    }
  }

  SetValidators(response.header, info);
  SetVersionHeaders(ctx, response.header, info);
  SetSseResponseHeaders(response.header, info.sse, sse->customer_key_md5);
  response.header.set(http::field::accept_ranges, "bytes");
  for (const auto& [name, value] : info.headers) response.header.set(name, value);
  if (info.storage_class != "STANDARD" && !info.storage_class.empty()) {
    response.header.set("x-amz-storage-class", info.storage_class);
  }
  // A stored checksum covers what it was computed over: the whole object (for a multipart object
  // the composite of its parts) or one part. A byte range never carries one.
  auto mode = HeaderValue(ctx.request, "x-amz-checksum-mode");
  if (mode && AsciiLower(TrimSpaces(*mode)) == "enabled") {
    if (whole && info.checksum.algorithm != ChecksumAlgorithm::kNone) {
      SetChecksumHeader(response.header, info.checksum, info.parts.size());
      response.header.set("x-amz-checksum-type", info.parts.empty() ? "FULL_OBJECT" : "COMPOSITE");
    } else if (part_number && !info.parts.empty()) {
      const storage::PartSummary& part = info.parts[*part_number - 1];
      if (part.checksum.algorithm != ChecksumAlgorithm::kNone) {
        SetChecksumHeader(response.header, part.checksum);
        response.header.set("x-amz-checksum-type", "FULL_OBJECT");
      }
    }
  }
  for (const auto& [param, header] : kResponseOverrides) {
    auto value = ctx.target.Query(param);
    if (!value) continue;
    // The value comes percent-decoded from the URL: a CR or LF would split the response
    // header, so control characters are refused.
    for (char c : *value) {
      auto byte = static_cast<unsigned char>(c);
      if ((byte < 0x20 && c != '\t') || byte == 0x7F) {
        return Fail(ctx, S3Errc::kInvalidArgument,
                    "Invalid value for " + std::string(param) + " parameter.");
      }
    }
    response.header.set(header, *value);
  }
  response.header.set(http::field::content_length, std::to_string(length));
  if (!head) response.stream = storage::NewRangeSource(std::move(reader), first, length);
  return response;
}

HandlerResult DeleteObject(HandlerContext& ctx) {
  storage::DeleteOptions options;
  options.version_id = RequestVersionId(ctx);
  options.bypass_governance = BypassGovernance(ctx);
  if (auto if_match = HeaderValue(ctx.request, "if-match")) {
    // Conditional delete: only if the latest (or the named version) has this ETag, checked
    // atomically by storage.
    std::string_view etag = UnquoteEtag(*if_match);
    if (etag.empty()) return Fail(ctx, S3Errc::kInvalidArgument, "Invalid If-Match value.");
    options.condition.if_match = std::string(etag);
  }
  auto result = ctx.store.DeleteObject(ctx.route.bucket, ctx.route.key, options);
  if (!result) {
    if (ToS3Error(result.error()) == S3Errc::kInvalidArgument && !options.version_id.empty()) {
      return Fail(ctx, S3Errc::kInvalidArgument, "Invalid version id specified");
    }
    // A named version that fails If-Match stays 412 (the key may well exist); for the latest,
    // a missing key is S3's 404.
    if (!options.version_id.empty()) return result.error();
    return WriteConditionError(ctx, result.error(), options.condition);
  }
  Response response;
  response.header.result(http::status::no_content);
  if (result->delete_marker) response.header.set("x-amz-delete-marker", "true");
  if (!result->version_id.empty()) response.header.set("x-amz-version-id", result->version_id);
  return response;
}

}  // namespace strata::api
