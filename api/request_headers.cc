#include "api/request_headers.h"

#include <limits>

namespace strata::api {

std::optional<std::string_view> HeaderValue(const boost::beast::http::request_header<>& request,
                                            std::string_view name) {
  auto it = request.find(name);
  if (it == request.end()) return std::nullopt;
  return it->value();
}

std::optional<uint64_t> ParseDecimal(std::string_view text) {
  if (text.empty()) return std::nullopt;
  uint64_t value = 0;
  constexpr uint64_t kMax = std::numeric_limits<uint64_t>::max();
  for (char c : text) {
    if (c < '0' || c > '9') return std::nullopt;
    auto digit = static_cast<uint64_t>(c - '0');
    if (value > (kMax - digit) / 10) return std::nullopt;
    value = value * 10 + digit;
  }
  return value;
}

std::string AsciiLower(std::string_view text) {
  std::string out(text);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

std::string_view TrimSpaces(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

std::string QuotedEtag(std::string_view etag) { return "\"" + std::string(etag) + "\""; }

std::string_view UnquoteEtag(std::string_view etag) {
  etag = TrimSpaces(etag);
  if (etag.size() >= 2 && etag.front() == '"' && etag.back() == '"') {
    etag = etag.substr(1, etag.size() - 2);
  }
  return etag;
}

std::optional<uint32_t> ParsePartNumber(std::string_view text) {
  // At most 5 digits: "0010000" is refused rather than parsed, so no value can overflow.
  if (text.size() > 5) return std::nullopt;
  std::optional<uint64_t> n = ParseDecimal(text);
  if (!n || *n < 1 || *n > 10000) return std::nullopt;
  return static_cast<uint32_t>(*n);
}

}  // namespace strata::api
