// Orphan check: does the metadata index still reference a blob the scrubber found on the drives?
// The erasure layer knows no index; it asks through ScrubOptions::is_referenced, which
// NewOrphanCheck builds. A blob names its owner in its shard label (object_record.h):
//   object blob (format 1): bucket, key, version id -> the o/ and v/ records of (bucket, key)
//   part blob   (format 2): bucket, key, upload id, part number -> the p/ record of that part,
//                           then (completed uploads) the part lists of (bucket, key)'s records
// The version id in an object label is not used to narrow the search (Put labels its blob before
// the version id is assigned): every record of the key is searched for the blob id.
//
// Conservative by design: deleting a referenced blob loses data, keeping an unreferenced one
// only costs space. Anything unexpected (an unknown or malformed label, a corrupt record, a
// lookup error) is kUnknown, which the hook treats as referenced.
//
// Not covered: a multipart object that was overwritten while a reader still pins its parts
// (part_pins.h) has retired, unreferenced part blobs that the reader may open later; a scrub
// with a grace period shorter than such a read can delete them under it.
#pragma once

#include <functional>
#include <string_view>

#include "erasure/chunk_store.h"
#include "storage/metadata_store.h"

namespace strata::storage {

enum class BlobReference {
  kReferenced,    // a record names the blob id
  kUnreferenced,  // the label parsed and no record under it names the blob id
  kUnknown,       // could not tell (bad label, corrupt record, lookup error): keep the blob
};

// Looks the label's records up in `metadata` and compares their BlobRef blob ids with blob_id.
// Lookup order matters for blobs that move from a part record to an object record
// (CompleteMultipartUpload does so in one batch): the part record is read first, the object
// records after, so a completion between the two reads is seen by the second.
// Thread-safe (as `metadata` is).
BlobReference CheckBlobReference(MetadataStore& metadata, std::string_view label,
                                 std::string_view blob_id);

// The hook for erasure::ScrubOptions::is_referenced: true unless CheckBlobReference says
// kUnreferenced. `metadata` must outlive the returned function.
std::function<bool(const erasure::ScrubBlob&)> NewOrphanCheck(MetadataStore& metadata);

}  // namespace strata::storage
