#include "api/sigv4_canonical.h"

#include <algorithm>
#include <utility>

#include "api/hmac.h"
#include "api/uri.h"

namespace strata::api::sigv4 {
namespace {

bool IsLowerTchar(char c) {
  if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9')) return true;
  switch (c) {
    case '!':
    case '#':
    case '$':
    case '%':
    case '&':
    case '\'':
    case '*':
    case '+':
    case '-':
    case '.':
    case '^':
    case '_':
    case '`':
    case '|':
    case '~':
      return true;
    default:
      return false;
  }
}

bool EqualsIgnoreCase(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    char x = a[i], y = b[i];
    if (x >= 'A' && x <= 'Z') x = static_cast<char>(x - 'A' + 'a');
    if (y >= 'A' && y <= 'Z') y = static_cast<char>(y - 'A' + 'a');
    if (x != y) return false;
  }
  return true;
}

bool IsSpace(char c) { return c == ' ' || c == '\t'; }

constexpr size_t kMaxAuthorizationLength = 8192;
constexpr size_t kMaxSignedHeaders = 256;

}  // namespace

std::string Credential::Scope() const {
  std::string s;
  s.reserve(date.size() + region.size() + service.size() + terminator.size() + 3);
  s += date;
  s += '/';
  s += region;
  s += '/';
  s += service;
  s += '/';
  s += terminator;
  return s;
}

std::optional<Credential> ParseCredential(std::string_view text) {
  std::string_view parts[4];
  for (int i = 3; i >= 0; --i) {
    size_t slash = text.rfind('/');
    if (slash == std::string_view::npos) return std::nullopt;
    parts[i] = text.substr(slash + 1);
    text = text.substr(0, slash);
  }
  Credential c{std::string(text), std::string(parts[0]), std::string(parts[1]),
               std::string(parts[2]), std::string(parts[3])};
  if (c.access_key.empty() || c.region.empty() || c.service.empty() || c.terminator.empty()) {
    return std::nullopt;
  }
  if (c.date.size() != 8 ||
      !std::all_of(c.date.begin(), c.date.end(), [](char d) { return d >= '0' && d <= '9'; })) {
    return std::nullopt;
  }
  return c;
}

std::optional<std::vector<std::string>> ParseSignedHeaders(std::string_view text) {
  std::vector<std::string> names;
  if (text.empty()) return std::nullopt;
  names.reserve(std::min<size_t>(std::count(text.begin(), text.end(), ';'), kMaxSignedHeaders) + 1);
  while (true) {
    size_t semi = text.find(';');
    std::string_view name = text.substr(0, semi);
    if (name.empty() || !std::all_of(name.begin(), name.end(), IsLowerTchar)) return std::nullopt;
    names.emplace_back(name);
    if (names.size() > kMaxSignedHeaders) return std::nullopt;
    if (semi == std::string_view::npos) break;
    text = text.substr(semi + 1);
  }
  return names;
}

Result<AuthorizationFields> ParseAuthorization(std::string_view value, std::string* message) {
  const auto malformed = [&](std::string_view why) -> Result<AuthorizationFields> {
    if (message) *message = std::string(why);
    return make_error_code(S3Errc::kAuthorizationHeaderMalformed);
  };
  if (value.size() > kMaxAuthorizationLength) {
    return malformed("The authorization header is malformed; it is too long.");
  }
  if (value.substr(0, kAlgorithm.size()) != kAlgorithm || value.size() == kAlgorithm.size() ||
      !IsSpace(value[kAlgorithm.size()])) {
    return malformed("The authorization header is malformed; the algorithm is not supported.");
  }
  value.remove_prefix(kAlgorithm.size());

  std::optional<std::string_view> credential, signed_headers, signature;
  // Fields are separated by ',' and/or whitespace: S3 accepts "a=1, b=2", "a=1,b=2" and
  // "a=1 b=2". No field value may contain either separator.
  // Separators found with a plain loop: find_first_of(", \t") calls memchr on the set for
  // every character of the value.
  const auto is_separator = [](char c) { return c == ',' || IsSpace(c); };
  while (true) {
    const auto start = std::find_if_not(value.begin(), value.end(), is_separator);
    if (start == value.end()) break;
    value.remove_prefix(static_cast<size_t>(start - value.begin()));
    const size_t end =
        static_cast<size_t>(std::find_if(value.begin(), value.end(), is_separator) - value.begin());
    std::string_view token = value.substr(0, end);
    value.remove_prefix(end);
    size_t eq = token.find('=');
    if (eq == std::string_view::npos) {
      return malformed("The authorization header is malformed; a field is not name=value.");
    }
    std::string_view name = token.substr(0, eq);
    std::string_view field = token.substr(eq + 1);
    std::optional<std::string_view>* slot = nullptr;
    if (name == "Credential") {
      slot = &credential;
    } else if (name == "SignedHeaders") {
      slot = &signed_headers;
    } else if (name == "Signature") {
      slot = &signature;
    } else {
      return malformed("The authorization header is malformed; unknown field '" +
                       std::string(name.substr(0, 64)) + "'.");
    }
    if (slot->has_value()) {
      return malformed("The authorization header is malformed; repeated field '" +
                       std::string(name) + "'.");
    }
    *slot = field;
  }
  if (!credential || !signed_headers || !signature) {
    return malformed(
        "The authorization header is malformed; it must contain Credential, SignedHeaders and "
        "Signature.");
  }
  AuthorizationFields out;
  auto cred = ParseCredential(*credential);
  if (!cred) {
    return malformed(
        "The authorization header is malformed; the Credential is mal-formed; expecting "
        "\"<YOUR-AKID>/YYYYMMDD/REGION/SERVICE/aws4_request\".");
  }
  out.credential = std::move(*cred);
  auto names = ParseSignedHeaders(*signed_headers);
  if (!names) {
    return malformed("The authorization header is malformed; SignedHeaders is invalid.");
  }
  out.signed_headers = std::string(*signed_headers);
  out.signed_header_names = std::move(*names);
  if (!IsSha256Hex(*signature)) {
    return malformed("The authorization header is malformed; the Signature is not 64 hex digits.");
  }
  out.signature = std::string(*signature);
  std::transform(out.signature.begin(), out.signature.end(), out.signature.begin(),
                 [](char c) { return (c >= 'A' && c <= 'F') ? static_cast<char>(c + 32) : c; });
  return out;
}

