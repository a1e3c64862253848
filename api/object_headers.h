// Object headers shared by the object operations: what a request stores with an object (its
// representation headers and user metadata), the validators and checksums a response carries,
// and the conditional headers of reads (If-*) and writes (If-None-Match: *, If-Match).
#pragma once

#include <string>
#include <string_view>

#include "api/conditional.h"
#include "api/handler.h"
#include "storage/object_store.h"

namespace strata::api {

// The representation headers (Content-Type, defaulting to binary/octet-stream, Content-Encoding
// without aws-chunked, Content-Disposition, ...) and x-amz-meta-* of a request, as stored with
// an object. MetadataTooLarge over kMaxUserMetadataBytes.
Result<storage::HeaderList> ReadStoredHeaders(HandlerContext& ctx);

// The checksum as S3 shows it: base64 of the digest, and for the composite checksum of a
// multipart object "-<parts>" after it. Empty when there is none.
std::string ChecksumText(const storage::Checksum& checksum, size_t parts = 0);

// Sets x-amz-checksum-<algorithm> (nothing when the checksum is empty).
void SetChecksumHeader(http::response_header<>& header, const storage::Checksum& checksum,
                       size_t parts = 0);

// ETag and Last-Modified, which every GET/HEAD/304 answer carries.
void SetValidators(http::response_header<>& header, const storage::ObjectInfo& info);

// The read preconditions of a request: If-Match, If-None-Match, If-Modified-Since,
// If-Unmodified-Since, each name after `prefix` ("x-amz-copy-source-" for the copy-source
// conditions). Dates that do not parse are treated as absent.
Preconditions ReadPreconditions(const http::request_header<>& request,
                                std::string_view prefix = {});

// The write preconditions (conditional writes): If-None-Match must be "*" (anything else is
// NotImplemented, as AWS answers), If-Match an entity tag or "*".
Result<storage::WriteCondition> ReadWriteCondition(HandlerContext& ctx);

// The error a failed conditional write of ctx.route's object reports: S3 answers 404 NoSuchKey,
// not 412, when If-Match finds no object at all. Other errors pass through unchanged.
boost::system::error_code WriteConditionError(HandlerContext& ctx, boost::system::error_code ec,
                                              const storage::WriteCondition& condition);

}  // namespace strata::api
