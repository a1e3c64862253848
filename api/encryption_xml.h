// The ServerSideEncryptionConfiguration document of Put/GetBucketEncryption (issue 7), and the
// record api/ stores for it (storage::BucketAccessKind::kEncryption). Pure functions;
// thread-safe. The parser treats its input as hostile: callers bound its size
// (kMaxEncryptionBodyBytes, MalformedXML beyond) and pugixml never expands entities.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "api/s3_errors.h"

namespace strata::api {

inline constexpr size_t kMaxEncryptionBodyBytes = 64 * 1024;

// A bucket's default encryption. Only SSE-S3 (AES256) exists here: there is no KMS.
struct BucketEncryption {
  bool bucket_key_enabled = false;  // accepted and echoed; meaningful only for KMS
};

// Parses ServerSideEncryptionConfiguration (namespace prefixes ignored, text trimmed): exactly
// one Rule holding ApplyServerSideEncryptionByDefault/SSEAlgorithm and optionally
// BucketKeyEnabled. MalformedXML: not well-formed, another root, no Rule or more than one, an
// unknown or repeated element, no SSEAlgorithm, an SSEAlgorithm or BucketKeyEnabled value that is
// not one of the schema's. NotImplemented: SSEAlgorithm aws:kms / aws:kms:dsse, and
// BlockedEncryptionTypes. InvalidArgument: KMSMasterKeyID with AES256. `*message` gets AWS's
// text where it has one.
Result<BucketEncryption> ParseEncryptionConfiguration(std::string_view xml, std::string* message);

// The GetBucketEncryption document (SSEAlgorithm AES256, BucketKeyEnabled always present).
std::string RenderEncryptionConfiguration(const BucketEncryption& config);

// The stored record: "AES256" or "AES256;bucket-key". Any non-empty record means SSE-S3 by
// default: one this version cannot read still encrypts (fails closed), without the bucket key.
std::string EncodeBucketEncryption(const BucketEncryption& config);
BucketEncryption DecodeBucketEncryption(std::string_view record);

}  // namespace strata::api
