// ObjectReader implementations and NewRangeSource.
#include "storage/object_reader.h"

#include <algorithm>
#include <cstring>
#include <vector>

namespace strata::storage {
namespace {

class InlineObjectReader final : public ObjectReader {
 public:
  InlineObjectReader(ObjectInfo info, std::string data)
      : info_(std::move(info)), data_(std::move(data)) {}

  const ObjectInfo& info() const override { return info_; }

  Result<size_t> ReadAt(uint64_t offset, std::span<std::byte> out) override {
    if (offset >= data_.size()) return size_t{0};
    size_t n = std::min<uint64_t>(out.size(), data_.size() - offset);
    std::memcpy(out.data(), data_.data() + offset, n);
    return n;
  }

 private:
  ObjectInfo info_;
  std::string data_;
};

class BlobObjectReader final : public ObjectReader {
 public:
  BlobObjectReader(ObjectInfo info, std::unique_ptr<erasure::BlobReader> blob,
                   BlobLeases::Lease lease)
      : info_(std::move(info)), blob_(std::move(blob)), lease_(std::move(lease)) {}

  const ObjectInfo& info() const override { return info_; }

  Result<size_t> ReadAt(uint64_t offset, std::span<std::byte> out) override {
    if (offset >= info_.size) return size_t{0};
    auto n = blob_->ReadAt(offset, out.first(std::min<uint64_t>(out.size(), info_.size - offset)));
    if (!n) return n.error();  // erasure codes pass up unchanged; api/ maps them
    return *n;
  }

 private:
  ObjectInfo info_;
  std::unique_ptr<erasure::BlobReader> blob_;  // destroyed before the lease ends
  BlobLeases::Lease lease_;
};

// Reads [first, first + length) in order. ReadAt is called with at most kMaxPiece bytes so a
// caller's huge buffer does not turn into one huge erasure read.
class RangeSource final : public ByteSource {
 public:
  static constexpr size_t kMaxPiece = 1 << 20;

  RangeSource(std::unique_ptr<ObjectReader> reader, uint64_t first, uint64_t length)
      : reader_(std::move(reader)), next_(first), end_(first + length) {
    if (end_ < first) end_ = UINT64_MAX;  // overflow: clamp
  }

  Result<size_t> Read(std::span<std::byte> out) override {
    if (next_ >= end_ || out.empty()) return size_t{0};
    size_t want = std::min<uint64_t>({out.size(), end_ - next_, kMaxPiece});
    auto n = reader_->ReadAt(next_, out.first(want));
    if (!n) return n.error();
    if (*n == 0) {
      // The object is shorter than the range: the caller promised a length it cannot get.
      return make_error_code(Errc::kIncompleteBody);
    }
    next_ += *n;
    return *n;
  }

 private:
  std::unique_ptr<ObjectReader> reader_;
  uint64_t next_;
  uint64_t end_;
};

}  // namespace

std::unique_ptr<ObjectReader> NewInlineObjectReader(ObjectInfo info, std::string data) {
  return std::make_unique<InlineObjectReader>(std::move(info), std::move(data));
}

std::unique_ptr<ObjectReader> NewBlobObjectReader(ObjectInfo info,
                                                  std::unique_ptr<erasure::BlobReader> blob,
                                                  BlobLeases::Lease lease) {
  return std::make_unique<BlobObjectReader>(std::move(info), std::move(blob), std::move(lease));
}

std::unique_ptr<ByteSource> NewRangeSource(std::unique_ptr<ObjectReader> reader, uint64_t first,
                                           uint64_t length) {
  return std::make_unique<RangeSource>(std::move(reader), first, length);
}

}  // namespace strata::storage
