// Reed-Solomon erasure code over GF(2^8) with a Cauchy matrix: k data shards, m parity shards,
// any k of the k+m shards rebuild the rest. The only user of ISA-L's erasure_code.h.
//
// Thread-safe: Encode and Reconstruct may run concurrently (the decode-table cache is locked).
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <span>
#include <vector>

#include "erasure/errors.h"

namespace strata::erasure {

class Codec {
 public:
  // REQUIRES nothing: returns kInvalidArgument unless 1 <= k, 0 <= m and k + m <= 255.
  [[nodiscard]] static Result<std::unique_ptr<Codec>> Create(int k, int m);

  Codec(const Codec&) = delete;
  Codec& operator=(const Codec&) = delete;

  int data_shards() const { return k_; }
  int parity_shards() const { return m_; }
  int total_shards() const { return k_ + m_; }

  // Computes the m parity blocks of k data blocks, each len bytes.
  // REQUIRES: data.size() == k, parity.size() == m, every pointer addresses len bytes,
  // parity blocks do not overlap data blocks.
  void Encode(size_t len, std::span<const std::byte* const> data,
              std::span<std::byte* const> parity) const;

  // shards[i] (i < k+m) addresses len bytes. present[i] != 0 means shards[i] holds good bytes.
  // Rebuilds every shard i with present[i] == 0 and shards[i] != nullptr (a null pointer means
  // "not needed"). Returns kReadQuorumLost if fewer than k shards are present, kInvalidArgument
  // on mismatched sizes. Present shards are never modified.
  [[nodiscard]] boost::system::error_code Reconstruct(size_t len,
                                                      std::span<std::byte* const> shards,
                                                      std::span<const uint8_t> present) const;

 private:
  struct DecodeTables {
    std::vector<unsigned char> gftbls;  // ec_init_tables output for the rebuilt rows
  };

  Codec(int k, int m);

  // Returns decode tables mapping the survivors (k indices) to the wanted rows.
  std::shared_ptr<const DecodeTables> GetDecodeTables(const std::vector<uint8_t>& survivors,
                                                      const std::vector<uint8_t>& wanted) const;

  const int k_;
  const int m_;
  std::vector<unsigned char> encode_matrix_;  // (k+m) x k, top k rows identity
  std::vector<unsigned char> encode_tables_;  // 32 * k * m bytes

  // Decode tables per erasure pattern (survivors + wanted rows); bounded, cleared when full.
  mutable std::mutex mu_;
  mutable std::map<std::vector<uint8_t>, std::shared_ptr<const DecodeTables>>
      cache_;  // GUARDED_BY(mu_)
};

}  // namespace strata::erasure
