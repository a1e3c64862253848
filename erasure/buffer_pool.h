// Internal to erasure/: a process-wide pool of large page-aligned buffers (stripes), so the data
// path does not allocate and fault in a fresh megabyte for every blob it writes or reads.
// Thread-safe.
#pragma once

#include <cstddef>

namespace strata::erasure {

// One buffer from the pool; uninitialized. Move-only; returns the buffer to the pool when
// destroyed (the pool keeps at most kMaxCachedBufferBytes of free buffers and frees the rest).
class PooledBuffer {
 public:
  PooledBuffer() = default;
  explicit PooledBuffer(size_t size);  // takes a free buffer of this size, or allocates one
  ~PooledBuffer() { Release(); }
  PooledBuffer(PooledBuffer&& other) noexcept : data_(other.data_), size_(other.size_) {
    other.data_ = nullptr;
    other.size_ = 0;
  }
  PooledBuffer& operator=(PooledBuffer&& other) noexcept {
    if (this != &other) {
      Release();
      data_ = other.data_;
      size_ = other.size_;
      other.data_ = nullptr;
      other.size_ = 0;
    }
    return *this;
  }
  PooledBuffer(const PooledBuffer&) = delete;
  PooledBuffer& operator=(const PooledBuffer&) = delete;

  std::byte* data() const { return data_; }
  size_t size() const { return size_; }
  explicit operator bool() const { return data_ != nullptr; }

 private:
  void Release();

  std::byte* data_ = nullptr;
  size_t size_ = 0;
};

// Free buffers the pool keeps for reuse (bytes, all sizes together).
inline constexpr size_t kMaxCachedBufferBytes = 32u << 20;

}  // namespace strata::erasure
