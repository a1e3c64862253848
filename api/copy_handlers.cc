#include "api/copy_handlers.h"

#include "api/conditional.h"
#include "api/http_date.h"
#include "api/multipart_handlers.h"
#include "api/object_handlers.h"
#include "api/object_headers.h"
#include "api/request_headers.h"
#include "api/sse_headers.h"
#include "api/uri.h"
#include "api/version_headers.h"
#include "api/xml.h"
#include "storage/body_source.h"
#include "storage/checksum.h"

namespace strata::api {
namespace {

using storage::ChecksumAlgorithm;

constexpr std::string_view kCopyRangeForm =
    "The x-amz-copy-source-range value must be of the form bytes=first-last where first and "
    "last are the zero-based offsets of the first and last bytes to copy";

// The raw MD5 of a single-part object's ETag (32 hex digits), or nullopt for multipart ETags.
std::optional<std::string> EtagMd5(std::string_view etag) {
  if (etag.size() != 32) return std::nullopt;
  std::string raw(16, '\0');
  for (size_t i = 0; i < 32; ++i) {
    char c = etag[i];
    int v = c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
    if (v < 0) return std::nullopt;
    raw[i / 2] = static_cast<char>(raw[i / 2] | (i % 2 == 0 ? v << 4 : v));
  }
  return raw;
}

// The source named by x-amz-copy-source, opened (pinned) with its SSE-C key
// (x-amz-copy-source-server-side-encryption-customer-*) and checked against the
// x-amz-copy-source-if-* conditions. For a copy, a condition that would make a GET answer 304
// fails the request as well: S3 answers 412 either way.
Result<std::unique_ptr<storage::ObjectReader>> OpenCopySource(HandlerContext& ctx) {
  std::string message;
  auto source =
      ParseCopySource(HeaderValue(ctx.request, "x-amz-copy-source").value_or(""), &message);
  if (!source) return Fail(ctx, ToS3Error(source.error()), std::move(message)).error();
  auto source_key = ReadSseCustomerKey(ctx, kCopySourceSseCustomerPrefix);
  if (!source_key) return source_key.error();
  auto reader = ctx.store.GetVersion(source->bucket, source->key, source->version_id,
                                     storage::ReadOptions{source_key->customer_key});
  if (!reader) {
    if (IsSseKeyError(reader.error())) return SseReadError(ctx, reader.error());
    if (ToS3Error(reader.error()) == S3Errc::kMethodNotAllowed) {
      return Fail(ctx, S3Errc::kInvalidRequest,
                  "The source of a copy request may not specifically refer to a delete marker by "
                  "version id.")
          .error();
    }
    return reader.error();
  }
  const storage::ObjectInfo& info = (*reader)->info();
  Preconditions conditions = ReadPreconditions(ctx.request, "x-amz-copy-source-");
  if (EvaluatePreconditions(conditions, info.etag, info.last_modified) !=
      ConditionOutcome::kProceed) {
    return Fail(ctx, S3Errc::kPreconditionFailed).error();
  }
  return std::move(*reader);
}

// What the copy's digesting body checks: the source's own MD5 and checksum when the whole of a
// single-part source is copied (so a bad read cannot become a good-looking copy), and the
// checksum algorithm the copy must carry.
storage::DigestSpec CopySpec(const storage::ObjectInfo& source, bool whole,
                             ChecksumAlgorithm algorithm) {
  storage::DigestSpec spec;
  spec.algorithm = algorithm;
  // An SSE-C object's ETag is not its MD5 (storage/sse.h): only its checksum can be re-verified.
  if (whole && source.parts.empty() && source.sse != storage::SseMode::kCustomer) {
    spec.expected_md5 = EtagMd5(source.etag);
    if (algorithm != ChecksumAlgorithm::kNone && source.checksum.algorithm == algorithm) {
      spec.expected_checksum = source.checksum.value;
    }
  }
  return spec;
}

Response XmlDocument(std::string xml) {
  Response response;
  response.header.result(http::status::ok);
  response.header.set(http::field::content_type, "application/xml");
  response.body = std::move(xml);
  return response;
}

// CopyObjectResult / CopyPartResult.
std::string CopyResultXml(std::string_view root, std::string_view etag,
                          storage::TimePoint last_modified, const storage::Checksum& checksum) {
  XmlWriter xml;
  xml.Open(root, kS3XmlNamespace)
      .Element("ETag", QuotedEtag(etag))
      .Element("LastModified", FormatIso8601(last_modified));
  if (checksum.algorithm != ChecksumAlgorithm::kNone) {
    xml.Element("Checksum" + std::string(storage::ChecksumAlgorithmName(checksum.algorithm)),
                ChecksumText(checksum));
    xml.Element("ChecksumType", "FULL_OBJECT");
  }
  xml.Close(root);
  return xml.Finish();
}

// x-amz-copy-source-version-id: the source version copied (its "null" only when named).
void SetCopySourceVersion(HandlerContext& ctx, http::response_header<>& header,
                          const storage::ObjectInfo& source) {
  auto named = HeaderValue(ctx.request, "x-amz-copy-source").value_or("");
  if (source.version_id != "null" || named.find("?versionId=") != std::string_view::npos) {
    header.set("x-amz-copy-source-version-id", source.version_id);
  }
}

}  // namespace

Result<CopySource> ParseCopySource(std::string_view header, std::string* message) {
  message->clear();
  auto invalid = [message](std::string text) {
    *message = std::move(text);
    return make_error_code(S3Errc::kInvalidArgument);
  };
  std::string_view raw = TrimSpaces(header);
  std::string_view version_id;
  // '?' separates the version: one inside a key arrives percent-encoded.
  size_t question = raw.find('?');
  if (question != std::string_view::npos) {
    std::string_view query = raw.substr(question + 1);
    raw = raw.substr(0, question);
    if (!query.starts_with("versionId=")) return invalid("Unsupported copy source parameter.");
    version_id = query.substr(10);
    // Version ids are short tokens; anything longer (or empty) is not one of ours.
    if (version_id.empty() || version_id.size() > 1024)
      return invalid("Invalid version id specified");
  }
  std::optional<std::string> decoded = UriDecode(raw);
  if (!decoded) return invalid("Invalid copy source encoding.");
  std::string_view path = *decoded;
  if (path.starts_with('/')) path.remove_prefix(1);
  if (path.starts_with("arn:")) {
    *message = "Copying from an access point is not implemented.";
    return make_error_code(S3Errc::kNotImplemented);
  }
  size_t slash = path.find('/');
  if (slash == std::string_view::npos || slash == 0 || slash + 1 == path.size()) {
    return invalid("Copy Source must mention the source bucket and key: sourcebucket/sourcekey");
  }
  if (path.find('\0') != std::string_view::npos) return invalid("Invalid copy source object key");
  CopySource source{std::string(path.substr(0, slash)), std::string(path.substr(slash + 1)),
                    std::string(version_id)};
  if (source.key.size() > kMaxKeyLength) return invalid("Invalid copy source object key");
  return source;
}

Result<CopyRange> ParseCopySourceRange(std::string_view header, uint64_t source_size,
                                       std::string* message) {
  message->clear();
  std::string_view text = TrimSpaces(header);
  size_t dash = text.find('-');
  std::optional<uint64_t> first;
  std::optional<uint64_t> last;
  if (text.starts_with("bytes=") && dash != std::string_view::npos) {
    first = ParseDecimal(text.substr(6, dash - 6));
    last = ParseDecimal(text.substr(dash + 1));
  }
  if (!first || !last || *first > *last) {
    *message = std::string(kCopyRangeForm);
    return make_error_code(S3Errc::kInvalidArgument);
  }
  if (*last >= source_size) {
    *message =
        "Range specified is not valid for source object of size: " + std::to_string(source_size);
    return make_error_code(S3Errc::kInvalidRange);
  }
  return CopyRange{*first, *last - *first + 1};
}

HandlerResult CopyObject(HandlerContext& ctx) {
  if (ctx.route.key.size() > kMaxKeyLength) return Fail(ctx, S3Errc::kKeyTooLongError);
  std::string directive(
      AsciiLower(TrimSpaces(HeaderValue(ctx.request, "x-amz-metadata-directive").value_or(""))));
  if (!directive.empty() && directive != "copy" && directive != "replace") {
    return Fail(ctx, S3Errc::kInvalidArgument, "Unknown metadata directive.");
  }
  const bool replace = directive == "replace";
  std::string tagging_directive(
      AsciiLower(TrimSpaces(HeaderValue(ctx.request, "x-amz-tagging-directive").value_or(""))));
  if (!tagging_directive.empty() && tagging_directive != "copy" && tagging_directive != "replace") {
    return Fail(ctx, S3Errc::kInvalidArgument, "Unknown tagging directive.");
  }
  const bool replace_tags = tagging_directive == "replace";
  auto version = ReadVersionOptions(ctx, /*with_tags=*/replace_tags);
  if (!version) return version.error();
  auto condition = ReadWriteCondition(ctx);
  if (!condition) return condition.error();
  // The destination's encryption: the request's, else the destination bucket's default; never
  // the source's (as S3).
  const bool sse_given = HeaderValue(ctx.request, "x-amz-server-side-encryption").has_value() ||
                         HasSseCustomerHeader(ctx.request, kSseCustomerPrefix);
  auto sse = ReadWriteSse(ctx);
  if (!sse) return sse.error();
  ChecksumAlgorithm requested_algorithm = ChecksumAlgorithm::kNone;
  if (auto algorithm = HeaderValue(ctx.request, "x-amz-checksum-algorithm")) {
    auto a = storage::ParseChecksumAlgorithm(TrimSpaces(*algorithm));
    if (!a || *a == ChecksumAlgorithm::kNone) {
      return Fail(ctx, S3Errc::kInvalidRequest,
                  "Value for x-amz-checksum-algorithm header is invalid.");
    }
    requested_algorithm = *a;
  }

  auto reader = OpenCopySource(ctx);
  if (!reader) return reader.error();
  const storage::ObjectInfo source = (*reader)->info();
  if (source.size > kMaxPutObjectSize) {
    return Fail(ctx, S3Errc::kInvalidRequest,
                "The specified copy source is larger than the maximum allowable size for a copy "
                "source: " +
                    std::to_string(kMaxPutObjectSize));
  }

  storage::PutOptions options;
  options.condition = std::move(*condition);
  options.version = std::move(*version);
  options.sse = sse->ToRequest();
  if (!replace_tags && source.tag_count > 0) {
    // COPY (the default) carries the source version's tags over.
    auto tags = ctx.store.GetObjectTagging(source.bucket, source.key, source.version_id);
    if (!tags) return tags.error();
    options.version.tags = std::move(tags->tags);
  }
  auto storage_class = HeaderValue(ctx.request, "x-amz-storage-class");
  if (storage_class) options.storage_class = std::string(TrimSpaces(*storage_class));
  // Copying a named older version onto its own key restores it: not a self-copy.
  const bool names_version =
      HeaderValue(ctx.request, "x-amz-copy-source").value_or("").find("?versionId=") !=
      std::string_view::npos;
  const bool same_object =
      source.bucket == ctx.route.bucket && source.key == ctx.route.key && !names_version;
  const bool class_changes = storage_class && options.storage_class != source.storage_class;
  const bool checksum_changes = requested_algorithm != ChecksumAlgorithm::kNone &&
                                requested_algorithm != source.checksum.algorithm;
  if (same_object && !replace && !class_changes && !checksum_changes && !sse_given) {
    return Fail(ctx, S3Errc::kInvalidRequest,
                "This copy request is illegal because it is trying to copy an object to itself "
                "without changing the object's metadata, storage class, website redirect "
                "location or encryption attributes.");
  }
  if (replace) {
    auto headers = ReadStoredHeaders(ctx);
    if (!headers) return headers.error();
    options.headers = std::move(*headers);
  } else {
    options.headers = source.headers;
  }

  // The copy keeps the source's checksum algorithm unless the request names another.
  const ChecksumAlgorithm algorithm = requested_algorithm != ChecksumAlgorithm::kNone
                                          ? requested_algorithm
                                          : source.checksum.algorithm;
  std::unique_ptr<storage::ByteSource> range =
      storage::NewRangeSource(std::move(*reader), 0, source.size);
  std::unique_ptr<storage::BodySource> body =
      storage::NewDigestingSource(*range, CopySpec(source, /*whole=*/true, algorithm));
  auto info = ctx.store.Put(ctx.route.bucket, ctx.route.key, *body, options);
  if (!info) return WriteConditionError(ctx, info.error(), options.condition);
  Response response = XmlDocument(
      CopyResultXml("CopyObjectResult", info->etag, info->last_modified, info->checksum));
  SetWrittenVersionHeader(response.header, *info);
  SetCopySourceVersion(ctx, response.header, source);
  SetSseResponseHeaders(response.header, info->sse, sse->customer_key_md5);
  return response;
}

HandlerResult UploadPartCopy(HandlerContext& ctx) {
  auto part_number = ReadPartNumber(ctx);
  if (!part_number) return part_number.error();
  auto upload = FindUpload(ctx);
  if (!upload) return upload.error();
  // The upload's own SSE-C key (the destination), checked by storage against the upload.
  auto part_key = ReadSseCustomerKey(ctx);
  if (!part_key) return part_key.error();
  auto reader = OpenCopySource(ctx);
  if (!reader) return reader.error();
  const storage::ObjectInfo source = (*reader)->info();

  CopyRange range{0, source.size};
  if (auto header = HeaderValue(ctx.request, "x-amz-copy-source-range")) {
    std::string message;
    auto parsed = ParseCopySourceRange(*header, source.size, &message);
    if (!parsed) return Fail(ctx, ToS3Error(parsed.error()), std::move(message));
    range = *parsed;
  }
  if (range.length > storage::kMaxPartSize) {
    return Fail(ctx, S3Errc::kInvalidRequest,
                "The specified copy range is larger than the maximum allowable part size.");
  }

  const bool whole = range.first == 0 && range.length == source.size;
  std::unique_ptr<storage::ByteSource> bytes =
      storage::NewRangeSource(std::move(*reader), range.first, range.length);
  std::unique_ptr<storage::BodySource> body =
      storage::NewDigestingSource(*bytes, CopySpec(source, whole, upload->checksum_algorithm));
  auto part = ctx.store.UploadPart(ctx.route.bucket, ctx.route.key, upload->upload_id, *part_number,
                                   *body, storage::PartOptions{part_key->customer_key});
  if (!part) return UploadPartSseError(ctx, part.error());
  Response response =
      XmlDocument(CopyResultXml("CopyPartResult", part->etag, part->last_modified, part->checksum));
  SetCopySourceVersion(ctx, response.header, source);
  SetSseResponseHeaders(response.header, upload->sse, part_key->customer_key_md5);
  return response;
}

}  // namespace strata::api
