#include "api/sigv4_sign.h"

#include <algorithm>
#include <cstdio>

#include "api/hmac.h"
#include "api/http_date.h"
#include "api/sigv4_canonical.h"
#include "api/uri.h"

namespace strata::api {
namespace {

namespace http = boost::beast::http;

bool ShouldSign(const std::string& name) {
  return name == "host" || name == "date" || name == "range" || name.rfind("x-amz-", 0) == 0 ||
         name.rfind("content-", 0) == 0;
}

std::string Lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c + 32) : c; });
  return out;
}

std::string Scope(const SigningParams& p, const std::string& amz_date) {
  return amz_date.substr(0, 8) + "/" + p.region + "/s3/aws4_request";
}

std::string Join(const std::vector<std::string>& names) {
  std::string out;
  for (const auto& n : names) {
    if (!out.empty()) out += ';';
    out += n;
  }
  return out;
}

}  // namespace

std::string SignRequest(http::request_header<>& request, const SigningParams& params,
                        std::string_view payload_hash) {
  std::string amz_date = FormatAmzDate(params.now);
  request.set("x-amz-date", amz_date);
  request.set("x-amz-content-sha256", payload_hash);
  request.erase(http::field::authorization);

  std::vector<std::string> names;
  for (const auto& field : request) {
    std::string name = Lower(field.name_string());
    if (ShouldSign(name)) names.push_back(std::move(name));
  }
  std::sort(names.begin(), names.end());
  names.erase(std::unique(names.begin(), names.end()), names.end());
  std::string signed_headers = Join(names);

  auto target = ParseTarget(request.target());
  std::string uri = target ? UriEncode(target->path, false) : std::string("/");
  std::string query =
      target ? sigv4::CanonicalQueryString(target->raw_query, true).value_or("") : std::string();
  std::string canonical = sigv4::CanonicalRequest(request.method_string(), uri, query,
                                                  sigv4::CanonicalHeaders(request, names),
                                                  signed_headers, payload_hash);
  std::string scope = Scope(params, amz_date);
  std::string key =
      sigv4::DeriveSigningKey(params.secret_key, amz_date.substr(0, 8), params.region, "s3");
  std::string signature = sigv4::SignatureHex(key, sigv4::StringToSign(amz_date, scope, canonical));
  request.set(http::field::authorization,
              std::string(sigv4::kAlgorithm) + " Credential=" + params.access_key + "/" + scope +
                  ", SignedHeaders=" + signed_headers + ", Signature=" + signature);
  return signature;
}

std::string PresignTarget(std::string_view method, std::string_view target, std::string_view host,
                          const SigningParams& params, std::chrono::seconds expires) {
  std::string amz_date = FormatAmzDate(params.now);
  std::string scope = Scope(params, amz_date);
  std::string out(target);
  out += out.find('?') == std::string::npos ? '?' : '&';
  out += "X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=" +
         UriEncode(params.access_key + "/" + scope, true) + "&X-Amz-Date=" + amz_date +
         "&X-Amz-Expires=" + std::to_string(expires.count()) + "&X-Amz-SignedHeaders=host";
  auto parsed = ParseTarget(out);
  std::string uri = parsed ? UriEncode(parsed->path, false) : std::string("/");
  std::string query =
      parsed ? sigv4::CanonicalQueryString(parsed->raw_query, true).value_or("") : std::string();
  std::string headers = "host:" + sigv4::CanonicalHeaderValue(host) + "\n";
  std::string canonical =
      sigv4::CanonicalRequest(method, uri, query, headers, "host", sigv4::kUnsignedPayload);
  std::string key =
      sigv4::DeriveSigningKey(params.secret_key, amz_date.substr(0, 8), params.region, "s3");
  out += "&X-Amz-Signature=" +
         sigv4::SignatureHex(key, sigv4::StringToSign(amz_date, scope, canonical));
  return out;
}

std::string EncodeAwsChunked(std::string_view data, size_t chunk_size, bool signed_chunks,
                             const SigningParams& params, std::string_view seed_signature,
                             const std::vector<std::pair<std::string, std::string>>& trailers) {
  std::string amz_date = FormatAmzDate(params.now);
  std::string scope = Scope(params, amz_date);
  std::string key =
      sigv4::DeriveSigningKey(params.secret_key, amz_date.substr(0, 8), params.region, "s3");
  std::string previous(seed_signature);
  std::string out;
  const auto chunk = [&](std::string_view piece) {
    char size[32];
    std::snprintf(size, sizeof(size), "%zx", piece.size());
    out += size;
    if (signed_chunks) {
      previous = sigv4::SignatureHex(
          key, sigv4::ChunkStringToSign(amz_date, scope, previous, Sha256Hex(piece)));
      out += ";chunk-signature=" + previous;
    }
    out += "\r\n";
    if (!piece.empty()) {
      out += piece;
      out += "\r\n";
    }
  };
  chunk_size = std::max<size_t>(chunk_size, 1);
  for (size_t pos = 0; pos < data.size(); pos += chunk_size) chunk(data.substr(pos, chunk_size));
  chunk({});
  std::string canonical;
  for (const auto& [name, value] : trailers) {
    out += name + ":" + value + "\r\n";
    canonical += name + ":" + value + "\n";
  }
  if (signed_chunks && !trailers.empty()) {
    out += "x-amz-trailer-signature:" +
           sigv4::SignatureHex(
               key, sigv4::TrailerStringToSign(amz_date, scope, previous, Sha256Hex(canonical))) +
           "\r\n";
  }
  out += "\r\n";
  return out;
}

}  // namespace strata::api
