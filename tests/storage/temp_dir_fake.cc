#include "tests/storage/temp_dir_fake.h"

#include <stdlib.h>

#include <filesystem>
#include <stdexcept>

namespace strata::storage::testing {

TempDir::TempDir() {
  std::string pattern = (std::filesystem::temp_directory_path() / "strata-storage-XXXXXX").string();
  if (mkdtemp(pattern.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
  path_ = pattern;
}

TempDir::~TempDir() {
  std::error_code ec;
  std::filesystem::remove_all(path_, ec);
}

}  // namespace strata::storage::testing
