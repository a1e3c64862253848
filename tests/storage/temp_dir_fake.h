// A fresh folder under the system temp dir, removed with everything in it on destruction.
#pragma once

#include <string>

namespace strata::storage::testing {

class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

}  // namespace strata::storage::testing
