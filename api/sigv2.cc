// SigV2 verification. Like sigv4.cc, several equivalent StringToSign forms are tried, each a
// full signature over the same method, headers, date and path, so accepting any of them proves
// the same request:
//  - x-amz-date present: AWS signs an empty Date line with x-amz-date among the amz headers;
//    the developer guide's DELETE example instead puts x-amz-date's value on the Date line.
//  - the sub-resource list: AWS's documented one, and that list plus the few more botocore's
//    HmacV1Auth signs (accelerate, replication, ...). Query parameters outside the list are not
//    signed by V2 in either case.
// Every candidate is computed and compared in constant time, with no early exit.
#include "api/sigv2.h"

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <algorithm>
#include <array>
#include <cstdlib>
#include <map>
#include <optional>
#include <vector>

#include "api/hmac.h"
#include "api/http_date.h"
#include "api/router.h"
#include "storage/checksum.h"

namespace strata::api {
namespace {

namespace http = boost::beast::http;
using namespace std::chrono_literals;

constexpr auto kMaxSkew = 15min;

constexpr std::array<std::string_view, 30> kAwsSubresources = {
    "acl",
    "cors",
    "delete",
    "legal-hold",
    "lifecycle",
    "location",
    "logging",
    "notification",
    "object-lock",
    "partNumber",
    "policy",
    "requestPayment",
    "response-cache-control",
    "response-content-disposition",
    "response-content-encoding",
    "response-content-language",
    "response-content-type",
    "response-expires",
    "retention",
    "tagging",
    "torrent",
    "uploadId",
    "uploads",
    "versionId",
    "versioning",
    "versions",
    "website",
    // Not in the guide's list but signed by every V2 client that knows them.
    "restore",
    "select",
    "select-type",
};

// What botocore's HmacV1Auth also signs (its QSAOfInterest) beyond the list above. Its list
// lacks retention and legal-hold; those stay signed here, as AWS requires, so that a captured
// PutObject cannot be replayed as PutObjectRetention.
constexpr std::array<std::string_view, 7> kBotocoreExtraSubresources = {
    "accelerate", "analytics",   "defaultObjectAcl", "inventory",
    "metrics",    "replication", "storageClass",
};

const std::vector<std::string_view>& ExtendedSubresources() {
  static const std::vector<std::string_view> list = [] {
    std::vector<std::string_view> all(kAwsSubresources.begin(), kAwsSubresources.end());
    all.insert(all.end(), kBotocoreExtraSubresources.begin(), kBotocoreExtraSubresources.end());
    return all;
  }();
  return list;
}

struct Failure {
  S3Errc errc;
  std::string message;
};

std::optional<std::string_view> Header(const http::request_header<>& request,
                                       std::string_view name) {
  auto it = request.find(name);
  if (it == request.end()) return std::nullopt;
  return it->value();
}

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

std::string Lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c + 32);
  }
  return out;
}

// HTTP dates, plus the "+0000" zone V2 clients (and AWS's own examples) send instead of GMT.
std::optional<SysTime> ParseV2Date(std::string_view text) {
  text = Trim(text);
  if (auto t = ParseHttpDate(text)) return t;
  if (text.size() > 5 && text.substr(text.size() - 5) == "+0000") {
    std::string gmt(text.substr(0, text.size() - 5));
    gmt += "GMT";
    if (auto t = ParseHttpDate(gmt)) return t;
  }
  return ParseAmzDate(text);
}

std::string HmacSha1Base64(std::string_view key, std::string_view data) {
  unsigned char out[EVP_MAX_MD_SIZE];
  unsigned int out_len = 0;
  if (HMAC(EVP_sha1(), key.data(), static_cast<int>(key.size()),
           reinterpret_cast<const unsigned char*>(data.data()), data.size(), out,
           &out_len) == nullptr) {
    std::abort();  // only on allocation failure inside OpenSSL
  }
  return storage::Base64Encode(std::string_view(reinterpret_cast<const char*>(out), out_len));
}

