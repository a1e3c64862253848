// A JournalDir that forwards to a real folder and fails writes on demand (a dying drive).
#pragma once

#include <atomic>
#include <memory>
#include <string>

#include "storage/index_journal.h"

namespace strata::storage::testing {

// Thread-safe. While `fail_writes` is set, Create, Append, Sync, Rename and SyncDir fail with
// kUnavailable (reads still work).
class FaultyJournalDir final : public JournalDir {
 public:
  explicit FaultyJournalDir(std::unique_ptr<JournalDir> inner);
  const std::string& path() const override { return inner_->path(); }
  Result<std::vector<std::string>> List() override { return inner_->List(); }
  Result<std::unique_ptr<JournalFile>> Create(const std::string& name) override;
  Result<std::unique_ptr<JournalReadFile>> Open(const std::string& name) override {
    return inner_->Open(name);
  }
  boost::system::error_code Rename(const std::string& from, const std::string& to) override;
  boost::system::error_code Remove(const std::string& name) override {
    return inner_->Remove(name);
  }
  boost::system::error_code SyncDir() override;

  // Shared with the files this folder created.
  std::shared_ptr<std::atomic<bool>> fail_writes = std::make_shared<std::atomic<bool>>(false);

 private:
  std::unique_ptr<JournalDir> inner_;
};

// A real folder wrapped in a FaultyJournalDir; `handle` (if given) receives the raw pointer.
std::unique_ptr<JournalDir> OpenFaultyJournalDir(const std::string& path,
                                                 FaultyJournalDir** handle);

}  // namespace strata::storage::testing
