// The digesting body: every byte that passes through Read() feeds MD5 and the requested
// checksum, so Put never re-reads data to verify it. Past a body's first MiB the hashing runs
// beside the caller (pipelined_hasher.h).
#include "storage/body_source.h"

#include <utility>

#include "storage/pipelined_hasher.h"

namespace strata::storage {
namespace {

// Digest comparison need not be constant-time: the client knows both values.
class DigestingSource final : public BodySource {
 public:
  DigestingSource(ByteSource& in, DigestSpec spec)
      : in_(in),
        spec_(std::move(spec)),
        md5_(NewMd5Hasher()),
        checksum_(spec_.algorithm == ChecksumAlgorithm::kNone ? nullptr
                                                              : NewChecksumHasher(spec_.algorithm)),
        hashing_(checksum_ ? std::vector<Hasher*>{md5_.get(), checksum_.get()}
                           : std::vector<Hasher*>{md5_.get()}) {}

  Result<size_t> Read(std::span<std::byte> out) override {
    if (ended_ || out.empty()) return size_t{0};
    auto n = in_.Read(out);
    if (!n) return n.error();
    if (*n == 0) {
      ended_ = true;
      return size_t{0};
    }
    auto data = std::span<const std::byte>(out.data(), *n);
    hashing_.Update(data);
    size_ += *n;
    return *n;
  }

  Result<ContentDigests> Finish() override {
    // Finishing before the end would digest a prefix and let a truncated body through.
    if (!ended_ || finished_) return make_error_code(Errc::kInternal);
    finished_ = true;
    hashing_.Drain();
    ContentDigests digests;
    digests.size = size_;
    digests.md5 = md5_->Finish();
    if (spec_.expected_md5 && *spec_.expected_md5 != digests.md5) {
      return make_error_code(Errc::kBadDigest);
    }
    if (checksum_) {
      digests.checksum.algorithm = spec_.algorithm;
      digests.checksum.value = checksum_->Finish();
      std::optional<std::string> expected = spec_.expected_checksum;
      if (!expected && spec_.trailing_checksum) {
        expected = spec_.trailing_checksum();
        // A trailer that was promised but never carried the checksum: the body cannot be
        // verified, so it is not stored.
        if (!expected) return make_error_code(Errc::kBadDigest);
      }
      if (expected && *expected != digests.checksum.value) {
        return make_error_code(Errc::kBadDigest);
      }
    }
    return digests;
  }

 private:
  ByteSource& in_;
  DigestSpec spec_;
  std::unique_ptr<Hasher> md5_;
  std::unique_ptr<Hasher> checksum_;
  PipelinedHasher hashing_;  // after the hashers: destroyed (and drained) before them
  uint64_t size_ = 0;
  bool ended_ = false;
  bool finished_ = false;
};

}  // namespace

std::unique_ptr<BodySource> NewDigestingSource(ByteSource& in, DigestSpec spec) {
  return std::make_unique<DigestingSource>(in, std::move(spec));
}

}  // namespace strata::storage
