// The request-body pipeline of PutObject, shared by every operation that uploads object bytes
// (PutObject, UploadPart): the declared-length checks and the digests the client declared
// (Content-MD5, one x-amz-checksum-* header or trailer, x-amz-sdk-checksum-algorithm), which
// storage::NewDigestingSource then computes and verifies as the body streams.
#pragma once

#include <array>
#include <cstdint>

#include "api/handler.h"
#include "storage/body_source.h"
#include "storage/checksum.h"

namespace strata::api {

// Every S3 checksum algorithm, in the order S3 documents them.
inline constexpr std::array<storage::ChecksumAlgorithm, 5> kChecksumAlgorithms = {
    storage::ChecksumAlgorithm::kCrc32, storage::ChecksumAlgorithm::kCrc32c,
    storage::ChecksumAlgorithm::kCrc64Nvme, storage::ChecksumAlgorithm::kSha1,
    storage::ChecksumAlgorithm::kSha256};

// Refuses, before a byte is read, a body we would not keep: aws-chunked without
// x-amz-decoded-content-length, no length at all without HTTP chunked framing
// (MissingContentLength), or a declared length over `max_size` (EntityTooLarge).
// REQUIRES: ctx.body is set.
[[nodiscard]] boost::system::error_code CheckUploadLength(HandlerContext& ctx, uint64_t max_size);

// What the client declared about the body. InvalidDigest for a malformed Content-MD5;
// InvalidRequest for a malformed checksum value, two checksums, an unsupported or misplaced
// x-amz-trailer, or an invalid x-amz-sdk-checksum-algorithm. REQUIRES: ctx.body is set.
Result<storage::DigestSpec> ReadDigestSpec(HandlerContext& ctx);

// True when the request declares a digest of its body: Content-MD5, an x-amz-checksum-* header,
// or a checksum trailer.
bool HasIntegrityDigest(const storage::DigestSpec& spec);

}  // namespace strata::api
