// SigV4 request verification: the Authorization header and presigned-URL forms.
//
// Canonical URI: S3 neither normalizes the path nor double-encodes it. We canonicalize the
// decoded path with UriEncode(path, encode_slash=false), which is what botocore, the AWS SDKs
// and MinIO compute. A client that signed its raw path verbatim with a different but equivalent
// escaping (e.g. "%2F" or a raw '!') is also accepted: both strings decode to the same path, so
// accepting either proves the same request. Likewise the canonical query is tried with '+' read
// as a space (as ParseTarget routes it) and, when the raw query holds a '+', as a literal plus.
#include "api/sigv4.h"

#include <algorithm>
#include <mutex>
#include <unordered_map>

#include "api/hmac.h"
#include "api/http_date.h"
#include "api/sigv4_canonical.h"
#include "api/uri.h"

namespace strata::api {
namespace {

namespace http = boost::beast::http;
using namespace std::chrono_literals;

constexpr auto kMaxSkew = 15min;
constexpr long kMaxPresignExpiry = 604800;  // 7 days

// Derived keys change once a day per (secret, region); caching saves four HMACs per request.
class SigningKeyCache {
 public:
  std::string Get(std::string_view secret, std::string_view date, std::string_view region,
                  std::string_view service) {
    std::string key;
    key.reserve(secret.size() + date.size() + region.size() + service.size() + 3);
    key.append(secret)
        .append(1, '\0')
        .append(date)
        .append(1, '\0')
        .append(region)
        .append(1, '\0')
        .append(service);
    {
      std::lock_guard lock(mu_);
      auto it = keys_.find(key);
      if (it != keys_.end()) return it->second;
    }
    std::string derived = sigv4::DeriveSigningKey(secret, date, region, service);
    std::lock_guard lock(mu_);
    // Bounded: a burst of distinct dates or keys just clears the cache.
    if (keys_.size() >= kCapacity) keys_.clear();
    keys_.emplace(std::move(key), derived);
    return derived;
  }

 private:
  static constexpr size_t kCapacity = 256;
  std::mutex mu_;
  std::unordered_map<std::string, std::string> keys_;  // GUARDED_BY(mu_)
};

SigningKeyCache& KeyCache() {
  static SigningKeyCache cache;
  return cache;
}

std::optional<std::string_view> Header(const http::request_header<>& request,
                                       std::string_view name) {
  auto it = request.find(name);
  if (it == request.end()) return std::nullopt;
  return it->value();
}

bool StartsWith(std::string_view s, std::string_view prefix) {
  return s.substr(0, prefix.size()) == prefix;
}

std::string Lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c + 32) : c; });
  return out;
}

struct Failure {
  S3Errc errc;
  std::string message;
};

// Everything the signature covers, gathered by either auth form.
struct SignedRequest {
  const http::request_header<>* request;
  const ParsedTarget* target;
  std::string_view exclude_query;  // "X-Amz-Signature" for presigned URLs
  std::string_view signed_headers;
  const std::vector<std::string>* signed_header_names;
  std::string_view payload_hash;
  std::string_view amz_date;
  std::string scope;
  std::string signing_key;
  std::string_view provided_signature;  // lower-case hex
};

// Tries the canonical forms described at the top of this file; true if one matches.
bool SignatureMatches(const SignedRequest& r) {
  std::string canonical_headers = sigv4::CanonicalHeaders(*r.request, *r.signed_header_names);
  std::vector<std::string> uris = {UriEncode(r.target->path, /*encode_slash=*/false)};
  if (r.target->raw_path != uris.front()) uris.push_back(r.target->raw_path);
  std::vector<std::string> queries;
  if (auto q = sigv4::CanonicalQueryString(r.target->raw_query, true, r.exclude_query)) {
    queries.push_back(std::move(*q));
  }
  if (r.target->raw_query.find('+') != std::string::npos) {
    if (auto q = sigv4::CanonicalQueryString(r.target->raw_query, false, r.exclude_query)) {
      queries.push_back(std::move(*q));
    }
  }
  std::string_view method = r.request->method_string();
  bool matched = false;
  for (const std::string& uri : uris) {
    for (const std::string& query : queries) {
      std::string canonical = sigv4::CanonicalRequest(method, uri, query, canonical_headers,
                                                      r.signed_headers, r.payload_hash);
      std::string expected =
          sigv4::SignatureHex(r.signing_key, sigv4::StringToSign(r.amz_date, r.scope, canonical));
      // Every candidate is computed (no early exit) so timing says nothing about which matched.
      matched |= ConstantTimeEquals(expected, r.provided_signature);
    }
  }
  return matched;
}

