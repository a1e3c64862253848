#include "storage/orphan_check.h"

#include <string>

#include "storage/coding.h"
#include "storage/metadata_keys.h"
#include "storage/object_record.h"
#include "storage/upload_record.h"

namespace strata::storage {
namespace {

struct Label {
  uint8_t format = 0;
  std::string_view bucket;
  std::string_view key;
  std::string_view upload_id;  // part labels
  uint32_t part_number = 0;    // part labels
};

// The label as object_record.h's EncodeBlobLabel / EncodePartBlobLabel wrote it; false for
// anything else (another format, truncation, trailing bytes, an empty bucket or key).
bool ParseLabel(std::string_view bytes, Label& out) {
  Decoder d(bytes);
  if (!d.GetByte(out.format) || !d.GetLengthPrefixed(out.bucket) || !d.GetLengthPrefixed(out.key) ||
      out.bucket.empty() || out.key.empty()) {
    return false;
  }
  if (out.format == kBlobLabelFormatV1) {
    std::string_view version_id;
    return d.GetLengthPrefixed(version_id) && d.done();
  }
  if (out.format == kPartBlobLabelFormat) {
    uint64_t part = 0;
    if (!d.GetLengthPrefixed(out.upload_id) || !d.GetVarint64(part) || !d.done() ||
        out.upload_id.empty() || part == 0 || part > UINT32_MAX) {
      return false;
    }
    out.part_number = static_cast<uint32_t>(part);
    return true;
  }
  return false;
}

// Whether an encoded BlobRef names blob_id; kUnknown if it does not decode.
BlobReference RefNames(std::string_view encoded, std::string_view blob_id) {
  auto ref = erasure::BlobRef::Decode(encoded);
  if (!ref) return BlobReference::kUnknown;
  return ref->blob_id == blob_id ? BlobReference::kReferenced : BlobReference::kUnreferenced;
}

// Whether an object record (any version, marker or o/ copy) names blob_id, as its blob or as
// one of its parts' blobs.
BlobReference RecordNames(std::string_view value, std::string_view blob_id) {
  auto record = DecodeObjectRecord(value, /*with_payload=*/true);
  if (!record) return BlobReference::kUnknown;
  switch (record->payload_kind) {
    case PayloadKind::kInline:
    case PayloadKind::kInlineInVersion:
      return BlobReference::kUnreferenced;
    case PayloadKind::kBlob:
      return RefNames(record->payload, blob_id);
    case PayloadKind::kParts: {
      BlobReference result = BlobReference::kUnreferenced;
      for (const PartEntry& part : record->parts.parts) {
        if (part.kind != PayloadKind::kBlob) continue;
        BlobReference r = RefNames(part.data, blob_id);
        if (r == BlobReference::kReferenced) return r;
        if (r == BlobReference::kUnknown) result = r;
      }
      return result;
    }
  }
  return BlobReference::kUnknown;
}

// Every object record of (bucket, key): its versions and markers (v/), then the o/ copy of the
// latest (which alone exists for format-1 records not yet migrated).
BlobReference ObjectRecordsName(MetadataStore& metadata, std::string_view bucket,
                                std::string_view key, std::string_view blob_id) {
  BlobReference result = BlobReference::kUnreferenced;
  auto versions = metadata.Scan(KeyVersionsPrefix(bucket, key));
  for (; versions->Valid(); versions->Next()) {
    BlobReference r = RecordNames(versions->value(), blob_id);
    if (r == BlobReference::kReferenced) return r;
    if (r == BlobReference::kUnknown) result = r;
  }
  if (versions->status()) return BlobReference::kUnknown;
  auto latest = metadata.Get(ObjectRecordKey(bucket, key));
  if (!latest) return BlobReference::kUnknown;
  if (*latest) {
    BlobReference r = RecordNames(**latest, blob_id);
    if (r != BlobReference::kUnreferenced) return r;
  }
  return result;
}

}  // namespace

BlobReference CheckBlobReference(MetadataStore& metadata, std::string_view label,
                                 std::string_view blob_id) {
  Label parsed;
  if (blob_id.empty() || !ParseLabel(label, parsed)) return BlobReference::kUnknown;
  BlobReference result = BlobReference::kUnreferenced;
  if (parsed.format == kPartBlobLabelFormat) {
    // Before the object records: Complete moves a part's blob from here to there atomically,
    // so reading here first cannot miss it in both places.
    auto part = metadata.Get(PartRecordKey(parsed.upload_id, parsed.part_number));
    if (!part) return BlobReference::kUnknown;
    if (*part) {
      auto record = DecodePartRecord(**part);
      if (!record) return BlobReference::kUnknown;
      if (record->kind == PayloadKind::kBlob) {
        BlobReference r = RefNames(record->data, blob_id);
        if (r == BlobReference::kReferenced) return r;
        if (r == BlobReference::kUnknown) result = r;
      }
    }
  }
  BlobReference r = ObjectRecordsName(metadata, parsed.bucket, parsed.key, blob_id);
  if (r != BlobReference::kUnreferenced) return r;
  return result;
}

std::function<bool(const erasure::ScrubBlob&)> NewOrphanCheck(MetadataStore& metadata) {
  return [&metadata](const erasure::ScrubBlob& blob) {
    return CheckBlobReference(metadata, blob.label, blob.blob_id) != BlobReference::kUnreferenced;
  };
}

}  // namespace strata::storage
