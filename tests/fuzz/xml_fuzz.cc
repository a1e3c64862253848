// Fuzzes every XML request-body parser in api/: CreateBucketConfiguration, Delete (DeleteObjects)
// and CompleteMultipartUpload. The first byte picks the parser (and, for CompleteMultipartUpload,
// the upload's checksum algorithm); the rest is the document, so one corpus covers them all.
// Each result is checked against its parser's documented limits.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "api/batch_delete.h"
#include "api/bucket_handlers.h"
#include "api/multipart_handlers.h"

namespace {

namespace api = strata::api;
using strata::storage::ChecksumAlgorithm;

void CreateBucketConfiguration(std::string_view xml) {
  auto location = api::ParseLocationConstraint(xml);
  if (location && location->size() > xml.size()) __builtin_trap();
}

void Delete(std::string_view xml) {
  auto request = api::ParseDeleteRequest(xml);
  if (!request) return;
  if (request->objects.empty() || request->objects.size() > api::kMaxDeleteKeys) __builtin_trap();
}

void CompleteMultipartUpload(std::string_view xml, uint8_t selector) {
  auto algorithm = static_cast<ChecksumAlgorithm>((selector >> 2) % 6);
  std::string message;
  auto parts = api::ParseCompleteMultipartUpload(xml, algorithm, &message);
  if (!parts) return;
  if (parts->empty() || parts->size() > 10000) __builtin_trap();
  for (const auto& part : *parts) {
    if (part.part_number < 1 || part.part_number > 10000) __builtin_trap();
    if (algorithm != ChecksumAlgorithm::kNone && !part.checksum) __builtin_trap();
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  std::string_view xml(reinterpret_cast<const char*>(data) + 1, size - 1);
  switch (data[0] & 3) {
    case 0:
      CreateBucketConfiguration(xml);
      break;
    case 1:
      Delete(xml);
      break;
    default:
      CompleteMultipartUpload(xml, data[0]);
      break;
  }
  return 0;
}
