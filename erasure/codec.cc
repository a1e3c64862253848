#include "erasure/codec.h"

#include <isa-l/erasure_code.h>

#include <algorithm>
#include <climits>
#include <cstring>

#include "erasure/vector_state.h"

namespace strata::erasure {
namespace {

constexpr size_t kMaxCachedPatterns = 256;

unsigned char* Uc(const std::byte* p) {
  return reinterpret_cast<unsigned char*>(const_cast<std::byte*>(p));
}

}  // namespace

Result<std::unique_ptr<Codec>> Codec::Create(int k, int m) {
  if (k < 1 || m < 0 || k + m > 255) return make_error_code(Errc::kInvalidArgument);
  return std::unique_ptr<Codec>(new Codec(k, m));
}

Codec::Codec(int k, int m) : k_(k), m_(m) {
  const int n = k + m;
  encode_matrix_.resize(static_cast<size_t>(n) * k);
  // Cauchy, not gf_gen_rs_matrix: every k x k submatrix of a Cauchy matrix (with identity on
  // top) is invertible, for every (k, m) with k + m <= 256; the RS (Vandermonde) one is not.
  gf_gen_cauchy1_matrix(encode_matrix_.data(), n, k);
  if (m > 0) {
    encode_tables_.resize(32 * static_cast<size_t>(k) * m);
    ec_init_tables(k, m, encode_matrix_.data() + static_cast<size_t>(k) * k, encode_tables_.data());
  }
}

void Codec::Encode(size_t len, std::span<const std::byte* const> data,
                   std::span<std::byte* const> parity) const {
  if (m_ == 0 || len == 0) return;
  unsigned char* src[255];
  unsigned char* dst[255];
  for (int i = 0; i < k_; ++i) src[i] = Uc(data[i]);
  for (int i = 0; i < m_; ++i) dst[i] = Uc(parity[i]);
  // ISA-L takes int lengths; block sizes are bounded far below INT_MAX by the chunk store, but
  // keep the codec correct for any len by encoding in column slices.
  size_t done = 0;
  while (done < len) {
    const size_t n = std::min<size_t>(len - done, INT_MAX / 2);
    unsigned char* s[255];
    unsigned char* d[255];
    for (int i = 0; i < k_; ++i) s[i] = src[i] + done;
    for (int i = 0; i < m_; ++i) d[i] = dst[i] + done;
    ec_encode_data(static_cast<int>(n), k_, m_, const_cast<unsigned char*>(encode_tables_.data()),
                   s, d);
    done += n;
  }
  ClearUpperVectorState();  // vector_state.h
}

std::shared_ptr<const Codec::DecodeTables> Codec::GetDecodeTables(
    const std::vector<uint8_t>& survivors, const std::vector<uint8_t>& wanted) const {
  std::vector<uint8_t> key = survivors;
  key.push_back(255);  // separator: 255 is never a shard index (k + m <= 255)
  key.insert(key.end(), wanted.begin(), wanted.end());
  {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = cache_.find(key);
    if (it != cache_.end()) return it->second;
  }

  const int k = k_;
  // B: the k surviving rows of the encode matrix; B * data = survivors, so data = B^-1 * survivors.
  std::vector<unsigned char> b(static_cast<size_t>(k) * k);
  for (int r = 0; r < k; ++r) {
    std::memcpy(&b[static_cast<size_t>(r) * k],
                &encode_matrix_[static_cast<size_t>(survivors[r]) * k], k);
  }
  std::vector<unsigned char> inv(static_cast<size_t>(k) * k);
  if (gf_invert_matrix(b.data(), inv.data(), k) != 0) return nullptr;  // impossible for Cauchy

  // Row w of the decode matrix: for a data shard, row w of B^-1; for a parity shard, its encode
  // row times B^-1 (it re-encodes from the recovered data).
  std::vector<unsigned char> decode(wanted.size() * k);
  for (size_t w = 0; w < wanted.size(); ++w) {
    unsigned char* row = &decode[w * k];
    const int idx = wanted[w];
    if (idx < k) {
      std::memcpy(row, &inv[static_cast<size_t>(idx) * k], k);
    } else {
      const unsigned char* enc = &encode_matrix_[static_cast<size_t>(idx) * k];
      for (int c = 0; c < k; ++c) {
        unsigned char s = 0;
        for (int j = 0; j < k; ++j) s ^= gf_mul(enc[j], inv[static_cast<size_t>(j) * k + c]);
        row[c] = s;
      }
    }
  }
  auto tables = std::make_shared<DecodeTables>();
  tables->gftbls.resize(32 * static_cast<size_t>(k) * wanted.size());
  ec_init_tables(k, static_cast<int>(wanted.size()), decode.data(), tables->gftbls.data());

  std::lock_guard<std::mutex> lock(mu_);
  if (cache_.size() >= kMaxCachedPatterns) cache_.clear();
  cache_.emplace(std::move(key), tables);
  return tables;
}

boost::system::error_code Codec::Reconstruct(size_t len, std::span<std::byte* const> shards,
                                             std::span<const uint8_t> present) const {
  const int n = k_ + m_;
  if (shards.size() != static_cast<size_t>(n) || present.size() != static_cast<size_t>(n)) {
    return make_error_code(Errc::kInvalidArgument);
  }
  std::vector<uint8_t> survivors;
  std::vector<uint8_t> wanted;
  for (int i = 0; i < n; ++i) {
    if (present[i]) {
      if (survivors.size() < static_cast<size_t>(k_)) survivors.push_back(static_cast<uint8_t>(i));
    } else if (shards[i] != nullptr) {
      wanted.push_back(static_cast<uint8_t>(i));
    }
  }
  if (survivors.size() < static_cast<size_t>(k_)) return make_error_code(Errc::kReadQuorumLost);
  if (wanted.empty() || len == 0) return {};

  auto tables = GetDecodeTables(survivors, wanted);
  if (tables == nullptr) return make_error_code(Errc::kReadQuorumLost);

  size_t done = 0;
  while (done < len) {
    const size_t chunk = std::min<size_t>(len - done, INT_MAX / 2);
    unsigned char* src[255];
    unsigned char* dst[255];
    for (int i = 0; i < k_; ++i) src[i] = Uc(shards[survivors[i]]) + done;
    for (size_t w = 0; w < wanted.size(); ++w) dst[w] = Uc(shards[wanted[w]]) + done;
    ec_encode_data(static_cast<int>(chunk), k_, static_cast<int>(wanted.size()),
                   const_cast<unsigned char*>(tables->gftbls.data()), src, dst);
    done += chunk;
  }
  ClearUpperVectorState();  // vector_state.h
  return {};
}

}  // namespace strata::erasure
