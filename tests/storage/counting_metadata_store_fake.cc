#include "tests/storage/counting_metadata_store_fake.h"

namespace strata::storage::testing {
namespace {

class CountingCursor final : public Cursor {
 public:
  CountingCursor(std::unique_ptr<Cursor> base, std::atomic<uint64_t>& steps)
      : base_(std::move(base)), steps_(steps) {}
  void Seek(std::string_view target) override {
    ++steps_;
    base_->Seek(target);
  }
  bool Valid() const override { return base_->Valid(); }
  void Next() override {
    ++steps_;
    base_->Next();
  }
  std::string_view key() const override { return base_->key(); }
  std::string_view value() const override { return base_->value(); }
  boost::system::error_code status() const override { return base_->status(); }

 private:
  std::unique_ptr<Cursor> base_;
  std::atomic<uint64_t>& steps_;
};

}  // namespace

Result<std::optional<std::string>> CountingMetadataStore::Get(std::string_view key) {
  return base_.Get(key);
}

boost::system::error_code CountingMetadataStore::Write(const WriteBatch& batch) {
  ++writes_;
  return base_.Write(batch);
}

std::unique_ptr<Cursor> CountingMetadataStore::Scan(std::string_view prefix) {
  ++cursor_steps_;
  return std::make_unique<CountingCursor>(base_.Scan(prefix), cursor_steps_);
}

}  // namespace strata::storage::testing
