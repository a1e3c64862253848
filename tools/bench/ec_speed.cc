// ec_speed: ISA-L Reed-Solomon encode speed on one core, for tools/bench's machine limits.
//
// For each scheme k+m it encodes stripes of 1 MiB of data (k data blocks of 1 MiB / k each)
// with ec_encode_data for about --seconds and prints one JSON object:
//   {"isal_encode_mb_per_s": {"2+2": 4321.0, "4+2": 3210.0}}
// where MB/s counts data bytes (not parity) per second, 1 MB = 10^6 bytes.
//
// Built by tools/bench/install.sh: g++ -O2 -std=c++20 ec_speed.cc -lisal -o .bin/ec_speed

#include <isa-l/erasure_code.h>

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <random>
#include <string>
#include <vector>

namespace {

double EncodeMBps(int k, int m, double seconds) {
  constexpr size_t kStripe = 1 << 20;
  const size_t block = kStripe / static_cast<size_t>(k);
  std::vector<uint8_t> matrix(static_cast<size_t>((k + m) * k));
  std::vector<uint8_t> tables(static_cast<size_t>(32 * k * m));
  gf_gen_cauchy1_matrix(matrix.data(), k + m, k);
  ec_init_tables(k, m, matrix.data() + k * k, tables.data());

  std::vector<std::vector<uint8_t>> buffers(static_cast<size_t>(k + m),
                                            std::vector<uint8_t>(block));
  std::mt19937 rng(42);
  for (int i = 0; i < k; ++i) {
    for (auto& b : buffers[static_cast<size_t>(i)]) b = static_cast<uint8_t>(rng());
  }
  std::vector<uint8_t*> data(static_cast<size_t>(k)), parity(static_cast<size_t>(m));
  for (int i = 0; i < k; ++i) data[static_cast<size_t>(i)] = buffers[static_cast<size_t>(i)].data();
  for (int i = 0; i < m; ++i) {
    parity[static_cast<size_t>(i)] = buffers[static_cast<size_t>(k + i)].data();
  }

  using Clock = std::chrono::steady_clock;
  const auto start = Clock::now();
  uint64_t stripes = 0;
  double elapsed = 0;
  do {
    for (int i = 0; i < 16; ++i) {
      ec_encode_data(static_cast<int>(block), k, m, tables.data(), data.data(), parity.data());
    }
    stripes += 16;
    elapsed = std::chrono::duration<double>(Clock::now() - start).count();
  } while (elapsed < seconds);
  return static_cast<double>(stripes) * static_cast<double>(block) * k / elapsed / 1e6;
}

}  // namespace

int main(int argc, char** argv) {
  double seconds = 1.0;
  for (int i = 1; i + 1 < argc; ++i) {
    if (std::strcmp(argv[i], "--seconds") == 0) seconds = std::atof(argv[i + 1]);
  }
  const double s22 = EncodeMBps(2, 2, seconds);
  const double s42 = EncodeMBps(4, 2, seconds);
  std::printf("{\"isal_encode_mb_per_s\": {\"2+2\": %.1f, \"4+2\": %.1f}}\n", s22, s42);
  return 0;
}
