// Helpers shared by the erasure tests: temp folders, seeded random bytes, file listings, chunks
// written in one go, and printing of Result<T> in Catch assertions.
#pragma once

#include <stdlib.h>

#include <boost/system/result.hpp>
#include <catch2/catch.hpp>
#include <chrono>
#include <cstddef>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <map>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "erasure/drive.h"

namespace strata::erasure::testing {

// A fresh folder under $TMPDIR, removed with everything in it on destruction.
class TempDir {
 public:
  TempDir() {
    std::string tmpl = (std::filesystem::temp_directory_path() / "strata-erasure-XXXXXX").string();
    path_ = ::mkdtemp(tmpl.data());
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::string& path() const { return path_; }
  std::string Sub(const std::string& name) const { return path_ + "/" + name; }

 private:
  std::string path_;
};

inline std::vector<std::byte> RandomBytes(size_t n, uint32_t seed) {
  std::mt19937 rng(seed);
  std::vector<std::byte> out(n);
  for (auto& b : out) b = static_cast<std::byte>(rng() & 0xff);
  return out;
}

// Regular files anywhere under dir (empty if dir does not exist).
inline std::vector<std::string> FilesUnder(const std::string& dir) {
  std::vector<std::string> out;
  std::error_code ec;
  if (!std::filesystem::exists(dir, ec)) return out;
  for (const auto& e : std::filesystem::recursive_directory_iterator(dir, ec)) {
    if (e.is_regular_file()) out.push_back(e.path().string());
  }
  return out;
}

// Waits up to 60 s for dir to hold no regular files (the trash reaper unlinks in the
// background); true if it emptied.
inline bool EventuallyEmpty(const std::string& dir) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  while (!FilesUnder(dir).empty()) {
    if (std::chrono::steady_clock::now() > deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return true;
}

// Creates chunk `id` on `drive` holding `data`, committed.
inline void WriteChunk(Drive& drive, const ChunkId& id, const std::vector<std::byte>& data) {
  auto w = drive.CreateChunk(id);
  REQUIRE(w);
  REQUIRE_FALSE((*w)->Append(data));
  REQUIRE_FALSE((*w)->Commit());
}

inline std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

// XORs one byte of a file in place with 0x5a.
inline void FlipByte(const std::string& path, uint64_t offset) {
  std::fstream f(path, std::ios::in | std::ios::out | std::ios::binary);
  REQUIRE(f);
  f.seekg(static_cast<std::streamoff>(offset));
  char c = 0;
  f.read(&c, 1);
  c = static_cast<char>(c ^ 0x5a);
  f.seekp(static_cast<std::streamoff>(offset));
  f.write(&c, 1);
  REQUIRE(f);
}

// Every regular file under dir with its bytes (to check that nothing changed).
inline std::map<std::string, std::string> Snapshot(const std::string& dir) {
  std::map<std::string, std::string> out;
  for (const auto& f : FilesUnder(dir)) out[f] = ReadFile(f);
  return out;
}

}  // namespace strata::erasure::testing

// Lets CHECK(result) print the error instead of requiring the value type to be printable.
namespace Catch {
template <class T, class E>
struct StringMaker<boost::system::result<T, E>> {
  static std::string convert(const boost::system::result<T, E>& r) {
    return r.has_value() ? std::string("{value}") : "{error: " + r.error().message() + "}";
  }
};
}  // namespace Catch
