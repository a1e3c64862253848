// A MetadataStore wrapper that forwards every call and counts cursor moves, so tests can check
// that listing cost follows the page, not the bucket. Thread-safe as the wrapped store.
#pragma once

#include <atomic>
#include <memory>

#include "storage/metadata_store.h"

namespace strata::storage::testing {

class CountingMetadataStore final : public MetadataStore {
 public:
  explicit CountingMetadataStore(MetadataStore& base) : base_(base) {}

  Result<std::optional<std::string>> Get(std::string_view key) override;
  boost::system::error_code Write(const WriteBatch& batch) override;
  std::unique_ptr<Cursor> Scan(std::string_view prefix) override;

  // Seek + Next calls on cursors, plus one per Scan (its initial positioning).
  uint64_t cursor_steps() const { return cursor_steps_.load(); }
  uint64_t writes() const { return writes_.load(); }
  void Reset() { cursor_steps_ = 0; }

 private:
  MetadataStore& base_;
  std::atomic<uint64_t> cursor_steps_{0};
  std::atomic<uint64_t> writes_{0};
};

}  // namespace strata::storage::testing
