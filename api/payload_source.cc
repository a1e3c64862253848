// NewPayloadSource: picks the body decoder that the verified x-amz-content-sha256 calls for.
#include <charconv>

#include "api/aws_chunked.h"
#include "api/hmac.h"
#include "api/request_headers.h"
#include "api/sigv4.h"

namespace strata::api {
namespace {

namespace http = boost::beast::http;

std::optional<uint64_t> ParseLength(std::string_view text) {
  if (text.empty() || text.size() > 20) return std::nullopt;
  uint64_t value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size()) return std::nullopt;
  return value;
}

// A body without framing: passed through, and with an expected digest, hashed and checked when
// the body ends.
class PlainSource final : public PayloadSource {
 public:
  PlainSource(storage::ByteSource& raw, std::optional<uint64_t> declared,
              std::optional<std::string> expected_sha256)
      : raw_(raw), declared_(declared), expected_sha256_(std::move(expected_sha256)) {}

  std::optional<uint64_t> declared_length() const override { return declared_; }
  std::optional<std::string> Trailer(std::string_view) const override { return std::nullopt; }

  Result<size_t> Read(std::span<std::byte> out) override {
    if (error_) return error_;
    if (done_ || out.empty()) return size_t{0};
    auto got = raw_.Read(out);
    if (!got) return Fail(got.error());
    if (*got == 0) {
      if (declared_ && total_ != *declared_) return Fail(S3Errc::kIncompleteBody);
      if (expected_sha256_ && hash_.FinishHex() != *expected_sha256_) {
        return Fail(S3Errc::kXAmzContentSHA256Mismatch);
      }
      done_ = true;
      return size_t{0};
    }
    total_ += *got;
    if (declared_ && total_ > *declared_) return Fail(S3Errc::kIncompleteBody);
    if (expected_sha256_) hash_.Update(out.first(*got));
    return *got;
  }

 private:
  boost::system::error_code Fail(boost::system::error_code ec) {
    error_ = ec;
    return ec;
  }
  boost::system::error_code Fail(S3Errc e) { return Fail(make_error_code(e)); }

  storage::ByteSource& raw_;
  const std::optional<uint64_t> declared_;
  const std::optional<std::string> expected_sha256_;  // lower-case hex
  Sha256Stream hash_;
  uint64_t total_ = 0;
  bool done_ = false;
  boost::system::error_code error_;
};

}  // namespace

Result<std::unique_ptr<PayloadSource>> NewPayloadSource(storage::ByteSource& raw,
                                                        const AuthContext& auth,
                                                        const http::request_header<>& request) {
  std::optional<uint64_t> content_length;
  if (auto it = request.find(http::field::content_length); it != request.end()) {
    content_length = ParseLength(it->value());
  }
  switch (auth.payload) {
    case PayloadKind::kUnsigned:
      return std::unique_ptr<PayloadSource>(
          std::make_unique<PlainSource>(raw, content_length, std::nullopt));
    case PayloadKind::kSha256:
      return std::unique_ptr<PayloadSource>(
          std::make_unique<PlainSource>(raw, content_length, auth.payload_sha256));
    case PayloadKind::kStreamingSigned:
    case PayloadKind::kStreamingSignedTrailer:
    case PayloadKind::kStreamingUnsignedTrailer:
      break;
  }
  AwsChunkedOptions options;
  options.kind = auth.payload;
  auto decoded = request.find("x-amz-decoded-content-length");
  if (decoded == request.end()) return make_error_code(S3Errc::kMissingContentLength);
  auto length = ParseLength(TrimSpaces(decoded->value()));
  if (!length) return make_error_code(S3Errc::kInvalidArgument);
  options.decoded_length = *length;
  // x-amz-trailer: "x-amz-checksum-crc32" (a comma-separated list is accepted too).
  auto [first, last] = request.equal_range("x-amz-trailer");
  for (auto it = first; it != last; ++it) {
    std::string_view list = it->value();
    while (!list.empty()) {
      size_t comma = list.find(',');
      std::string_view name = TrimSpaces(list.substr(0, comma));
      list = comma == std::string_view::npos ? std::string_view() : list.substr(comma + 1);
      if (name.empty()) continue;
      std::string lower(name);
      for (char& c : lower) {
        if (c >= 'A' && c <= 'Z') c = static_cast<char>(c + 32);
      }
      options.declared_trailers.push_back(std::move(lower));
      if (options.declared_trailers.size() > 16) {
        return make_error_code(S3Errc::kMalformedTrailerError);
      }
    }
  }
  if (!options.declared_trailers.empty() && auth.payload == PayloadKind::kStreamingSigned) {
    return make_error_code(S3Errc::kMalformedTrailerError);  // this kind carries no trailer
  }
  if (auth.payload != PayloadKind::kStreamingUnsignedTrailer &&
      (auth.signing_key.empty() || auth.seed_signature.empty())) {
    return make_error_code(S3Errc::kSignatureDoesNotMatch);  // nothing to chain from
  }
  options.amz_date = auth.amz_date;
  options.scope = auth.scope;
  options.signing_key = auth.signing_key;
  options.seed_signature = auth.seed_signature;
  return NewAwsChunkedSource(raw, std::move(options));
}

}  // namespace strata::api
