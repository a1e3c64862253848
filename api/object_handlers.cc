#include "api/object_handlers.h"

#include <array>

#include "api/conditional.h"
#include "api/http_date.h"
#include "api/http_range.h"
#include "api/request_headers.h"
#include "storage/body_source.h"
#include "storage/checksum.h"

namespace strata::api {
namespace {

using storage::ChecksumAlgorithm;

constexpr std::array<ChecksumAlgorithm, 5> kAlgorithms = {
    ChecksumAlgorithm::kCrc32, ChecksumAlgorithm::kCrc32c, ChecksumAlgorithm::kCrc64Nvme,
    ChecksumAlgorithm::kSha1, ChecksumAlgorithm::kSha256};

// Request headers stored with the object and returned on GET/HEAD (besides x-amz-meta-*).
constexpr std::array<std::string_view, 5> kStoredHeaders = {
    "content-disposition", "content-language", "cache-control", "expires", "content-type"};

// GetObject's response-* query overrides and the header each replaces.
constexpr std::array<std::pair<std::string_view, std::string_view>, 6> kResponseOverrides = {{
    {"response-content-type", "content-type"},
    {"response-content-language", "content-language"},
    {"response-expires", "expires"},
    {"response-cache-control", "cache-control"},
    {"response-content-disposition", "content-disposition"},
    {"response-content-encoding", "content-encoding"},
}};

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

std::string Quoted(std::string_view etag) { return "\"" + std::string(etag) + "\""; }

// Content-Encoding without the "aws-chunked" token, which describes the transfer, not the
// object ("" when it was the only token).
std::string StoredContentEncoding(std::string_view value) {
  std::string out;
  while (true) {
    size_t comma = value.find(',');
    std::string_view token = Trim(value.substr(0, comma));
    if (!token.empty() && AsciiLower(token) != "aws-chunked") {
      if (!out.empty()) out += ",";
      out += token;
    }
    if (comma == std::string_view::npos) return out;
    value.remove_prefix(comma + 1);
  }
}

bool IsStreaming(PayloadKind kind) {
  return kind == PayloadKind::kStreamingSigned || kind == PayloadKind::kStreamingSignedTrailer ||
         kind == PayloadKind::kStreamingUnsignedTrailer;
}

// Transfer-Encoding: chunked (its last coding must be chunked, RFC 9112).
bool IsHttpChunked(const http::request_header<>& request) {
  auto te = HeaderValue(request, "transfer-encoding");
  if (!te) return false;
  std::string value = AsciiLower(Trim(*te));
  return value.ends_with("chunked");
}

// Content-MD5 and the x-amz-checksum-* family into the spec the digesting body checks.
Result<storage::DigestSpec> ReadDigestSpec(HandlerContext& ctx) {
  storage::DigestSpec spec;
  const auto& request = ctx.request;
  if (auto md5 = HeaderValue(request, "content-md5")) {
    auto raw = storage::Base64Decode(Trim(*md5));
    if (!raw || raw->size() != 16) return Fail(ctx, S3Errc::kInvalidDigest).error();
    spec.expected_md5 = std::move(*raw);
  }

  // A checksum value in a header. More than one is refused, as AWS does.
  for (ChecksumAlgorithm a : kAlgorithms) {
    auto value = HeaderValue(request, storage::ChecksumHeaderName(a));
    if (!value) continue;
    if (spec.algorithm != ChecksumAlgorithm::kNone) {
      return Fail(ctx, S3Errc::kInvalidRequest, "Expecting a single x-amz-checksum- header")
          .error();
    }
    auto raw = storage::Base64Decode(Trim(*value));
    // AWS answers InvalidRequest, not InvalidDigest, for a checksum of the wrong shape.
    if (!raw || raw->size() != storage::ChecksumSize(a)) {
      return Fail(
                 ctx, S3Errc::kInvalidRequest,
                 "Value for " + std::string(storage::ChecksumHeaderName(a)) + " header is invalid.")
          .error();
    }
    spec.algorithm = a;
    spec.expected_checksum = std::move(*raw);
  }

  // A checksum promised in the trailer of an aws-chunked body.
  if (auto trailer = HeaderValue(request, "x-amz-trailer")) {
    std::string name = AsciiLower(Trim(*trailer));
    ChecksumAlgorithm trailer_algorithm = ChecksumAlgorithm::kNone;
    for (ChecksumAlgorithm a : kAlgorithms) {
      if (name == storage::ChecksumHeaderName(a)) trailer_algorithm = a;
    }
    if (trailer_algorithm == ChecksumAlgorithm::kNone) {
      return Fail(ctx, S3Errc::kInvalidRequest,
                  "The value specified in the x-amz-trailer header is not supported")
          .error();
    }
    if (spec.algorithm != ChecksumAlgorithm::kNone) {
      return Fail(ctx, S3Errc::kInvalidRequest, "Expecting a single x-amz-checksum- header")
          .error();
    }
    if (ctx.auth.payload != PayloadKind::kStreamingSignedTrailer &&
        ctx.auth.payload != PayloadKind::kStreamingUnsignedTrailer) {
      return Fail(ctx, S3Errc::kInvalidRequest,
                  "x-amz-trailer requires a STREAMING-*-TRAILER x-amz-content-sha256")
          .error();
    }
    spec.algorithm = trailer_algorithm;
    PayloadSource* body = ctx.body;
    spec.trailing_checksum = [body, name]() -> std::optional<std::string> {
      std::optional<std::string> text = body->Trailer(name);
      if (!text) return std::nullopt;
      // A malformed value cannot match; the digesting body then answers BadDigest.
      return storage::Base64Decode(Trim(*text));
    };
  }

  // The algorithm alone: we compute the checksum and return it (no value to verify).
  if (auto sdk = HeaderValue(request, "x-amz-sdk-checksum-algorithm")) {
    auto a = storage::ParseChecksumAlgorithm(Trim(*sdk));
    if (!a || *a == ChecksumAlgorithm::kNone) {
      return Fail(ctx, S3Errc::kInvalidRequest,
                  "Value for x-amz-sdk-checksum-algorithm header is invalid.")
          .error();
    }
    if (spec.algorithm == ChecksumAlgorithm::kNone) {
      spec.algorithm = *a;
    } else if (spec.algorithm != *a) {
      return Fail(ctx, S3Errc::kInvalidRequest,
                  "Value for x-amz-sdk-checksum-algorithm header is invalid.")
          .error();
    }
  }
  return spec;
}

// The headers stored with the object: the representation headers and user metadata.
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

void SetChecksumHeader(http::response_header<>& header, const storage::Checksum& checksum) {
  if (checksum.algorithm == ChecksumAlgorithm::kNone) return;
  header.set(storage::ChecksumHeaderName(checksum.algorithm),
             storage::Base64Encode(checksum.value));
}

// ETag, Last-Modified and the validators every GET/HEAD/304 answer carries.
void SetValidators(http::response_header<>& header, const storage::ObjectInfo& info) {
  header.set(http::field::etag, Quoted(info.etag));
  header.set(http::field::last_modified, FormatHttpDate(info.last_modified));
}

Preconditions ReadPreconditions(const http::request_header<>& request) {
  Preconditions p;
  if (auto v = HeaderValue(request, "if-match")) p.if_match = std::string(*v);
  if (auto v = HeaderValue(request, "if-none-match")) p.if_none_match = std::string(*v);
  if (auto v = HeaderValue(request, "if-modified-since")) p.if_modified_since = ParseHttpDate(*v);
  if (auto v = HeaderValue(request, "if-unmodified-since")) {
    p.if_unmodified_since = ParseHttpDate(*v);
  }
  return p;
}

}  // namespace

HandlerResult PutObject(HandlerContext& ctx) {
  if (ctx.route.key.size() > kMaxKeyLength) return Fail(ctx, S3Errc::kKeyTooLongError);

  // Size first: refuse before reading a byte of an upload we would not keep.
  const bool streaming = IsStreaming(ctx.auth.payload);
  if (streaming && !HeaderValue(ctx.request, "x-amz-decoded-content-length")) {
    return Fail(ctx, S3Errc::kMissingContentLength);
  }
  std::optional<uint64_t> length = ctx.body->declared_length();
  if (!length && !IsHttpChunked(ctx.request)) return Fail(ctx, S3Errc::kMissingContentLength);
  if (length && *length > kMaxPutObjectSize) return Fail(ctx, S3Errc::kEntityTooLarge);

  auto spec = ReadDigestSpec(ctx);
  if (!spec) return spec.error();
  auto headers = ReadStoredHeaders(ctx);
  if (!headers) return headers.error();

  storage::PutOptions options;
  options.headers = std::move(*headers);
  if (auto storage_class = HeaderValue(ctx.request, "x-amz-storage-class")) {
    options.storage_class = std::string(Trim(*storage_class));
  }
  std::unique_ptr<storage::BodySource> body = storage::NewDigestingSource(*ctx.body, *spec);
  auto info = ctx.store.Put(ctx.route.bucket, ctx.route.key, *body, options);
  if (!info) return info.error();

  Response response;
  response.header.result(http::status::ok);
  response.header.set(http::field::etag, Quoted(info->etag));
  SetChecksumHeader(response.header, info->checksum);
  return response;
}

HandlerResult GetObject(HandlerContext& ctx) {
  const bool head = ctx.route.operation == Operation::kHeadObject;
  // HEAD needs no reader: metadata only.
  std::unique_ptr<storage::ObjectReader> reader;
  storage::ObjectInfo info;
  if (head) {
    auto found = ctx.store.Head(ctx.route.bucket, ctx.route.key);
    if (!found) return found.error();
    info = std::move(*found);
  } else {
    auto opened = ctx.store.Get(ctx.route.bucket, ctx.route.key);
    if (!opened) return opened.error();
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
      return response;
    }
    case ConditionOutcome::kProceed:
      break;
  }