bool HasHost(const std::vector<std::string>& names) {
  return std::find(names.begin(), names.end(), "host") != names.end();
}

Result<PayloadKind> ClassifyPayload(std::string_view value, Failure& failure) {
  if (value == sigv4::kUnsignedPayload) return PayloadKind::kUnsigned;
  if (value == sigv4::kStreamingSigned) return PayloadKind::kStreamingSigned;
  if (value == sigv4::kStreamingSignedTrailer) return PayloadKind::kStreamingSignedTrailer;
  if (value == sigv4::kStreamingUnsignedTrailer) return PayloadKind::kStreamingUnsignedTrailer;
  if (IsSha256Hex(value)) return PayloadKind::kSha256;
  if (StartsWith(value, "STREAMING-AWS4-ECDSA-P256-SHA256-PAYLOAD")) {
    failure = {S3Errc::kNotImplemented, "SigV4a (ECDSA) streaming payloads are not supported."};
    return make_error_code(failure.errc);
  }
  failure = {S3Errc::kInvalidArgument,
             "x-amz-content-sha256 must be UNSIGNED-PAYLOAD, STREAMING-AWS4-HMAC-SHA256-PAYLOAD, "
             "STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER, STREAMING-UNSIGNED-PAYLOAD-TRAILER, or "
             "a valid sha256 value."};
  return make_error_code(failure.errc);
}

// Checks a credential scope against this endpoint; `prefix` starts the message as AWS does for
// the header and query forms.
bool ScopeMatches(const sigv4::Credential& c, std::string_view region, std::string_view prefix,
                  Failure& failure, S3Errc errc) {
  std::string why;
  if (c.region != region) {
    why = "the region '" + c.region + "' is wrong; expecting '" + std::string(region) + "'";
  } else if (c.service != "s3") {
    why = "incorrect service '" + c.service + "'. This endpoint belongs to 's3'.";
  } else if (c.terminator != "aws4_request") {
    why = "incorrect terminal '" + c.terminator + "'. This endpoint uses 'aws4_request'.";
  } else {
    return true;
  }
  failure = {errc, std::string(prefix) + why};
  return false;
}