// "?a&b=v" over the listed sub-resources of the raw query, sorted by name (stable), with
// decoded values; "" when none.
std::string CanonicalSubresources(std::string_view raw_query,
                                  std::span<const std::string_view> subresources) {
  std::vector<std::pair<std::string, std::optional<std::string>>> kept;
  while (!raw_query.empty()) {
    size_t amp = raw_query.find('&');
    std::string_view part = raw_query.substr(0, amp);
    raw_query = amp == std::string_view::npos ? std::string_view() : raw_query.substr(amp + 1);
    if (part.empty()) continue;
    size_t eq = part.find('=');
    auto name = UriDecode(part.substr(0, eq));
    if (!name) continue;
    if (std::find(subresources.begin(), subresources.end(), *name) == subresources.end()) {
      continue;
    }
    std::optional<std::string> value;
    if (eq != std::string_view::npos) {
      auto decoded = UriDecode(part.substr(eq + 1));
      value = decoded ? *decoded : std::string(part.substr(eq + 1));
    }
    kept.emplace_back(std::move(*name), std::move(value));
  }
  if (kept.empty()) return {};
  std::stable_sort(kept.begin(), kept.end(),
                   [](const auto& a, const auto& b) { return a.first < b.first; });
  std::string out = "?";
  for (size_t i = 0; i < kept.size(); ++i) {
    if (i > 0) out += '&';
    out += kept[i].first;
    if (kept[i].second) out.append("=").append(*kept[i].second);
  }
  return out;
}

// Lower-case x-amz-* headers, sorted, repeated ones joined with ',', one "name:value\n" each.
std::string CanonicalAmzHeaders(const http::request_header<>& request, bool include_x_amz_date) {
  std::map<std::string, std::string> amz;
  for (const auto& field : request) {
    std::string name = Lower(field.name_string());
    if (name.rfind("x-amz-", 0) != 0) continue;
    if (!include_x_amz_date && name == "x-amz-date") continue;
    auto [it, inserted] = amz.try_emplace(std::move(name));
    if (!inserted) it->second += ',';
    it->second += Trim(field.value());
  }
  std::string out;
  for (const auto& [name, value] : amz) out.append(name).append(":").append(value).append("\n");
  return out;
}

Result<AuthContext> Fail(Failure& failure, S3Errc e, std::string message = {}) {
  failure = {e, std::move(message)};
  return make_error_code(e);
}

Result<AuthContext> Verify(const http::request_header<>& request, const ParsedTarget& target,
                           const SecretLookup& secrets,
                           std::span<const std::string> virtual_host_domains, SysTime now,
                           Failure& failure) {
  auto authorization = Header(request, "authorization");
  const bool query_form = !authorization;
  std::string access_key;
  std::string provided;
  std::vector<std::pair<std::string, bool>> date_lines;  // (Date line, x-amz-date signed)
  if (authorization) {
    if (target.HasQuery("AWSAccessKeyId") || target.HasQuery("Signature") ||
        target.HasQuery("X-Amz-Algorithm")) {
      return Fail(failure, S3Errc::kInvalidArgument,
                  "Only one auth mechanism allowed; only the X-Amz-Algorithm query parameter, "
                  "Signature query string parameter or the Authorization header should be "
                  "specified");
    }
    std::string_view value = Trim(*authorization);
    if (value.substr(0, 4) != "AWS ") {
      return Fail(failure, S3Errc::kInvalidArgument, "Unsupported Authorization Type");
    }
    value = Trim(value.substr(4));
    size_t colon = value.find(':');
    if (colon == std::string_view::npos || colon == 0 || Trim(value.substr(colon + 1)).empty()) {
      return Fail(failure, S3Errc::kInvalidArgument,
                  "AWS authorization header is invalid.  Expected AwsAccessKeyId:signature");
    }
    access_key = Trim(value.substr(0, colon));
    provided = Trim(value.substr(colon + 1));

    std::optional<SysTime> when;
    if (auto amz_date = Header(request, "x-amz-date")) {
      when = ParseV2Date(*amz_date);
      date_lines.emplace_back("", true);
      date_lines.emplace_back(std::string(*amz_date), false);
    } else if (auto date = Header(request, "date")) {
      when = ParseV2Date(*date);
      date_lines.emplace_back(std::string(*date), true);
    }
    if (!when) {
      return Fail(failure, S3Errc::kAccessDenied,
                  "AWS authentication requires a valid Date or x-amz-date header");
    }
    if (*when - now > kMaxSkew || now - *when > kMaxSkew) {
      return Fail(failure, S3Errc::kRequestTimeTooSkewed,
                  "The difference between the request time and the current time is too large.");
    }
  } else {
    auto key = target.Query("AWSAccessKeyId");
    auto signature = target.Query("Signature");
    auto expires = target.Query("Expires");
    if (!key || !signature || key->empty() || signature->empty()) {
      return Fail(failure, S3Errc::kAccessDenied,
                  "Query-string authentication requires the Signature, Expires and "
                  "AWSAccessKeyId parameters");
    }
    if (target.HasQuery("X-Amz-Algorithm") || target.HasQuery("X-Amz-Signature")) {
      return Fail(failure, S3Errc::kInvalidArgument,
                  "Only one auth mechanism allowed; only the X-Amz-Algorithm query parameter, "
                  "Signature query string parameter or the Authorization header should be "
                  "specified");
    }
    if (!expires) {
      return Fail(failure, S3Errc::kAccessDenied,
                  "Query-string authentication requires the Signature, Expires and "
                  "AWSAccessKeyId parameters");
    }
    // At most 12 digits: no overflow, and far beyond any real expiry.
    if (expires->empty() || expires->size() > 12 ||
        !std::all_of(expires->begin(), expires->end(),
                     [](char c) { return c >= '0' && c <= '9'; })) {
      return Fail(failure, S3Errc::kAccessDenied, "Invalid date (should be seconds since epoch)");
    }
    const SysTime expiry{std::chrono::seconds(std::stoll(*expires))};
    if (now > expiry) return Fail(failure, S3Errc::kAccessDenied, "Request has expired");
    access_key = std::move(*key);
    // A '+' the client left unescaped was decoded as a space; base64 has no spaces.
    provided = std::move(*signature);
    std::replace(provided.begin(), provided.end(), ' ', '+');
    date_lines.emplace_back(std::move(*expires), true);
  }

  auto secret = secrets ? secrets(access_key) : std::nullopt;
  if (!secret) return Fail(failure, S3Errc::kInvalidAccessKeyId);

  std::string bucket = VirtualHostBucket(request[http::field::host], virtual_host_domains);
  std::vector<std::string> paths = {target.raw_path};
  // A path-style bucket "/b" is signed as "/b/" by botocore (its auth_path), as AWS accepts.
  if (bucket.empty() && target.raw_path.size() > 1 &&
      target.raw_path.find('/', 1) == std::string::npos) {
    paths.push_back(target.raw_path + "/");
  }
  std::vector<std::string> candidates;
  for (const auto& [date_line, with_amz_date] : date_lines) {
    for (const std::string& path : paths) {
      for (std::span<const std::string_view> list :
           {std::span<const std::string_view>(kAwsSubresources),
            std::span<const std::string_view>(ExtendedSubresources())}) {
        std::string s = SigV2StringToSign(request, date_line, bucket, path, target.raw_query, list,
                                          with_amz_date);
        if (std::find(candidates.begin(), candidates.end(), s) == candidates.end()) {
          candidates.push_back(std::move(s));
        }
      }
    }
  }
  bool matched = false;
  for (const std::string& s : candidates) {
    matched |= ConstantTimeEquals(HmacSha1Base64(*secret, s), provided);
  }
  if (!matched) {
    return Fail(failure, S3Errc::kSignatureDoesNotMatch,
                "The request signature we calculated does not match the signature you provided. "
                "Check your key and signing method. StringToSign: '" +
                    candidates.front() + "'");
  }

  AuthContext ctx;
  ctx.access_key = std::move(access_key);
  ctx.payload = PayloadKind::kUnsigned;
  ctx.presigned = query_form;
  return ctx;
}

}  // namespace