namespace {

// Appends `value` trimmed, its inner runs of spaces and tabs made one space.
void AppendCanonicalValue(std::string& out, std::string_view value) {
  bool pending_space = false;
  bool any = false;
  for (char c : value) {
    if (IsSpace(c)) {
      pending_space = any;
      continue;
    }
    if (pending_space) out += ' ';
    pending_space = false;
    any = true;
    out += c;
  }
}

}  // namespace

std::string CanonicalHeaderValue(std::string_view value) {
  std::string out;
  out.reserve(value.size());
  AppendCanonicalValue(out, value);
  return out;
}

std::string CanonicalHeaders(const boost::beast::http::request_header<>& request,
                             const std::vector<std::string>& signed_header_names) {
  std::string out;
  out.reserve(256);  // a typical SDK request's signed headers, without regrowing
  for (const std::string& name : signed_header_names) {
    out += name;
    out += ':';
    bool first = true;
    for (const auto& field : request) {
      if (!EqualsIgnoreCase(field.name_string(), name)) continue;
      if (!first) out += ',';
      first = false;
      AppendCanonicalValue(out, field.value());
    }
    out += '\n';
  }
  return out;
}

std::optional<std::string> CanonicalQueryString(std::string_view raw_query, bool plus_as_space,
                                                std::string_view exclude) {
  std::vector<std::pair<std::string, std::string>> pairs;
  while (!raw_query.empty()) {
    size_t amp = raw_query.find('&');
    std::string_view pair = raw_query.substr(0, amp);
    raw_query = amp == std::string_view::npos ? std::string_view() : raw_query.substr(amp + 1);
    if (pair.empty()) continue;
    size_t eq = pair.find('=');
    auto name = UriDecode(pair.substr(0, eq), plus_as_space);
    auto value = UriDecode(eq == std::string_view::npos ? std::string_view() : pair.substr(eq + 1),
                           plus_as_space);
    if (!name || !value) return std::nullopt;
    if (!exclude.empty() && *name == exclude) continue;
    pairs.emplace_back(UriEncode(*name, true), UriEncode(*value, true));
  }
  std::sort(pairs.begin(), pairs.end());
  std::string out;
  for (const auto& [name, value] : pairs) {
    if (!out.empty()) out += '&';
    out += name;
    out += '=';
    out += value;
  }
  return out;
}

std::string CanonicalRequest(std::string_view method, std::string_view canonical_uri,
                             std::string_view canonical_query, std::string_view canonical_headers,
                             std::string_view signed_headers, std::string_view payload_hash) {
  std::string out;
  out.reserve(method.size() + canonical_uri.size() + canonical_query.size() +
              canonical_headers.size() + signed_headers.size() + payload_hash.size() + 8);
  out += method;
  out += '\n';
  out += canonical_uri;
  out += '\n';
  out += canonical_query;
  out += '\n';
  out += canonical_headers;  // each line already ends in '\n'
  out += '\n';
  out += signed_headers;
  out += '\n';
  out += payload_hash;
  return out;
}

std::string StringToSign(std::string_view amz_date, std::string_view scope,
                         std::string_view canonical_request) {
  std::string out(kAlgorithm);
  out += '\n';
  out += amz_date;
  out += '\n';
  out += scope;
  out += '\n';
  out += Sha256Hex(canonical_request);
  return out;
}

std::string DeriveSigningKey(std::string_view secret, std::string_view date,
                             std::string_view region, std::string_view service) {
  std::string k_secret = "AWS4";
  k_secret += secret;
  std::string k_date = HmacSha256(k_secret, date);
  std::string k_region = HmacSha256(k_date, region);
  std::string k_service = HmacSha256(k_region, service);
  return HmacSha256(k_service, "aws4_request");
}

std::string SignatureHex(std::string_view signing_key, std::string_view string_to_sign) {
  return HexLower(HmacSha256(signing_key, string_to_sign));
}

std::string ChunkStringToSign(std::string_view amz_date, std::string_view scope,
                              std::string_view previous_signature,
                              std::string_view chunk_sha256_hex) {
  std::string out = "AWS4-HMAC-SHA256-PAYLOAD\n";
  out += amz_date;
  out += '\n';
  out += scope;
  out += '\n';
  out += previous_signature;
  out += '\n';
  out += kEmptySha256;
  out += '\n';
  out += chunk_sha256_hex;
  return out;
}

std::string TrailerStringToSign(std::string_view amz_date, std::string_view scope,
                                std::string_view previous_signature,
                                std::string_view trailer_sha256_hex) {
  std::string out = "AWS4-HMAC-SHA256-TRAILER\n";
  out += amz_date;
  out += '\n';
  out += scope;
  out += '\n';
  out += previous_signature;
  out += '\n';
  out += trailer_sha256_hex;
  return out;
}

}  // namespace strata::api::sigv4
