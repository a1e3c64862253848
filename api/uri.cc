#include "api/uri.h"

namespace strata::api {
namespace {

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

bool IsUnreserved(unsigned char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
         c == '.' || c == '_' || c == '~';
}

}  // namespace

bool ParsedTarget::HasQuery(std::string_view name) const {
  for (const auto& [n, v] : query) {
    if (n == name) return true;
  }
  return false;
}

std::optional<std::string> ParsedTarget::Query(std::string_view name) const {
  for (const auto& [n, v] : query) {
    if (n == name) return v;
  }
  return std::nullopt;
}

std::optional<ParsedTarget> ParseTarget(std::string_view target) {
  // Origin-form only (RFC 9112 section 3.2.1): absolute-form and authority-form never reach S3,
  // and "*" is only for OPTIONS, which S3 answers through CORS without a target.
  if (target.empty() || target.front() != '/') return std::nullopt;
  if (target.find('\0') != std::string_view::npos) return std::nullopt;
  // A fragment is never sent on the wire; a '#' here is a client bug, so refuse it.
  if (target.find('#') != std::string_view::npos) return std::nullopt;

  ParsedTarget out;
  size_t q = target.find('?');
  out.raw_path = std::string(target.substr(0, q));
  if (q != std::string_view::npos) out.raw_query = std::string(target.substr(q + 1));

  // In the path '+' is a literal plus (RFC 3986); S3 keys like "a+b" rely on it.
  auto path = UriDecode(out.raw_path);
  if (!path || path->find('\0') != std::string::npos) return std::nullopt;
  out.path = std::move(*path);

  std::string_view rest = out.raw_query;
  while (!rest.empty()) {
    size_t amp = rest.find('&');
    std::string_view pair = rest.substr(0, amp);
    rest = amp == std::string_view::npos ? std::string_view() : rest.substr(amp + 1);
    if (pair.empty()) continue;  // "a=1&&b=2"
    size_t eq = pair.find('=');
    std::string_view raw_name = pair.substr(0, eq);
    std::string_view raw_value =
        eq == std::string_view::npos ? std::string_view() : pair.substr(eq + 1);
    // In the query '+' means space, as in HTML forms and Go's url.Query (MinIO): a client that
    // means a literal plus sends %2B, which every AWS SDK does.
    auto name = UriDecode(raw_name, /*plus_as_space=*/true);
    auto value = UriDecode(raw_value, /*plus_as_space=*/true);
    if (!name || !value) return std::nullopt;
    if (name->find('\0') != std::string::npos || value->find('\0') != std::string::npos) {
      return std::nullopt;
    }
    out.query.emplace_back(std::move(*name), std::move(*value));
  }
  return out;
}

std::string UriEncode(std::string_view s, bool encode_slash) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(s.size() + s.size() / 2);
  for (char ch : s) {
    auto c = static_cast<unsigned char>(ch);
    if (IsUnreserved(c) || (c == '/' && !encode_slash)) {
      out += ch;
    } else {
      out += '%';
      out += kHex[c >> 4];
      out += kHex[c & 0xf];
    }
  }
  return out;
}

std::optional<std::string> UriDecode(std::string_view s, bool plus_as_space) {
  std::string out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size(); ++i) {
    char c = s[i];
    if (c == '%') {
      if (s.size() - i < 3) return std::nullopt;  // '%' needs two hex digits after it
      int hi = HexValue(s[i + 1]);
      int lo = HexValue(s[i + 2]);
      if (hi < 0 || lo < 0) return std::nullopt;
      out += static_cast<char>(hi * 16 + lo);
      i += 2;
    } else if (c == '+' && plus_as_space) {
      out += ' ';
    } else {
      out += c;
    }
  }
  return out;
}

}  // namespace strata::api
