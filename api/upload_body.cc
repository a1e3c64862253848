#include "api/upload_body.h"

#include "api/request_headers.h"

namespace strata::api {
namespace {

using storage::ChecksumAlgorithm;

bool IsStreaming(PayloadKind kind) {
  return kind == PayloadKind::kStreamingSigned || kind == PayloadKind::kStreamingSignedTrailer ||
         kind == PayloadKind::kStreamingUnsignedTrailer;
}

// Transfer-Encoding: chunked (its last coding must be chunked, RFC 9112).
bool IsHttpChunked(const http::request_header<>& request) {
  auto te = HeaderValue(request, "transfer-encoding");
  if (!te) return false;
  std::string value = AsciiLower(TrimSpaces(*te));
  return value.ends_with("chunked");
}

}  // namespace

boost::system::error_code CheckUploadLength(HandlerContext& ctx, uint64_t max_size) {
  const bool streaming = IsStreaming(ctx.auth.payload);
  if (streaming && !HeaderValue(ctx.request, "x-amz-decoded-content-length")) {
    return Fail(ctx, S3Errc::kMissingContentLength).error();
  }
  std::optional<uint64_t> length = ctx.body->declared_length();
  if (!length && !IsHttpChunked(ctx.request)) {
    return Fail(ctx, S3Errc::kMissingContentLength).error();
  }
  if (length && *length > max_size) return Fail(ctx, S3Errc::kEntityTooLarge).error();
  return {};
}

Result<storage::DigestSpec> ReadDigestSpec(HandlerContext& ctx) {
  storage::DigestSpec spec;
  const auto& request = ctx.request;
  if (auto md5 = HeaderValue(request, "content-md5")) {
    auto raw = storage::Base64Decode(TrimSpaces(*md5));
    if (!raw || raw->size() != 16) return Fail(ctx, S3Errc::kInvalidDigest).error();
    spec.expected_md5 = std::move(*raw);
  }

  // A checksum value in a header. More than one is refused, as AWS does.
  for (ChecksumAlgorithm a : kChecksumAlgorithms) {
    auto value = HeaderValue(request, storage::ChecksumHeaderName(a));
    if (!value) continue;
    if (spec.algorithm != ChecksumAlgorithm::kNone) {
      return Fail(ctx, S3Errc::kInvalidRequest, "Expecting a single x-amz-checksum- header")
          .error();
    }
    auto raw = storage::Base64Decode(TrimSpaces(*value));
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
    std::string name = AsciiLower(TrimSpaces(*trailer));
    ChecksumAlgorithm trailer_algorithm = ChecksumAlgorithm::kNone;
    for (ChecksumAlgorithm a : kChecksumAlgorithms) {
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
      return storage::Base64Decode(TrimSpaces(*text));
    };
  }

  // The algorithm alone: we compute the checksum and return it (no value to verify).
  if (auto sdk = HeaderValue(request, "x-amz-sdk-checksum-algorithm")) {
    auto a = storage::ParseChecksumAlgorithm(TrimSpaces(*sdk));
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

bool HasIntegrityDigest(const storage::DigestSpec& spec) {
  return spec.expected_md5 || spec.expected_checksum || spec.trailing_checksum != nullptr;
}

}  // namespace strata::api
