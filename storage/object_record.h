// The values of the metadata index: bucket records and object records, in a compact,
// versioned binary encoding (see README.md). Internal to storage/.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "storage/object_store.h"

namespace strata::storage {

// The first byte of every record. On disk: never renumber.
inline constexpr uint8_t kBucketRecordFormatV1 = 1;
inline constexpr uint8_t kBucketRecordFormatV2 = 2;  // + versioning, object lock, tags
inline constexpr uint8_t kObjectRecordFormatV1 = 1;
inline constexpr uint8_t kObjectRecordFormatV2 = 2;  // + sort id, marker, tags, retention, hold
inline constexpr uint8_t kObjectRecordFormatV3 = 3;  // + encryption envelope (encrypted only)

// Where an object's bytes live. On disk: never renumber.
enum class PayloadKind : uint8_t {
  kInline = 0,  // the bytes themselves are the payload
  kBlob = 1,    // the payload is an erasure::BlobRef::Encode()
  kParts = 2,   // the payload is a part list (EncodePartList): a completed multipart upload
  // Only in an "o/" record (the latest version's copy): the inline bytes are kept once, in the
  // version record (VersionRecordKey with the same sort id); the payload is empty. Small
  // objects are most of the index's bytes, and every byte of a record is written to the
  // journal's copies, LevelDB's log and its compactions: storing them once halved that.
  kInlineInVersion = 3,
};

// One part of a multipart object, as the object record stores it.
struct PartEntry {
  uint32_t part_number = 0;
  uint64_t size = 0;
  std::string md5;                        // raw, 16 bytes
  std::string checksum;                   // raw; the algorithm is the object's (empty: none)
  PayloadKind kind = PayloadKind::kBlob;  // kInline or kBlob
  std::string data;  // the bytes (kInline) or erasure::BlobRef::Encode() (kBlob)
};

// The payload of a kParts record: the upload it came from (unique per completed object: it
// names the object's part blobs for deferred deletion) and its parts in ascending order.
struct PartList {
  std::string upload_id;
  std::vector<PartEntry> parts;
};

struct BucketRecord {
  int64_t created_ms = 0;  // ms since the Unix epoch
  std::string region;
  // Format 2 (format 1 decodes as: unversioned, no lock, no tags).
  VersioningState versioning = VersioningState::kUnversioned;
  bool object_lock = false;
  std::optional<DefaultRetention> default_retention;
  TagSet tags;  // empty: no tag set
};

struct ObjectRecord {
  std::string version_id = "null";
  // The version's position under "v/<bucket>\0<key>\0" (version_id.h): equal to version_id
  // for versioned writes; null versions get one too, so they sort by write time. Empty only in
  // format 1 records (written before versioning; migrated at store start, see README.md).
  std::string sort_id;
  bool delete_marker = false;
  TagSet tags;
  RetentionMode retention_mode = RetentionMode::kNone;
  int64_t retain_until_ms = 0;
  bool legal_hold = false;
  bool legal_hold_set = false;  // a status (ON or OFF) was ever given for this version
  uint64_t size = 0;
  std::string etag;
  int64_t last_modified_ms = 0;
  std::string storage_class;
  HeaderList headers;
  Checksum checksum;
  // EncodeSseEnvelope() of the data's encryption (storage/sse.h); empty: stored in plain. The
  // payload (inline bytes, blob, parts) then holds the encrypted streams and `size` stays the
  // plaintext size.
  std::string sse_envelope;
  PayloadKind payload_kind = PayloadKind::kInline;
  // kInline, kBlob: the payload bytes. kParts: EncodePartList(parts), or empty and the encoder
  // encodes `parts`; decoding with the payload fills `parts` instead (payload left empty), so
  // a decoded record re-encodes unchanged.
  std::string payload;
  PartList parts;
};

std::string EncodeBucketRecord(const BucketRecord& record);
// kCorrupt on malformed input or an unknown format version.
Result<BucketRecord> DecodeBucketRecord(std::string_view bytes);

std::string EncodeObjectRecord(const ObjectRecord& record);
// The latest version's "o/" copy of `record`: EncodeObjectRecord, except that an inline payload
// of a record with a sort id is left to the version record (kInlineInVersion). Whoever reads an
// "o/" record with the payload resolves it (ObjectStoreImpl::ResolveInlinePayload).
std::string EncodeCurrentObjectRecord(const ObjectRecord& record);
// kCorrupt on malformed input, an unknown format version, or a time outside
// RepresentableMillis. With with_payload false the payload is validated but not copied
// (listing needs only the metadata).
Result<ObjectRecord> DecodeObjectRecord(std::string_view bytes, bool with_payload);

// The fields of an object record a listing shows, as views into the encoded bytes: valid only
// while those bytes are. Decoding one allocates nothing.
struct ObjectRecordSummary {
  std::string_view version_id;
  std::string_view etag;
  std::string_view storage_class;
  std::string_view sse_envelope;  // empty: stored in plain
  uint64_t size = 0;
  int64_t last_modified_ms = 0;
  bool delete_marker = false;
  bool legal_hold = false;
  bool legal_hold_set = false;
  size_t tag_count = 0;
  RetentionMode retention_mode = RetentionMode::kNone;
  int64_t retain_until_ms = 0;
};

// Accepts exactly the records DecodeObjectRecord(bytes, false) accepts (both run one walk that
// checks every field; this one copies nothing); kCorrupt otherwise. Listing decodes each entry
// with it.
Result<ObjectRecordSummary> DecodeObjectRecordSummary(std::string_view bytes);

// Part list codec (the kParts payload):
//   lp upload_id | varint n | n x (varint part_number | varint size | lp md5 | lp checksum
//   | u8 kind | lp data)
// Decoding checks: part numbers strictly ascending in 1..kMaxPartNumber, 16-byte MD5s, kind
// inline or blob, inline data of the stated size (or, encrypted, SseCiphertextSize of it);
// kCorrupt otherwise.
std::string EncodePartList(const PartList& list);
Result<PartList> DecodePartList(std::string_view bytes);

// The label written into every shard header of an object's blob, so the index can be rebuilt
// from the drives: u8 format(1) | lp bucket | lp key | lp version_id. Size, digests and headers
// are known only after the body streamed; they live in the object record.
inline constexpr uint8_t kBlobLabelFormatV1 = 1;
std::string EncodeBlobLabel(std::string_view bucket, std::string_view key,
                            std::string_view version_id);

// The label of a part's blob (format 2): u8 2 | lp bucket | lp key | lp upload_id
// | varint part_number. A part becomes part of an object only through the object record.
inline constexpr uint8_t kPartBlobLabelFormat = 2;
std::string EncodePartBlobLabel(std::string_view bucket, std::string_view key,
                                std::string_view upload_id, uint32_t part_number);

// The ObjectInfo a record describes (with `parts` filled for a decoded kParts record).
ObjectInfo ToObjectInfo(std::string_view bucket, std::string_view key, ObjectRecord record);

// Fills a default-constructed `info` with what a listing returns for `summary`: every field
// ToObjectInfo sets except headers, checksum, parts and sse_envelope (left empty; sse is set).
// In place: a listing fills the entries of its page's vector, no temporary moved per key.
void FillListedObjectInfo(ObjectInfo& info, std::string_view bucket, std::string_view key,
                          const ObjectRecordSummary& summary);

int64_t ToUnixMillis(TimePoint t);
// Whether some TimePoint has this many ms since the epoch (about +-292 years around 1970).
bool RepresentableMillis(int64_t ms);
// Saturates at TimePoint::min() / max() outside that range.
TimePoint FromUnixMillis(int64_t ms);

}  // namespace strata::storage
