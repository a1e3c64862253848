// WriteBatch: a plain list of operations; each MetadataStore applies it atomically.
#include "storage/metadata_store.h"

namespace strata::storage {

void WriteBatch::Put(std::string_view key, std::string_view value) {
  ops_.push_back(Op{false, std::string(key), std::string(value)});
}

void WriteBatch::Delete(std::string_view key) {
  ops_.push_back(Op{true, std::string(key), std::string()});
}

}  // namespace strata::storage
