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
std::unique_ptr<ObjectReader> NewBlobObjectReader(ObjectInfo info,
                                                  std::unique_ptr<erasure::BlobReader> blob);
// Reads span parts exactly; a part's blob is opened when first read (one open at a time), and
// `pin` keeps the part blobs from being deleted meanwhile. `chunks` must outlive the reader.
std::unique_ptr<ObjectReader> NewPartsObjectReader(ObjectInfo info, PartList parts,
                                                   erasure::ChunkStore& chunks, PartPins::Pin pin);

}  // namespace strata::storage
