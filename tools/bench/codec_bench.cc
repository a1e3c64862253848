// strata-codec-bench: erasure-coding throughput on one core, Strata's paths against ISA-L's raw
// speed on the same buffers (issue 6's benchmark):
//   - raw ISA-L encode (ec_encode_data) and decode with m data shards missing (tables prepared
//     once, as a real decoder caches them), per scheme;
//   - Strata's codec (erasure/codec.h) Encode plus the CRC32C of every block, as the write path
//     does per stripe, and Reconstruct of m missing data blocks plus the CRC32C check of the k
//     survivors, as a degraded read does;
//   - through the real ChunkStore over temp folders: sequential read of whole blobs with all
//     drives vs with m drives' chunk folders gone, and heal of blobs missing one shard.
// MB/s count data bytes (10^6), one thread. Prints a table on stderr and one JSON object on
// stdout. Built by CMake (target strata-codec-bench) and tools/bench/install.sh.
//
//   strata-codec-bench [--seconds S] [--store-mib N] [--dir DIR]
#include <isa-l/erasure_code.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <functional>
#include <memory>
#include <random>
#include <span>
#include <string>
#include <vector>

#include "erasure/chunk_store.h"
#include "erasure/codec.h"
#include "erasure/crc32c.h"

namespace {

using Clock = std::chrono::steady_clock;
constexpr size_t kBlock = 256 * 1024;  // Strata's default shard block size

struct Scheme {
  int k;
  int m;
};

// Runs op (which processes `bytes` data bytes) for about `seconds`; MB/s.
double Rate(double seconds, size_t bytes, const std::function<void()>& op) {
  op();  // warm up (decode tables, page faults)
  const auto start = Clock::now();
  uint64_t n = 0;
  double elapsed = 0;
  do {
    for (int i = 0; i < 8; ++i) op();
    n += 8;
    elapsed = std::chrono::duration<double>(Clock::now() - start).count();
  } while (elapsed < seconds);
  return static_cast<double>(n) * static_cast<double>(bytes) / elapsed / 1e6;
}

struct Buffers {
  std::vector<std::vector<std::byte>> shards;
  std::vector<std::byte*> ptrs;
  Buffers(int k, int m) : shards(static_cast<size_t>(k + m), std::vector<std::byte>(kBlock)) {
    std::mt19937_64 rng(42);
    for (auto& s : shards) {
      for (auto& b : s) b = static_cast<std::byte>(rng());
    }
    for (auto& s : shards) ptrs.push_back(s.data());
  }
  uint8_t* u8(size_t i) { return reinterpret_cast<uint8_t*>(ptrs[i]); }
};

struct CodecResult {
  double isal_encode = 0, isal_decode = 0, strata_encode = 0, strata_decode = 0;
};

CodecResult BenchCodec(Scheme s, double seconds) {
  const int k = s.k, m = s.m;
  const size_t stripe = kBlock * static_cast<size_t>(k);
  Buffers buf(k, m);
  CodecResult r;

  // Raw ISA-L, as ec_speed.cc and Strata's codec set it up (Cauchy matrix).
  std::vector<uint8_t> matrix(static_cast<size_t>((k + m) * k));
  gf_gen_cauchy1_matrix(matrix.data(), k + m, k);
  std::vector<uint8_t> enc_tables(static_cast<size_t>(32 * k * m));
  ec_init_tables(k, m, matrix.data() + k * k, enc_tables.data());
  std::vector<uint8_t*> data, parity;
  for (int i = 0; i < k; ++i) data.push_back(buf.u8(static_cast<size_t>(i)));
  for (int i = 0; i < m; ++i) parity.push_back(buf.u8(static_cast<size_t>(k + i)));
  r.isal_encode = Rate(seconds, stripe, [&] {
    ec_encode_data(static_cast<int>(kBlock), k, m, enc_tables.data(), data.data(), parity.data());
  });

  // Decode: data shards 0..m-1 missing (the worst case: all of them need rebuilding). The
  // survivors are rows m..k+m-1; invert that k x k submatrix and take the rows of the lost ones.
  const int lost = std::min(m, k);
  std::vector<uint8_t> sub(static_cast<size_t>(k * k)), inv(static_cast<size_t>(k * k));
  std::vector<uint8_t*> survivors;
  for (int i = 0; i < k; ++i) {
    const int row = lost + i;
    std::memcpy(&sub[static_cast<size_t>(i * k)], &matrix[static_cast<size_t>(row * k)],
                static_cast<size_t>(k));
    survivors.push_back(buf.u8(static_cast<size_t>(row)));
  }
  if (gf_invert_matrix(sub.data(), inv.data(), k) != 0) std::abort();
  std::vector<uint8_t> dec_matrix(inv.begin(), inv.begin() + lost * k);
  std::vector<uint8_t> dec_tables(static_cast<size_t>(32 * k * lost));
  ec_init_tables(k, lost, dec_matrix.data(), dec_tables.data());
  std::vector<std::vector<uint8_t>> out(static_cast<size_t>(lost), std::vector<uint8_t>(kBlock));
  std::vector<uint8_t*> outs;
  for (auto& o : out) outs.push_back(o.data());
  r.isal_decode = Rate(seconds, stripe, [&] {
    ec_encode_data(static_cast<int>(kBlock), k, lost, dec_tables.data(), survivors.data(),
                   outs.data());
  });
  for (int i = 0; i < lost; ++i) {  // the benchmark checks itself
    if (std::memcmp(outs[static_cast<size_t>(i)], buf.u8(static_cast<size_t>(i)), kBlock) != 0) {
      std::fprintf(stderr, "raw decode produced wrong bytes\n");
      std::exit(1);
    }
  }

  // Strata's codec + CRC32C, on the same buffers.
  auto codec = strata::erasure::Codec::Create(k, m);
  if (!codec) std::abort();
  std::vector<const std::byte*> cdata(buf.ptrs.begin(), buf.ptrs.begin() + k);
  std::vector<std::byte*> cparity(buf.ptrs.begin() + k, buf.ptrs.end());
  volatile uint32_t sink = 0;
  r.strata_encode = Rate(seconds, stripe, [&] {
    (*codec)->Encode(kBlock, cdata, cparity);
    for (auto* p : buf.ptrs) sink = sink + strata::erasure::Crc32c(std::span(p, kBlock));
  });
  std::vector<std::vector<std::byte>> rebuilt(static_cast<size_t>(k + m));
  std::vector<std::byte*> shards(static_cast<size_t>(k + m), nullptr);
  std::vector<uint8_t> present(static_cast<size_t>(k + m), 1);
  for (int i = 0; i < k + m; ++i) {
    if (i < lost) {
      rebuilt[static_cast<size_t>(i)].resize(kBlock);
      shards[static_cast<size_t>(i)] = rebuilt[static_cast<size_t>(i)].data();
      present[static_cast<size_t>(i)] = 0;
    } else {
      shards[static_cast<size_t>(i)] = buf.ptrs[static_cast<size_t>(i)];
    }
  }
  r.strata_decode = Rate(seconds, stripe, [&] {
    for (int i = lost; i < lost + k; ++i) {  // verify the k survivors read
      sink = sink + strata::erasure::Crc32c(std::span(shards[static_cast<size_t>(i)], kBlock));
    }
    if ((*codec)->Reconstruct(kBlock, shards, present)) std::abort();
  });
  for (int i = 0; i < lost; ++i) {
    if (rebuilt[static_cast<size_t>(i)] != buf.shards[static_cast<size_t>(i)]) {
      std::fprintf(stderr, "strata reconstruct produced wrong bytes\n");
      std::exit(1);
    }
  }
  return r;
}

struct StoreResult {
  double read_healthy = 0, read_degraded = 0, heal = 0;
};

// Whole-blob reads and heals through the real chunk store over temp folders (warm page cache:
// this measures the CPU path, not the disks; heal includes its fdatasyncs).
StoreResult BenchStore(Scheme s, size_t total_mib, const std::string& root) {
  namespace fs = std::filesystem;
  using namespace strata::erasure;
  const fs::path dir = fs::path(root) / ("strata-codec-bench-" + std::to_string(::getpid()) + "-" +
                                         std::to_string(s.k) + "-" + std::to_string(s.m));
  fs::create_directories(dir);
  StoreResult r;
  {
    std::vector<TierSpec> tiers(1);
    tiers[0].name = "t";
    tiers[0].data_shards = static_cast<uint32_t>(s.k);
    tiers[0].parity_shards = static_cast<uint32_t>(s.m);
    tiers[0].block_size = kBlock;
    std::vector<fs::path> drives;
    for (int i = 0; i < s.k + s.m; ++i) {
      drives.push_back(dir / ("d" + std::to_string(i)));
      auto d = OpenLocalDrive(drives.back().string());
      if (!d) std::abort();
      tiers[0].drives.push_back(std::move(*d));
    }
    ChunkStoreOptions options;
    options.start_healer = false;
    auto store = NewErasureChunkStore(std::move(tiers), options);
    if (!store) std::abort();
    constexpr size_t kBlob = 4u << 20;
    const size_t blobs = std::max<size_t>(1, (total_mib << 20) / kBlob);
    std::vector<std::byte> data(kBlob);
    std::mt19937_64 rng(7);
    for (auto& b : data) b = static_cast<std::byte>(rng());
    std::vector<BlobRef> refs;
    for (size_t i = 0; i < blobs; ++i) {
      auto w = (*store)->Create(Placement{"t", "k" + std::to_string(i), "bench"});
      if (!w || (*w)->Append(data)) std::abort();
      auto ref = (*w)->Commit();
      if (!ref) std::abort();
      refs.push_back(*ref);
    }
    std::vector<std::byte> out(1 << 20);
    auto read_all = [&] {
      const auto start = Clock::now();
      for (const BlobRef& ref : refs) {
        auto reader = (*store)->Open(ref);
        if (!reader) std::abort();
        for (uint64_t off = 0; off < ref.size; off += out.size()) {
          auto n = (*reader)->ReadAt(off, out);
          if (!n || *n == 0) std::abort();
        }
      }
      const double secs = std::chrono::duration<double>(Clock::now() - start).count();
      return static_cast<double>(blobs * kBlob) / secs / 1e6;
    };
    read_all();  // warm the page cache
    r.read_healthy = read_all();
    for (int i = 0; i < s.m; ++i) fs::rename(drives[i] / "chunks", drives[i] / "chunks.gone");
    r.read_degraded = read_all();
    for (int i = 0; i < s.m; ++i) fs::rename(drives[i] / "chunks.gone", drives[i] / "chunks");
    // Heal: every blob loses its shard on drive 0.
    for (const BlobRef& ref : refs) {
      fs::remove(drives[0] / "chunks" / ref.blob_id.substr(0, 2) / (ref.blob_id + ".0"));
    }
    const auto start = Clock::now();
    for (const BlobRef& ref : refs) {
      auto report = (*store)->HealBlob(ref);
      if (!report || report->rewritten.size() != 1) std::abort();
    }
    const double secs = std::chrono::duration<double>(Clock::now() - start).count();
    r.heal = static_cast<double>(blobs * kBlob) / secs / 1e6;
  }
  fs::remove_all(dir);
  return r;
}

}  // namespace

