#include "api/sse_headers.h"

#include <openssl/crypto.h>

#include "api/request_headers.h"
#include "storage/checksum.h"
#include "storage/errors.h"

namespace strata::api {
namespace {

namespace http = boost::beast::http;

constexpr std::string_view kSseHeader = "x-amz-server-side-encryption";
constexpr size_t kCustomerKeyBytes = 32;

boost::system::error_code Error(S3Errc e, std::string* message, std::string_view text) {
  if (message != nullptr) *message = std::string(text);
  return make_error_code(e);
}

std::optional<std::string_view> Header(const http::request_header<>& request,
                                       std::string_view prefix, std::string_view suffix) {
  std::string name(prefix);
  name += suffix;
  return HeaderValue(request, name);
}

}  // namespace

bool HasSseCustomerHeader(const http::request_header<>& request, std::string_view prefix) {
  for (const auto& field : request) {
    std::string_view name = field.name_string();
    if (name.size() < prefix.size()) continue;
    if (AsciiLower(name.substr(0, prefix.size())) == prefix) return true;
  }
  return false;
}

Result<SseHeaders> ParseSseCustomerHeaders(const http::request_header<>& request,
                                           std::string_view prefix, std::string* message) {
  if (message != nullptr) message->clear();
  auto algorithm = Header(request, prefix, "algorithm");
  auto key = Header(request, prefix, "key");
  auto key_md5 = Header(request, prefix, "key-md5");
  SseHeaders out;
  if (!algorithm && !key && !key_md5) return out;
  // AWS checks in this order: the algorithm, then the key, then its MD5.
  if (!algorithm) {
    return Error(S3Errc::kInvalidArgument, message,
                 "Requests specifying Server Side Encryption with Customer provided keys must "
                 "provide a valid encryption algorithm.");
  }
  if (TrimSpaces(*algorithm) != "AES256") {
    return Error(S3Errc::kInvalidEncryptionAlgorithmError, message,
                 "The Encryption request you specified is not valid. Supported value: AES256.");
  }
  if (!key) {
    return Error(S3Errc::kInvalidArgument, message,
                 "Requests specifying Server Side Encryption with Customer provided keys must "
                 "provide an appropriate secret key.");
  }
  // A base64 text longer than a 32-byte key needs is refused before it is decoded.
  std::string_view key_text = TrimSpaces(*key);
  std::optional<std::string> raw_key;
  if (key_text.size() <= 64) raw_key = storage::Base64Decode(key_text);
  if (!raw_key || raw_key->size() != kCustomerKeyBytes) {
    if (raw_key) OPENSSL_cleanse(raw_key->data(), raw_key->size());
    return Error(S3Errc::kInvalidArgument, message,
                 "The secret key was invalid for the specified algorithm.");
  }
  if (!key_md5) {
    OPENSSL_cleanse(raw_key->data(), raw_key->size());
    return Error(S3Errc::kInvalidArgument, message,
                 "Requests specifying Server Side Encryption with Customer provided keys must "
                 "provide the client calculated MD5 of the secret key.");
  }
  const std::string md5 = storage::Md5(*raw_key);
  std::string_view md5_text = TrimSpaces(*key_md5);
  std::optional<std::string> given;
  if (md5_text.size() <= 64) given = storage::Base64Decode(md5_text);
  if (!given || *given != md5) {
    OPENSSL_cleanse(raw_key->data(), raw_key->size());
    return Error(S3Errc::kInvalidArgument, message,
                 "The calculated MD5 hash of the key did not match the hash that was provided.");
  }
  out.mode = storage::SseMode::kCustomer;
  out.customer_key = std::move(*raw_key);
  out.customer_key_md5 = storage::Base64Encode(md5);
  return out;
}

Result<SseHeaders> ParseSseWriteHeaders(const http::request_header<>& request,
                                        std::string* message) {
  if (message != nullptr) message->clear();
  auto sse = HeaderValue(request, kSseHeader);
  bool sse_s3 = false;
  bool kms = false;
  if (sse) {
    std::string_view value = TrimSpaces(*sse);
    if (value == "AES256") {
      sse_s3 = true;
    } else if (value == "aws:kms" || value == "aws:kms:dsse") {
      kms = true;
    } else {
      return Error(S3Errc::kInvalidArgument, message,
                   "The encryption method specified is not supported");
    }
  }
  const bool kms_params =
      HeaderValue(request, "x-amz-server-side-encryption-aws-kms-key-id").has_value() ||
      HeaderValue(request, "x-amz-server-side-encryption-context").has_value();
  const bool customer = HasSseCustomerHeader(request, kSseCustomerPrefix);
  if (customer && sse) {
    return Error(S3Errc::kInvalidArgument, message,
                 "Server Side Encryption with Customer provided key is incompatible with the "
                 "encryption method specified");
  }
  if (kms) {
    return Error(S3Errc::kNotImplemented, message,
                 "Server-side encryption with AWS KMS keys (SSE-KMS, DSSE-KMS) is not "
                 "implemented: use AES256 (SSE-S3) or customer-provided keys (SSE-C).");
  }
  if (kms_params) {
    return Error(S3Errc::kInvalidArgument, message,
                 "Server Side Encryption with AWS KMS managed key requires HTTP header "
                 "x-amz-server-side-encryption : aws:kms");
  }
  if (customer) return ParseSseCustomerHeaders(request, kSseCustomerPrefix, message);
  SseHeaders out;
  if (sse_s3) out.mode = storage::SseMode::kS3;
  return out;
}

void SetSseResponseHeaders(http::response_header<>& header, storage::SseMode mode,
                           std::string_view customer_key_md5) {
  switch (mode) {
    case storage::SseMode::kS3:
      header.set(kSseHeader, "AES256");
      break;
    case storage::SseMode::kCustomer:
      header.set("x-amz-server-side-encryption-customer-algorithm", "AES256");
      if (!customer_key_md5.empty()) {
        header.set("x-amz-server-side-encryption-customer-key-MD5", customer_key_md5);
      }
      break;
    case storage::SseMode::kNone:
      break;
  }
}

boost::system::error_code CheckSseTransport(HandlerContext& ctx, std::string_view prefix) {
  if (ctx.secure || !ctx.config.sse_customer_keys_need_tls) return {};
  if (!HasSseCustomerHeader(ctx.request, prefix)) return {};
  return Fail(ctx, S3Errc::kInvalidRequest,
              "Requests specifying Server Side Encryption with Customer provided keys must be "
              "made over a secure connection.")
      .error();
}

Result<SseHeaders> ReadWriteSse(HandlerContext& ctx) {
  if (auto ec = CheckSseTransport(ctx, kSseCustomerPrefix)) return ec;
  auto parsed = ParseSseWriteHeaders(ctx.request, &ctx.error_message);
  if (!parsed) return parsed.error();
  if (parsed->mode != storage::SseMode::kNone) return parsed;
  // No encryption asked for: the bucket's default decides.
  auto record = ctx.store.GetBucketAccess(ctx.route.bucket, storage::BucketAccessKind::kEncryption);
  if (!record) return record.error();
  if (record->has_value() && !(*record)->empty()) parsed->mode = storage::SseMode::kS3;
  return parsed;
}

Result<SseHeaders> ReadSseCustomerKey(HandlerContext& ctx, std::string_view prefix) {
  if (auto ec = CheckSseTransport(ctx, prefix)) return ec;
  return ParseSseCustomerHeaders(ctx.request, prefix, &ctx.error_message);
}

bool IsSseKeyError(const boost::system::error_code& ec) {
  return ec == storage::Errc::kSseKeyRequired || ec == storage::Errc::kSseKeyMismatch ||
         ec == storage::Errc::kSseNotApplicable;
}

boost::system::error_code UploadPartSseError(HandlerContext& ctx, boost::system::error_code ec) {
  if (ec == storage::Errc::kSseKeyRequired) {
    return Fail(ctx, S3Errc::kInvalidRequest,
                "The multipart upload initiate requested encryption. Subsequent part requests "
                "must include the appropriate encryption parameters.")
        .error();
  }
  if (ec == storage::Errc::kSseKeyMismatch) {
    return Fail(ctx, S3Errc::kInvalidRequest,
                "The provided encryption parameters did not match the ones used originally.")
        .error();
  }
  if (ec == storage::Errc::kSseNotApplicable) {
    return Fail(ctx, S3Errc::kInvalidRequest,
                "The multipart upload initiate did not request encryption with a customer "
                "provided key; the part must not carry one.")
        .error();
  }
  return ec;
}

boost::system::error_code SseReadError(HandlerContext& ctx, boost::system::error_code ec) {
  if (!IsSseKeyError(ec)) return ec;
  switch (static_cast<storage::Errc>(ec.value())) {
    case storage::Errc::kSseKeyRequired:
      return Fail(ctx, S3Errc::kInvalidRequest,
                  "The object was stored using a form of Server Side Encryption. The correct "
                  "parameters must be provided to retrieve the object.")
          .error();
    case storage::Errc::kSseKeyMismatch:
      return Fail(ctx, S3Errc::kAccessDenied,
                  "The provided customer key does not match the key the object was encrypted "
                  "with.")
          .error();
    case storage::Errc::kSseNotApplicable:
      return Fail(ctx, S3Errc::kInvalidRequest,
                  "The encryption parameters are not applicable to this object.")
          .error();
    default:
      return ec;
  }
}

}  // namespace strata::api
