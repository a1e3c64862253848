// Multipart uploads: CreateMultipartUpload, UploadPart, CompleteMultipartUpload,
// AbortMultipartUpload, ListParts, ListMultipartUploads (UploadPartCopy is in copy_handlers.h).
// Each handler checks the request, makes the storage call and renders the S3 document; the
// CompleteMultipartUpload body parser is pure and tested on its own.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include "api/handler.h"
#include "storage/checksum.h"
#include "storage/object_store.h"

namespace strata::api {

// Largest CompleteMultipartUpload body we read: 10000 parts with SHA-256 checksums and
// whitespace fit well within it. A larger body is MalformedXML.
inline constexpr size_t kMaxCompleteBodyBytes = 4 << 20;

// Parses a CompleteMultipartUpload document into the parts it names, in document order (storage
// checks the order). Each Part needs PartNumber and ETag (quotes removed); when the upload has a
// checksum algorithm its Checksum<ALGORITHM> element is required and decoded (elements of other
// algorithms are ignored). Errors, with `*message` set where AWS has a specific one:
// MalformedXML (not well-formed, wrong root, no Part, more than 10000, a Part without
// PartNumber or ETag, a PartNumber that is not a decimal number), InvalidArgument (a
// PartNumber outside 1..10000), InvalidRequest (a required checksum missing). Pure.
Result<std::vector<storage::CompletedPart>> ParseCompleteMultipartUpload(
    std::string_view xml, storage::ChecksumAlgorithm upload_algorithm, std::string* message);

// "The upload was created using a crc32 checksum. ..." for a part without its checksum.
std::string MissingPartChecksumMessage(storage::ChecksumAlgorithm algorithm, uint32_t part_number);

HandlerResult CreateMultipartUpload(HandlerContext& ctx);
HandlerResult UploadPart(HandlerContext& ctx);
HandlerResult CompleteMultipartUpload(HandlerContext& ctx);
HandlerResult AbortMultipartUpload(HandlerContext& ctx);
HandlerResult ListParts(HandlerContext& ctx);
HandlerResult ListMultipartUploads(HandlerContext& ctx);

// Shared with UploadPartCopy: the ?partNumber of a part upload (InvalidArgument outside
// 1..10000), and the upload it belongs to (NoSuchUpload when absent).
Result<uint32_t> ReadPartNumber(HandlerContext& ctx);
Result<storage::UploadInfo> FindUpload(HandlerContext& ctx);

}  // namespace strata::api