int main(int argc, char** argv) {
  double seconds = 1.0;
  size_t store_mib = 64;
  std::string dir = "/tmp";
  for (int i = 1; i + 1 < argc; i += 2) {
    if (std::strcmp(argv[i], "--seconds") == 0) {
      seconds = std::atof(argv[i + 1]);
    } else if (std::strcmp(argv[i], "--store-mib") == 0) {
      store_mib = static_cast<size_t>(std::atol(argv[i + 1]));
    } else if (std::strcmp(argv[i], "--dir") == 0) {
      dir = argv[i + 1];
    } else {
      std::fprintf(stderr, "usage: %s [--seconds S] [--store-mib N] [--dir DIR]\n", argv[0]);
      return 2;
    }
  }
  std::fprintf(stderr, "%-6s %12s %12s %12s %12s %12s %12s %12s\n", "scheme", "isal_enc",
               "strata_enc", "isal_dec", "strata_dec", "read_ok", "read_deg", "heal");
  std::printf("{\"block_size\": %zu, \"unit\": \"MB/s of data, one core\", \"schemes\": {", kBlock);
  const Scheme schemes[] = {{2, 2}, {4, 2}};
  for (size_t i = 0; i < 2; ++i) {
    const Scheme s = schemes[i];
    const CodecResult c = BenchCodec(s, seconds);
    const StoreResult st = BenchStore(s, store_mib, dir);
    std::fprintf(stderr, "%d+%-4d %12.0f %12.0f %12.0f %12.0f %12.0f %12.0f %12.0f\n", s.k, s.m,
                 c.isal_encode, c.strata_encode, c.isal_decode, c.strata_decode, st.read_healthy,
                 st.read_degraded, st.heal);
    std::printf(
        "%s\"%d+%d\": {\"isal_encode\": %.1f, \"strata_encode_crc\": %.1f, "
        "\"isal_decode_m_missing\": %.1f, \"strata_reconstruct_crc_m_missing\": %.1f, "
        "\"store_read_healthy\": %.1f, \"store_read_m_missing\": %.1f, "
        "\"store_heal_one_shard\": %.1f}",
        i ? ", " : "", s.k, s.m, c.isal_encode, c.strata_encode, c.isal_decode, c.strata_decode,
        st.read_healthy, st.read_degraded, st.heal);
  }
  std::printf("}}\n");
  return 0;
}
