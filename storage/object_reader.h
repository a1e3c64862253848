// The ObjectReader implementations: inline bytes copied out of the record, one open blob, or a
// multipart object's parts. Internal to storage/.
#pragma once

#include <memory>
#include <string>

#include "erasure/chunk_store.h"
#include "storage/object_record.h"
#include "storage/object_store.h"
#include "storage/part_pins.h"

namespace strata::storage {

std::unique_ptr<ObjectReader> NewInlineObjectReader(ObjectInfo info, std::string data);
// The blob reader pins the version it opened (erasure::BlobReader keeps its shards open).
// With a non-empty `sse_base_key` the blob holds an encrypted stream (storage/sse.h) of
// info.size plaintext bytes, decrypted as it is read.
std::unique_ptr<ObjectReader> NewBlobObjectReader(ObjectInfo info,
                                                  std::unique_ptr<erasure::BlobReader> blob,
                                                  std::string sse_base_key = {});
// Reads span parts exactly; a part's blob is opened when first read (one open at a time), and
// `pin` keeps the part blobs from being deleted meanwhile. `chunks` must outlive the reader.
// With a non-empty `sse_base_key` every part (inline or blob) is its own encrypted stream.
std::unique_ptr<ObjectReader> NewPartsObjectReader(ObjectInfo info, PartList parts,
                                                   erasure::ChunkStore& chunks, PartPins::Pin pin,
                                                   std::string sse_base_key = {});

}  // namespace strata::storage
