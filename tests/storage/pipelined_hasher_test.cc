#include "storage/pipelined_hasher.h"

#include <atomic>
#include <catch2/catch.hpp>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "tests/storage/byte_source_fake.h"

namespace strata::storage {
namespace {

std::span<const std::byte> Bytes(std::string_view s) {
  return std::as_bytes(std::span(s.data(), s.size()));
}

std::string OneShot(ChecksumAlgorithm algorithm, std::string_view data) {
  auto h = NewChecksumHasher(algorithm);
  h->Update(Bytes(data));
  return h->Finish();
}

// Feeds `data` in pieces of the given sizes (cycled) through a pipelined MD5 + CRC64NVME pair,
// overwriting the caller's buffer right after each Update as a reader reusing it would.
struct Digests {
  std::string md5, crc;
};
Digests PipelinedDigests(std::string_view data, std::vector<size_t> piece_sizes) {
  auto md5 = NewMd5Hasher();
  auto crc = NewChecksumHasher(ChecksumAlgorithm::kCrc64Nvme);
  {
    PipelinedHasher hashing({md5.get(), crc.get()});
    std::vector<std::byte> buffer;
    size_t pos = 0;
    for (size_t i = 0; pos < data.size(); ++i) {
      size_t n = std::min(piece_sizes[i % piece_sizes.size()], data.size() - pos);
      buffer.assign(Bytes(data.substr(pos, n)).begin(), Bytes(data.substr(pos, n)).end());
      hashing.Update(buffer);
      std::fill(buffer.begin(), buffer.end(), std::byte{0xEE});  // the caller reuses it
      pos += n;
    }
    hashing.Drain();
  }
  return {md5->Finish(), crc->Finish()};
}

TEST_CASE("pipelined hashing of a large body gives the same digests as hashing it at once") {
  const std::string data = testing::TestPayload((6 << 20) + 12345, 7);
  const Digests want{Md5(data), OneShot(ChecksumAlgorithm::kCrc64Nvme, data)};
  // 1 MiB pieces (the object store's reads), 64 KiB (the socket's), and a mix with pieces
  // below the hand-off size in between handed-off ones: order must hold across both paths.
  for (auto pieces : std::vector<std::vector<size_t>>{
           {1 << 20}, {64 * 1024}, {1 << 20, 100, 300 * 1024, 1, 65535, 65536}}) {
    Digests got = PipelinedDigests(data, pieces);
    CHECK(got.md5 == want.md5);
    CHECK(got.crc == want.crc);
  }
}

TEST_CASE("a small body is hashed on the caller's thread and digests the same") {
  const std::string data = testing::TestPayload(300 * 1024, 3);
  Digests got = PipelinedDigests(data, {128 * 1024});
  CHECK(got.md5 == Md5(data));
  CHECK(got.crc == OneShot(ChecksumAlgorithm::kCrc64Nvme, data));
}

TEST_CASE("a body just past the inline part, and pieces over a MiB, digest the same") {
  // 1 MiB inline, then a short tail in pieces on both sides of the hand-off size.
  const std::string data = testing::TestPayload((1 << 20) + 200 * 1024 + 7, 9);
  for (auto pieces : std::vector<std::vector<size_t>>{{64 * 1024}, {1 << 20, 1}, {4096}}) {
    Digests got = PipelinedDigests(data, pieces);
    CHECK(got.md5 == Md5(data));
    CHECK(got.crc == OneShot(ChecksumAlgorithm::kCrc64Nvme, data));
  }
  // Pieces larger than the stream buffer (a caller with a 2 MiB buffer), in order with others.
  const std::string big = testing::TestPayload(9 << 20, 10);
  Digests got = PipelinedDigests(big, {300 * 1024, 2 << 20, 5});
  CHECK(got.md5 == Md5(big));
}

TEST_CASE("destroying a pipelined hasher while a piece is in flight waits for it") {
  const std::string data = testing::TestPayload(4 << 20, 5);
  for (int round = 0; round < 20; ++round) {
    auto md5 = NewMd5Hasher();
    {
      PipelinedHasher hashing({md5.get()});
      hashing.Update(Bytes(data));                      // inline: the first MiB
      hashing.Update(Bytes(data).subspan(0, 2 << 20));  // handed off; not drained
    }
    // The hand-off finished before the destructor returned: finishing now is safe and sees
    // every byte given.
    auto expected = NewMd5Hasher();
    expected->Update(Bytes(data));
    expected->Update(Bytes(data).subspan(0, 2 << 20));
    CHECK(md5->Finish() == expected->Finish());
  }
}

// An MD5 whose every Update after the first waits until the gate opens: a hashing thread that
// is not getting the CPU.
class GatedMd5 final : public Hasher {
 public:
  void Update(std::span<const std::byte> data) override {
    if (calls_++ > 0) {
      std::unique_lock<std::mutex> lock(mu_);
      cv_.wait(lock, [this] { return open_; });
    }
    md5_->Update(data);
  }
  std::string Finish() override { return md5_->Finish(); }
  void Open() {
    {
      std::lock_guard<std::mutex> lock(mu_);
      open_ = true;
    }
    cv_.notify_all();
  }

 private:
  std::unique_ptr<Hasher> md5_ = NewMd5Hasher();
  std::atomic<int> calls_{0};
  std::mutex mu_;
  std::condition_variable cv_;
  bool open_ = false;
};

TEST_CASE("a caller runs at most kMaxPiecesInFlight pieces ahead of a stalled hashing thread") {
  const size_t piece = 256 * 1024;
  const size_t pieces = PipelinedHasher::kMaxPiecesInFlight + 2;
  const std::string data = testing::TestPayload(PipelinedHasher::kInlineBytes + pieces * piece, 4);
  GatedMd5 md5;
  std::atomic<size_t> handed_off{0};
  std::thread caller([&] {
    PipelinedHasher hashing({&md5});
    hashing.Update(Bytes(data).first(PipelinedHasher::kInlineBytes));  // inline, ungated
    std::vector<std::byte> buffer(piece);
    for (size_t i = 0; i < pieces; ++i) {
      const auto bytes = Bytes(data).subspan(PipelinedHasher::kInlineBytes + i * piece, piece);
      std::copy(bytes.begin(), bytes.end(), buffer.begin());
      hashing.Update(buffer);
      std::fill(buffer.begin(), buffer.end(), std::byte{0xEE});  // the caller reuses it
      ++handed_off;
    }
    hashing.Drain();
  });
  // The first piece is being hashed (gated) and counts as in flight with the queued ones.
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (handed_off < PipelinedHasher::kMaxPiecesInFlight &&
         std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  const size_t reached = handed_off;
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  const size_t after_a_while = handed_off;
  md5.Open();
  caller.join();  // before any check: a failed check must not leave the thread running
  CHECK(reached == PipelinedHasher::kMaxPiecesInFlight);
  CHECK(after_a_while == PipelinedHasher::kMaxPiecesInFlight);  // the next Update waited
  CHECK(handed_off == pieces);
  CHECK(md5.Finish() == Md5(data));
}

}  // namespace
}  // namespace strata::storage
