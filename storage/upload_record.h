// The values of the multipart index entries: one upload record per in-progress upload and one
// part record per uploaded part, in a compact versioned binary encoding (see README.md).
// Internal to storage/.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "storage/object_record.h"
#include "storage/object_store.h"

namespace strata::storage {

// The first byte of every upload and part record. On disk: never renumber.
inline constexpr uint8_t kUploadRecordFormatV1 = 1;
inline constexpr uint8_t kUploadRecordFormatV2 = 2;  // + tags, retention, legal hold
inline constexpr uint8_t kUploadRecordFormatV3 = 3;  // + encryption envelope (encrypted only)
inline constexpr uint8_t kUploadRecordFormatV4 = 4;  // + envelope (maybe empty), ACL (ACL only)
inline constexpr uint8_t kPartRecordFormatV1 = 1;

// What CreateMultipartUpload fixed for the final object. Bucket, key and upload id are in the
// index key, not repeated here.
struct UploadRecord {
  int64_t initiated_ms = 0;
  std::string storage_class;
  ChecksumAlgorithm checksum_algorithm = ChecksumAlgorithm::kNone;
  HeaderList headers;
  // Format 2: applied to the version the completion creates.
  TagSet tags;
  RetentionMode retention_mode = RetentionMode::kNone;
  int64_t retain_until_ms = 0;
  bool legal_hold = false;
  bool legal_hold_given = false;  // a status was given (u8 hold: 0 none, 1 ON, 2 OFF)
  // Format 3: EncodeSseEnvelope() every part is encrypted under (storage/sse.h); the completed
  // object takes it over. Empty: parts are stored in plain (and the record is format 2).
  std::string sse_envelope;
  // Format 4: api/'s ACL record for the completed version (MultipartOptions::acl), written
  // with it in the completion's batch. Empty: none (and the record is format 2 or 3).
  std::string acl;
};

// One uploaded part. Small parts (up to StoreOptions::inline_threshold) keep their bytes here
// (encrypted, when the upload is: then data.size() is SseCiphertextSize(size)).
struct PartRecord {
  uint64_t size = 0;
  int64_t last_modified_ms = 0;
  std::string md5;                        // raw, 16 bytes
  Checksum checksum;                      // the part's checksum (algorithm = the upload's)
  PayloadKind kind = PayloadKind::kBlob;  // kInline or kBlob
  std::string data;  // the bytes (kInline) or erasure::BlobRef::Encode() (kBlob)
};

//   u8 1 | varint zigzag(initiated_ms) | lp storage_class | u8 algorithm | varint n
//   | n x (lp name, lp value)
// Format 2 adds: tag pairs | u8 retention mode | varint zigzag(retain_until_ms) | u8 hold.
// Format 3 adds: lp sse_envelope (not empty). Format 4 adds: lp sse_envelope (may be empty)
// | lp acl.
std::string EncodeUploadRecord(const UploadRecord& record);
Result<UploadRecord> DecodeUploadRecord(std::string_view bytes);  // kCorrupt on junk

//   u8 1 | varint size | varint zigzag(last_modified_ms) | lp md5 | u8 algorithm | lp checksum
//   | u8 kind | lp data
std::string EncodePartRecord(const PartRecord& record);
// What api/ sees of an upload (CreateMultipartUpload, ListParts, ListMultipartUploads).
UploadInfo ToUploadInfo(std::string_view bucket, std::string_view key, std::string_view upload_id,
                        UploadRecord record);
Result<PartRecord> DecodePartRecord(std::string_view bytes);  // kCorrupt on junk

}  // namespace strata::storage