Result<AuthContext> VerifyHeaderAuth(const http::request_header<>& request,
                                     const ParsedTarget& target, std::string_view authorization,
                                     const SecretLookup& secrets, std::string_view region,
                                     SysTime now, Failure& failure) {
  const auto fail = [&](S3Errc e, std::string message = {}) -> Result<AuthContext> {
    failure = {e, std::move(message)};
    return make_error_code(e);
  };
  std::string parse_message;
  auto fields = sigv4::ParseAuthorization(authorization, &parse_message);
  if (!fields) return fail(S3Errc::kAuthorizationHeaderMalformed, parse_message);
  const sigv4::Credential& cred = fields->credential;
  if (!ScopeMatches(cred, region, "The authorization header is malformed; ", failure,
                    S3Errc::kAuthorizationHeaderMalformed)) {
    return make_error_code(failure.errc);
  }

  std::optional<SysTime> when;
  if (auto amz_date = Header(request, "x-amz-date")) {
    when = ParseAmzDate(*amz_date);
    if (!when) when = ParseHttpDate(*amz_date);
  } else if (auto date = Header(request, "date")) {
    when = ParseHttpDate(*date);
  }
  if (!when) {
    return fail(S3Errc::kAccessDenied,
                "AWS authentication requires a valid Date or x-amz-date header");
  }
  std::string amz_date = FormatAmzDate(*when);
  if (cred.date != std::string_view(amz_date).substr(0, 8)) {
    return fail(S3Errc::kAuthorizationHeaderMalformed,
                "The authorization header is malformed; Invalid credential date. Date is not the "
                "same as X-Amz-Date.");
  }
  if (*when - now > kMaxSkew || now - *when > kMaxSkew) {
    return fail(S3Errc::kRequestTimeTooSkewed,
                "The difference between the request time and the current time is too large.");
  }

  auto content_sha = Header(request, "x-amz-content-sha256");
  if (!content_sha) {
    return fail(S3Errc::kInvalidRequest,
                "Missing required header for this request: x-amz-content-sha256");
  }
  auto kind = ClassifyPayload(*content_sha, failure);
  if (!kind) return kind.error();
  if (!HasHost(fields->signed_header_names)) {
    return fail(S3Errc::kAuthorizationHeaderMalformed,
                "The authorization header is malformed; 'host' must be a signed header.");
  }

  auto secret = secrets ? secrets(cred.access_key) : std::nullopt;
  if (!secret) return fail(S3Errc::kInvalidAccessKeyId);

  SignedRequest r{&request,
                  &target,
                  {},
                  fields->signed_headers,
                  &fields->signed_header_names,
                  *content_sha,
                  amz_date,
                  cred.Scope(),
                  KeyCache().Get(*secret, cred.date, cred.region, cred.service),
                  fields->signature};
  if (!SignatureMatches(r)) return fail(S3Errc::kSignatureDoesNotMatch);

  AuthContext ctx;
  ctx.access_key = cred.access_key;
  ctx.payload = *kind;
  if (*kind == PayloadKind::kSha256) ctx.payload_sha256 = Lower(*content_sha);
  ctx.amz_date = std::move(amz_date);
  ctx.scope = std::move(r.scope);
  ctx.signing_key = std::move(r.signing_key);
  ctx.seed_signature = fields->signature;
  return ctx;
}

Result<AuthContext> VerifyPresigned(const http::request_header<>& request,
                                    const ParsedTarget& target, const SecretLookup& secrets,
                                    std::string_view region, SysTime now, Failure& failure) {
  const auto fail = [&](S3Errc e, std::string message = {}) -> Result<AuthContext> {
    failure = {e, std::move(message)};
    return make_error_code(e);
  };
  const auto query_error = [&](std::string message) {
    return fail(S3Errc::kAuthorizationQueryParametersError, std::move(message));
  };
  auto algorithm = target.Query("X-Amz-Algorithm");
  auto credential = target.Query("X-Amz-Credential");
  auto date = target.Query("X-Amz-Date");
  auto expires = target.Query("X-Amz-Expires");
  auto signed_headers = target.Query("X-Amz-SignedHeaders");
  auto signature = target.Query("X-Amz-Signature");
  if (!algorithm || !credential || !date || !expires || !signed_headers || !signature) {
    return query_error(
        "Query-string authentication version 4 requires the X-Amz-Algorithm, X-Amz-Credential, "
        "X-Amz-Signature, X-Amz-Date, X-Amz-SignedHeaders, and X-Amz-Expires parameters.");
  }
  if (*algorithm != sigv4::kAlgorithm) {
    return query_error("X-Amz-Algorithm only supports \"AWS4-HMAC-SHA256\"");
  }
  auto cred = sigv4::ParseCredential(*credential);
  if (!cred) {
    return query_error(
        "Error parsing the X-Amz-Credential parameter; the Credential is mal-formed; expecting "
        "\"<YOUR-AKID>/YYYYMMDD/REGION/SERVICE/aws4_request\".");
  }
  if (!ScopeMatches(*cred, region, "Error parsing the X-Amz-Credential parameter; ", failure,
                    S3Errc::kAuthorizationQueryParametersError)) {
    return make_error_code(failure.errc);
  }
  auto when = ParseAmzDate(*date);
  if (!when) {
    return query_error("X-Amz-Date must be in the ISO8601 Long Format \"yyyyMMdd'T'HHmmss'Z'\"");
  }
  if (cred->date != std::string_view(*date).substr(0, 8)) {
    return query_error("Invalid credential date. Date is not the same as X-Amz-Date.");
  }
  long expiry = -1;
  if (!expires->empty() && expires->size() <= 10 &&
      std::all_of(expires->begin(), expires->end(), [](char c) { return c >= '0' && c <= '9'; })) {
    expiry = std::stol(*expires);  // at most 10 digits: cannot throw
  }
  if (expiry < 1) return query_error("X-Amz-Expires must be a positive integer");
  if (expiry > kMaxPresignExpiry) {
    return query_error("X-Amz-Expires must be less than a week (in seconds) that is 604800");
  }
  auto names = sigv4::ParseSignedHeaders(*signed_headers);
  if (!names) return query_error("X-Amz-SignedHeaders is invalid.");
  if (!HasHost(*names)) return query_error("X-Amz-SignedHeaders must include 'host'.");
  if (!IsSha256Hex(*signature)) return query_error("X-Amz-Signature is not 64 hex digits.");

  if (*when - now > kMaxSkew) return fail(S3Errc::kAccessDenied, "Request is not valid yet");
  if (now > *when + std::chrono::seconds(expiry)) {
    return fail(S3Errc::kAccessDenied, "Request has expired");
  }

  auto secret = secrets ? secrets(cred->access_key) : std::nullopt;
  if (!secret) return fail(S3Errc::kInvalidAccessKeyId);

  std::string provided = Lower(*signature);
  SignedRequest r{&request,
                  &target,
                  "X-Amz-Signature",
                  *signed_headers,
                  &*names,
                  sigv4::kUnsignedPayload,
                  *date,
                  cred->Scope(),
                  KeyCache().Get(*secret, cred->date, cred->region, cred->service),
                  provided};
  if (!SignatureMatches(r)) return fail(S3Errc::kSignatureDoesNotMatch);

  AuthContext ctx;
  ctx.access_key = cred->access_key;
  ctx.payload = PayloadKind::kUnsigned;
  ctx.amz_date = *date;
  ctx.scope = std::move(r.scope);
  ctx.signing_key = std::move(r.signing_key);
  ctx.seed_signature = std::move(provided);
  ctx.presigned = true;
  return ctx;
}

}  // namespace

