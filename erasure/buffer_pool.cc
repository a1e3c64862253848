// A free list per buffer size under one mutex: the data path takes a buffer per blob (not per
// stripe), so contention is negligible; page alignment suits O_DIRECT-free large writes and
// keeps each buffer's pages its own.
#include "erasure/buffer_pool.h"

#include <cstdlib>
#include <map>
#include <mutex>
#include <new>
#include <vector>

namespace strata::erasure {
namespace {

constexpr size_t kAlignment = 4096;

struct Pool {
  std::mutex mu;
  std::map<size_t, std::vector<std::byte*>> free;  // GUARDED_BY(mu): by exact size
  size_t cached_bytes = 0;                         // GUARDED_BY(mu)
};

Pool& ThePool() {
  // Leaked on purpose: buffers may be returned by threads still running at exit.
  static Pool* pool = new Pool;
  return *pool;
}

size_t RoundUp(size_t n) { return (n + kAlignment - 1) / kAlignment * kAlignment; }

}  // namespace

PooledBuffer::PooledBuffer(size_t size) : size_(size) {
  if (size == 0) return;
  Pool& pool = ThePool();
  {
    std::lock_guard<std::mutex> lock(pool.mu);
    auto it = pool.free.find(size);
    if (it != pool.free.end() && !it->second.empty()) {
      data_ = it->second.back();
      it->second.pop_back();
      pool.cached_bytes -= size;
      return;
    }
  }
  void* p = std::aligned_alloc(kAlignment, RoundUp(size));
  if (p == nullptr) throw std::bad_alloc();  // as operator new would
  data_ = static_cast<std::byte*>(p);
}

void PooledBuffer::Release() {
  if (data_ == nullptr) return;
  Pool& pool = ThePool();
  {
    std::lock_guard<std::mutex> lock(pool.mu);
    if (pool.cached_bytes + size_ <= kMaxCachedBufferBytes) {
      pool.free[size_].push_back(data_);
      pool.cached_bytes += size_;
      data_ = nullptr;
      return;
    }
  }
  std::free(data_);
  data_ = nullptr;
}

}  // namespace strata::erasure