  RangeResult range = EvaluateRange(HeaderValue(ctx.request, "range").value_or(""), info.size);
  if (range.outcome == RangeOutcome::kUnsatisfiable) {
    ctx.error_headers.set(http::field::content_range, UnsatisfiedContentRange(info.size));
    return Fail(ctx, S3Errc::kInvalidRange);
  }
  uint64_t first = 0;
  uint64_t length = info.size;
  Response response;
  if (range.outcome == RangeOutcome::kPartial) {
    first = range.first;
    length = range.length;
    response.header.result(http::status::partial_content);
    response.header.set(http::field::content_range, ContentRange(first, length, info.size));
  } else {
    response.header.result(http::status::ok);
  }

  SetValidators(response.header, info);
  response.header.set(http::field::accept_ranges, "bytes");
  for (const auto& [name, value] : info.headers) response.header.set(name, value);
  if (info.storage_class != "STANDARD" && !info.storage_class.empty()) {
    response.header.set("x-amz-storage-class", info.storage_class);
  }
  // A stored checksum covers the whole object only, so a range never carries it.
  auto mode = HeaderValue(ctx.request, "x-amz-checksum-mode");
  if (mode && AsciiLower(Trim(*mode)) == "enabled" && range.outcome == RangeOutcome::kFull &&
      info.checksum.algorithm != ChecksumAlgorithm::kNone) {
    SetChecksumHeader(response.header, info.checksum);
    response.header.set("x-amz-checksum-type", "FULL_OBJECT");
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
  if (boost::system::error_code ec = ctx.store.Delete(ctx.route.bucket, ctx.route.key)) return ec;
  Response response;
  response.header.result(http::status::no_content);
  return response;
}

}  // namespace strata::api