Result<AuthContext> VerifySigV4(const http::request_header<>& request, const SecretLookup& secrets,
                                std::string_view region, std::chrono::system_clock::time_point now,
                                std::string* error_message) {
  if (error_message) error_message->clear();
  Failure failure{S3Errc::kOk, {}};
  auto result = [&]() -> Result<AuthContext> {
    auto target = ParseTarget(request.target());
    if (!target) {
      failure = {S3Errc::kInvalidURI, {}};
      return make_error_code(S3Errc::kInvalidURI);
    }
    auto authorization = Header(request, "authorization");
    bool v4_query = target->HasQuery("X-Amz-Algorithm") || target->HasQuery("X-Amz-Signature") ||
                    target->HasQuery("X-Amz-Credential");
    bool v2_query = target->HasQuery("AWSAccessKeyId") && target->HasQuery("Signature");
    if (authorization && (v4_query || v2_query)) {
      failure = {S3Errc::kInvalidArgument,
                 "Only one auth mechanism allowed; only the X-Amz-Algorithm query parameter, "
                 "Signature query string parameter or the Authorization header should be "
                 "specified"};
      return make_error_code(failure.errc);
    }
    if (authorization) {
      if (StartsWith(*authorization, sigv4::kAlgorithm)) {
        return VerifyHeaderAuth(request, *target, *authorization, secrets, region, now, failure);
      }
      if (StartsWith(*authorization, "AWS ")) {
        failure = {S3Errc::kNotImplemented, "Signature Version 2 is not supported."};
      } else {
        failure = {S3Errc::kInvalidArgument, "Unsupported Authorization Type"};
      }
      return make_error_code(failure.errc);
    }
    if (v4_query) return VerifyPresigned(request, *target, secrets, region, now, failure);
    if (v2_query) {
      failure = {S3Errc::kNotImplemented, "Signature Version 2 is not supported."};
      return make_error_code(failure.errc);
    }
    failure = {S3Errc::kAccessDenied, {}};
    return make_error_code(S3Errc::kAccessDenied);
  }();
  if (!result && error_message) *error_message = std::move(failure.message);
  return result;
}

}  // namespace strata::api
