#include "tests/storage/faulty_journal_dir_fake.h"

namespace strata::storage::testing {
namespace {

boost::system::error_code Fail() { return make_error_code(Errc::kUnavailable); }

class FaultyJournalFile final : public JournalFile {
 public:
  FaultyJournalFile(std::unique_ptr<JournalFile> inner, std::shared_ptr<std::atomic<bool>> fail)
      : inner_(std::move(inner)), fail_(std::move(fail)) {}
  boost::system::error_code Append(std::span<const std::byte> data) override {
    return *fail_ ? Fail() : inner_->Append(data);
  }
  boost::system::error_code Sync() override { return *fail_ ? Fail() : inner_->Sync(); }

 private:
  std::unique_ptr<JournalFile> inner_;
  std::shared_ptr<std::atomic<bool>> fail_;
};

}  // namespace

FaultyJournalDir::FaultyJournalDir(std::unique_ptr<JournalDir> inner) : inner_(std::move(inner)) {}

Result<std::unique_ptr<JournalFile>> FaultyJournalDir::Create(const std::string& name) {
  if (*fail_writes) return Fail();
  auto file = inner_->Create(name);
  if (!file) return file.error();
  return std::unique_ptr<JournalFile>(
      std::make_unique<FaultyJournalFile>(std::move(*file), fail_writes));
}

boost::system::error_code FaultyJournalDir::Rename(const std::string& from, const std::string& to) {
  return *fail_writes ? Fail() : inner_->Rename(from, to);
}

boost::system::error_code FaultyJournalDir::SyncDir() {
  return *fail_writes ? Fail() : inner_->SyncDir();
}

std::unique_ptr<JournalDir> OpenFaultyJournalDir(const std::string& path,
                                                 FaultyJournalDir** handle) {
  auto inner = OpenLocalJournalDir(path);
  if (!inner) return nullptr;
  auto dir = std::make_unique<FaultyJournalDir>(std::move(*inner));
  if (handle) *handle = dir.get();
  return dir;
}

}  // namespace strata::storage::testing
