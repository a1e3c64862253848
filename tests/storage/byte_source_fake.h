// ByteSources for tests: a string served in bounded pieces, and one that fails mid-stream.
#pragma once

#include <string>

#include "storage/body_source.h"
#include "storage/stream.h"

namespace strata::storage::testing {

// Serves `data`, at most `piece` bytes per Read. Optionally fails with `error` once `fail_after`
// bytes have been served.
class StringSource final : public ByteSource {
 public:
  explicit StringSource(std::string data, size_t piece = 64 * 1024)
      : data_(std::move(data)), piece_(piece) {}

  void FailAfter(size_t bytes, boost::system::error_code error) {
    fail_after_ = bytes;
    error_ = error;
  }
  Result<size_t> Read(std::span<std::byte> out) override;
  size_t served() const { return pos_; }

 private:
  std::string data_;
  size_t piece_;
  size_t pos_ = 0;
  size_t fail_after_ = SIZE_MAX;
  boost::system::error_code error_;
};

// A deterministic pseudo-random payload of n bytes (different per seed).
std::string TestPayload(size_t n, uint32_t seed = 1);

// A digesting body over a string with no declared digests; owns its source.
class TestBody final : public BodySource {
 public:
  explicit TestBody(std::string data, DigestSpec spec = {}, size_t piece = 64 * 1024)
      : source_(std::move(data), piece), body_(NewDigestingSource(source_, std::move(spec))) {}
  Result<size_t> Read(std::span<std::byte> out) override { return body_->Read(out); }
  Result<ContentDigests> Finish() override { return body_->Finish(); }
  StringSource& source() { return source_; }

 private:
  StringSource source_;
  std::unique_ptr<BodySource> body_;
};

}  // namespace strata::storage::testing
