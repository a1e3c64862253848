#include "api/http_range.h"

#include <limits>
#include <optional>

namespace strata::api {
namespace {

constexpr uint64_t kMax = std::numeric_limits<uint64_t>::max();

std::string_view TrimSpaces(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

// Decimal digits only; saturates at 2^64-1 instead of overflowing. nullopt when empty or not
// all digits.
std::optional<uint64_t> ParseSaturating(std::string_view s) {
  if (s.empty()) return std::nullopt;
  uint64_t value = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return std::nullopt;
    uint64_t digit = static_cast<uint64_t>(c - '0');
    if (value > (kMax - digit) / 10) {
      value = kMax;
    } else {
      value = value * 10 + digit;
    }
  }
  return value;
}

bool EqualsIgnoreCase(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    char x = a[i] >= 'A' && a[i] <= 'Z' ? static_cast<char>(a[i] - 'A' + 'a') : a[i];
    if (x != b[i]) return false;
  }
  return true;
}

}  // namespace

RangeResult EvaluateRange(std::string_view header, uint64_t size) {
  RangeResult full;
  header = TrimSpaces(header);
  size_t eq = header.find('=');
  if (eq == std::string_view::npos) return full;
  if (!EqualsIgnoreCase(TrimSpaces(header.substr(0, eq)), "bytes")) return full;
  std::string_view spec = TrimSpaces(header.substr(eq + 1));
  // S3 serves only one range; a list is ignored as a whole (200 with the full object).
  if (spec.find(',') != std::string_view::npos) return full;
  size_t dash = spec.find('-');
  if (dash == std::string_view::npos) return full;
  std::string_view first_text = TrimSpaces(spec.substr(0, dash));
  std::string_view last_text = TrimSpaces(spec.substr(dash + 1));

  if (first_text.empty()) {
    // Suffix range: the last n bytes.
    std::optional<uint64_t> n = ParseSaturating(last_text);
    if (!n) return full;
    if (*n == 0 || size == 0) return {RangeOutcome::kUnsatisfiable, 0, 0};
    uint64_t length = *n < size ? *n : size;
    return {RangeOutcome::kPartial, size - length, length};
  }
  std::optional<uint64_t> first = ParseSaturating(first_text);
  if (!first) return full;
  std::optional<uint64_t> last;
  if (!last_text.empty()) {
    last = ParseSaturating(last_text);
    if (!last) return full;
    // RFC 9110: a last position before the first makes the range invalid, hence ignored.
    if (*last < *first) return full;
  }
  if (*first >= size) return {RangeOutcome::kUnsatisfiable, 0, 0};
  uint64_t end = last && *last < size - 1 ? *last : size - 1;
  return {RangeOutcome::kPartial, *first, end - *first + 1};
}

std::string ContentRange(uint64_t first, uint64_t length, uint64_t size) {
  return "bytes " + std::to_string(first) + "-" + std::to_string(first + length - 1) + "/" +
         std::to_string(size);
}

std::string UnsatisfiedContentRange(uint64_t size) { return "bytes */" + std::to_string(size); }

}  // namespace strata::api