bool IsSigV2Request(const http::request_header<>& request, const ParsedTarget& target) {
  auto authorization = Header(request, "authorization");
  if (authorization) return Trim(*authorization).substr(0, 4) == "AWS ";
  return target.HasQuery("AWSAccessKeyId") && target.HasQuery("Signature");
}

std::span<const std::string_view> AwsSubresources() { return kAwsSubresources; }

std::string SigV2StringToSign(const http::request_header<>& request, std::string_view date_line,
                              std::string_view bucket, std::string_view path,
                              std::string_view raw_query,
                              std::span<const std::string_view> subresources,
                              bool include_x_amz_date) {
  std::string s(request.method_string());
  s += '\n';
  s += Header(request, "content-md5").value_or("");
  s += '\n';
  s += Header(request, "content-type").value_or("");
  s += '\n';
  s += date_line;
  s += '\n';
  s += CanonicalAmzHeaders(request, include_x_amz_date);
  if (!bucket.empty()) s.append("/").append(bucket);
  s += path.empty() ? std::string_view("/") : path;
  s += CanonicalSubresources(raw_query, subresources);
  return s;
}

Result<AuthContext> VerifySigV2(const http::request_header<>& request, const SecretLookup& secrets,
                                std::span<const std::string> virtual_host_domains,
                                std::chrono::system_clock::time_point now,
                                std::string* error_message) {
  if (error_message) error_message->clear();
  Failure failure{S3Errc::kOk, {}};
  Result<AuthContext> result = [&]() -> Result<AuthContext> {
    auto target = ParseTarget(request.target());
    if (!target) return Fail(failure, S3Errc::kInvalidURI);
    return Verify(request, *target, secrets, virtual_host_domains, now, failure);
  }();
  if (!result && error_message) *error_message = std::move(failure.message);
  return result;
}

}  // namespace strata::api
