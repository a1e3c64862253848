// S3 bucket naming rules (general purpose buckets), checked before a bucket is created.
#pragma once

#include <string_view>

namespace strata::api {

// True when `name` is a valid S3 bucket name: 3-63 characters of lower-case letters, digits, '.'
// and '-'; begins and ends with a letter or digit; no ".."; not formatted as an IPv4 address;
// not starting with "xn--", "sthree-" or "amzn-s3-demo-"; not ending with "-s3alias",
// "--ol-s3", ".mrap" or "--x-s3". Pure; thread-safe.
bool IsValidBucketName(std::string_view name);

}  // namespace strata::api
