// The values of the metadata index: bucket records and object records, in a compact,
// versioned binary encoding (see README.md). Internal to storage/.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "storage/object_store.h"

namespace strata::storage {

// The first byte of every record. On disk: never renumber.
inline constexpr uint8_t kBucketRecordFormatV1 = 1;
inline constexpr uint8_t kObjectRecordFormatV1 = 1;

// Where an object's bytes live. On disk: never renumber.
enum class PayloadKind : uint8_t {
  kInline = 0,  // the bytes themselves are the payload
  kBlob = 1,    // the payload is an erasure::BlobRef::Encode()
};

struct BucketRecord {
  int64_t created_ms = 0;  // ms since the Unix epoch
  std::string region;
};

struct ObjectRecord {
  std::string version_id = "null";
  uint64_t size = 0;
  std::string etag;
  int64_t last_modified_ms = 0;
  std::string storage_class;
  HeaderList headers;
  Checksum checksum;
  PayloadKind payload_kind = PayloadKind::kInline;
  std::string payload;
};

std::string EncodeBucketRecord(const BucketRecord& record);
// kCorrupt on malformed input or an unknown format version.
Result<BucketRecord> DecodeBucketRecord(std::string_view bytes);

std::string EncodeObjectRecord(const ObjectRecord& record);
// kCorrupt on malformed input or an unknown format version. With with_payload false the
// payload is validated but not copied (listing needs only the metadata).
Result<ObjectRecord> DecodeObjectRecord(std::string_view bytes, bool with_payload);

// The label written into every shard header of an object's blob, so the index can be rebuilt
// from the drives: u8 format(1) | lp bucket | lp key | lp version_id. Size, digests and headers
// are known only after the body streamed; they live in the object record.
inline constexpr uint8_t kBlobLabelFormatV1 = 1;
std::string EncodeBlobLabel(std::string_view bucket, std::string_view key,
                            std::string_view version_id);

// The ObjectInfo a record describes.
ObjectInfo ToObjectInfo(std::string_view bucket, std::string_view key, ObjectRecord record);

int64_t ToUnixMillis(TimePoint t);
TimePoint FromUnixMillis(int64_t ms);

}  // namespace strata::storage
