// A request body that digests itself as it streams: MD5 (the ETag) and, if asked, one S3
// checksum, each verified at the end against what the client declared.
#pragma once

#include <array>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "storage/checksum.h"
#include "storage/stream.h"

namespace strata::storage {

struct Checksum {
  ChecksumAlgorithm algorithm = ChecksumAlgorithm::kNone;
  std::string value;  // raw digest bytes; empty when algorithm == kNone
};

struct ContentDigests {
  std::string md5;  // raw, 16 bytes
  Checksum checksum;
  uint64_t size = 0;
};

// What the client declared about the body.
struct DigestSpec {
  std::optional<std::string> expected_md5;  // raw 16 bytes, from Content-MD5
  ChecksumAlgorithm algorithm = ChecksumAlgorithm::kNone;
  std::optional<std::string> expected_checksum;  // raw bytes, from an x-amz-checksum-* header
  // For checksums that arrive in a trailer: called once the stream has ended; returns the raw
  // bytes, or nullopt if the trailer did not carry one.
  std::function<std::optional<std::string>()> trailing_checksum;
};

class BodySource : public ByteSource {
 public:
  // REQUIRES: Read() has returned 0. Returns the digests, or kBadDigest when the body does not
  // match the declared MD5 or checksum.
  [[nodiscard]] virtual Result<ContentDigests> Finish() = 0;
};

// Wraps `in` (not owned; must outlive the result).
std::unique_ptr<BodySource> NewDigestingSource(ByteSource& in, DigestSpec spec);

}  // namespace strata::storage
