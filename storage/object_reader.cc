// ObjectReader implementations and NewRangeSource.
#include "storage/object_reader.h"

#include <algorithm>
#include <cstring>
#include <optional>
#include <vector>

#include "storage/sse.h"

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

// Erasure errors pass up unchanged; api/ maps them.
Result<size_t> ReadBlob(erasure::BlobReader& blob, uint64_t offset, std::span<std::byte> out) {
  auto n = blob.ReadAt(offset, out);
  if (!n) return n.error();
  return *n;
}

// A decrypting view of an encrypted blob's plaintext.
std::unique_ptr<SseStreamReader> DecryptingView(erasure::BlobReader& blob, std::string base_key,
                                                uint64_t plaintext_size) {
  return std::make_unique<SseStreamReader>(
      std::move(base_key), plaintext_size,
      [&blob](uint64_t offset, std::span<std::byte> out) { return ReadBlob(blob, offset, out); });
}

class BlobObjectReader final : public ObjectReader {
 public:
  BlobObjectReader(ObjectInfo info, std::unique_ptr<erasure::BlobReader> blob,
                   std::string sse_base_key)
      : info_(std::move(info)), blob_(std::move(blob)) {
    if (!sse_base_key.empty())
      decrypt_ = DecryptingView(*blob_, std::move(sse_base_key), info_.size);
  }

  const ObjectInfo& info() const override { return info_; }

  Result<size_t> ReadAt(uint64_t offset, std::span<std::byte> out) override {
    if (offset >= info_.size) return size_t{0};
    out = out.first(std::min<uint64_t>(out.size(), info_.size - offset));
    if (decrypt_) return decrypt_->ReadAt(offset, out);
    return ReadBlob(*blob_, offset, out);
  }

 private:
  ObjectInfo info_;
  std::unique_ptr<erasure::BlobReader> blob_;
  std::unique_ptr<SseStreamReader> decrypt_;  // reads blob_; null for plain data
};

// A multipart object: part i covers [starts_[i], starts_[i] + size). ReadAt finds the first part
// by binary search and continues into the next ones until `out` is full or the object ends.
// Only the most recently used part's blob is open, so memory and descriptors stay bounded
// whatever the part count; sequential reads open each part once.
class PartsObjectReader final : public ObjectReader {
 public:
  PartsObjectReader(ObjectInfo info, PartList parts, erasure::ChunkStore& chunks, PartPins::Pin pin,
                    std::string sse_base_key)
      : info_(std::move(info)),
        parts_(std::move(parts)),
        chunks_(chunks),
        pin_(std::move(pin)),
        sse_base_key_(std::move(sse_base_key)) {
    starts_.reserve(parts_.parts.size());
    uint64_t at = 0;
    for (const auto& p : parts_.parts) {
      starts_.push_back(at);
      at += p.size;
    }
  }

  const ObjectInfo& info() const override { return info_; }

  Result<size_t> ReadAt(uint64_t offset, std::span<std::byte> out) override {
    if (offset >= info_.size || out.empty()) return size_t{0};
    out = out.first(std::min<uint64_t>(out.size(), info_.size - offset));
    // The last part starting at or before offset (parts may be empty: upper_bound skips them).
    size_t index = std::upper_bound(starts_.begin(), starts_.end(), offset) - starts_.begin() - 1;
    size_t done = 0;
    while (done < out.size() && index < starts_.size()) {
      const PartEntry& part = parts_.parts[index];
      uint64_t within = offset + done - starts_[index];
      if (within >= part.size) {
        ++index;
        continue;
      }
      size_t want = std::min<uint64_t>(out.size() - done, part.size - within);
      auto piece = out.subspan(done, want);
      if (part.kind == PayloadKind::kInline) {
        auto bytes = InlinePart(index);
        if (!bytes) return bytes.error();
        std::memcpy(piece.data(), bytes->data() + within, want);
      } else if (auto ec = ReadBlobPart(index, within, piece)) {
        return ec;
      }
      done += want;
    }
    return done;
  }

 private:
  bool encrypted() const { return !sse_base_key_.empty(); }

  // The plaintext of inline part `index` (decrypted once and kept while it is the one in use).
  Result<std::string_view> InlinePart(size_t index) {
    const PartEntry& part = parts_.parts[index];
    if (!encrypted()) return std::string_view(part.data);
    if (!inline_plain_ || inline_index_ != index) {
      auto plain = SseDecryptAll(sse_base_key_, part.data, part.size);
      if (!plain) return plain.error();
      inline_plain_ = std::move(*plain);
      inline_index_ = index;
    }
    return std::string_view(*inline_plain_);
  }

  // Fills `out` from part `index` at `within`, opening the part's blob if it is not the open one.
  boost::system::error_code ReadBlobPart(size_t index, uint64_t within, std::span<std::byte> out) {
    const PartEntry& part = parts_.parts[index];
    if (!open_ || open_index_ != index) {
      decrypt_.reset();
      open_.reset();
      auto ref = erasure::BlobRef::Decode(part.data);
      const uint64_t stored = encrypted() ? SseCiphertextSize(part.size) : part.size;
      if (!ref || ref->size != stored) return make_error_code(Errc::kCorrupt);
      auto blob = chunks_.Open(*ref);
      if (!blob) return blob.error();
      open_ = std::move(*blob);
      open_index_ = index;
      if (encrypted()) decrypt_ = DecryptingView(*open_, sse_base_key_, part.size);
    }
    size_t done = 0;
    while (done < out.size()) {
      auto n = decrypt_ ? decrypt_->ReadAt(within + done, out.subspan(done))
                        : open_->ReadAt(within + done, out.subspan(done));
      if (!n) return n.error();
      if (*n == 0) return make_error_code(Errc::kCorrupt);  // blob shorter than the record says
      done += *n;
    }
    return {};
  }

  ObjectInfo info_;
  PartList parts_;
  std::vector<uint64_t> starts_;
  erasure::ChunkStore& chunks_;
  PartPins::Pin pin_;         // declared before open_: released after it is closed
  std::string sse_base_key_;  // empty: the parts are stored in plain
  std::unique_ptr<erasure::BlobReader> open_;
  std::unique_ptr<SseStreamReader> decrypt_;  // reads open_; declared after it
  size_t open_index_ = 0;
  std::optional<std::string> inline_plain_;
  size_t inline_index_ = 0;
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
                                                  std::string sse_base_key) {
  return std::make_unique<BlobObjectReader>(std::move(info), std::move(blob),
                                            std::move(sse_base_key));
}

std::unique_ptr<ObjectReader> NewPartsObjectReader(ObjectInfo info, PartList parts,
                                                   erasure::ChunkStore& chunks, PartPins::Pin pin,
                                                   std::string sse_base_key) {
  return std::make_unique<PartsObjectReader>(std::move(info), std::move(parts), chunks,
                                             std::move(pin), std::move(sse_base_key));
}

std::unique_ptr<ByteSource> NewRangeSource(std::unique_ptr<ObjectReader> reader, uint64_t first,
                                           uint64_t length) {
  return std::make_unique<RangeSource>(std::move(reader), first, length);
}

}  // namespace strata::storage
