// A ByteSource for api/ tests: serves a string in pieces of a chosen size, and can fail once a
// chosen number of bytes has been served. Header-only.
#pragma once

#include <algorithm>
#include <cstring>
#include <string>

#include "api/s3_errors.h"
#include "storage/stream.h"

namespace strata::api::testing {

class PieceSource final : public storage::ByteSource {
 public:
  explicit PieceSource(std::string data, size_t piece = 1 << 20)
      : data_(std::move(data)), piece_(std::max<size_t>(piece, 1)) {}

  void FailAfter(size_t bytes, boost::system::error_code error) {
    fail_after_ = bytes;
    error_ = error;
  }

  Result<size_t> Read(std::span<std::byte> out) override {
    if (pos_ >= fail_after_) return error_;
    size_t n = std::min({out.size(), piece_, data_.size() - pos_, fail_after_ - pos_});
    std::memcpy(out.data(), data_.data() + pos_, n);
    pos_ += n;
    return n;
  }

  size_t served() const { return pos_; }

 private:
  std::string data_;
  size_t piece_;
  size_t pos_ = 0;
  size_t fail_after_ = SIZE_MAX;
  boost::system::error_code error_;
};

// Reads `source` to the end with reads of at most `block` bytes; the error if one occurs.
inline Result<std::string> ReadAll(storage::ByteSource& source, size_t block = 8192) {
  std::string out;
  std::string buf(block, '\0');
  while (true) {
    auto got = source.Read(std::as_writable_bytes(std::span(buf.data(), buf.size())));
    if (!got) return got.error();
    if (*got == 0) return out;
    out.append(buf.data(), *got);
  }
}

}  // namespace strata::api::testing
