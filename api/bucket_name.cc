#include "api/bucket_name.h"

#include <array>

namespace strata::api {
namespace {

bool IsLowerAlnum(char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); }

// "192.168.5.4": four dot-separated groups of 1-3 digits. AWS rejects these whatever the values,
// so "999.1.1.1" is refused as well.
bool LooksLikeIpv4(std::string_view name) {
  int groups = 0;
  size_t i = 0;
  while (i <= name.size()) {
    size_t digits = 0;
    while (i < name.size() && name[i] >= '0' && name[i] <= '9') {
      ++i;
      ++digits;
    }
    if (digits == 0 || digits > 3) return false;
    ++groups;
    if (i == name.size()) break;
    if (name[i] != '.') return false;
    ++i;
  }
  return groups == 4;
}

}  // namespace

bool IsValidBucketName(std::string_view name) {
  if (name.size() < 3 || name.size() > 63) return false;
  for (char c : name) {
    if (!IsLowerAlnum(c) && c != '.' && c != '-') return false;
  }
  if (!IsLowerAlnum(name.front()) || !IsLowerAlnum(name.back())) return false;
  if (name.find("..") != std::string_view::npos) return false;
  if (LooksLikeIpv4(name)) return false;
  // Reserved by AWS for access points, Object Lambda, directory buckets and examples.
  constexpr std::array<std::string_view, 3> kBadPrefixes = {"xn--", "sthree-", "amzn-s3-demo-"};
  for (std::string_view p : kBadPrefixes) {
    if (name.starts_with(p)) return false;
  }
  constexpr std::array<std::string_view, 4> kBadSuffixes = {"-s3alias", "--ol-s3", ".mrap",
                                                            "--x-s3"};
  for (std::string_view s : kBadSuffixes) {
    if (name.ends_with(s)) return false;
  }
  return true;
}

}  // namespace strata::api
