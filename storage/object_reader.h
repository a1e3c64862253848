// The two ObjectReader implementations: inline bytes copied out of the record, or an open
// blob held alive by a lease. Internal to storage/.
#pragma once

#include <memory>
#include <optional>
#include <string>

#include "erasure/chunk_store.h"
#include "storage/blob_leases.h"
#include "storage/object_store.h"

namespace strata::storage {

std::unique_ptr<ObjectReader> NewInlineObjectReader(ObjectInfo info, std::string data);
std::unique_ptr<ObjectReader> NewBlobObjectReader(ObjectInfo info,
                                                  std::unique_ptr<erasure::BlobReader> blob,
                                                  BlobLeases::Lease lease);

}  // namespace strata::storage
