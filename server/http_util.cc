#include "server/http_util.h"

#include <random>

#include "erasure/utc_time.h"

namespace strata::server {
namespace {

// splitmix64: a bijection, so distinct counter values give distinct ids.
uint64_t Mix(uint64_t x) {
  x += 0x9e3779b97f4a7c15ull;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
  return x ^ (x >> 31);
}

std::string Hex(uint64_t v) {
  static constexpr char kDigits[] = "0123456789ABCDEF";
  std::string s(16, '0');
  for (int i = 15; i >= 0; --i, v >>= 4) s[i] = kDigits[v & 0xf];
  return s;
}

}  // namespace

std::string HttpDate(std::chrono::system_clock::time_point t) {
  return erasure::FormatImfFixdate(t);
}

RequestIdGenerator::RequestIdGenerator() {
  std::random_device rd;
  seed_ = (static_cast<uint64_t>(rd()) << 32) ^ rd();
}

std::string RequestIdGenerator::Next() {
  // Mix(seed + n) is injective in n, so ids are unique for 2^64 requests.
  return Hex(Mix(seed_ + counter_.fetch_add(1, std::memory_order_relaxed)));
}

std::string RequestIdGenerator::HostId(const std::string& request_id) const {
  uint64_t h = seed_;
  for (char c : request_id) h = Mix(h ^ static_cast<unsigned char>(c));
  return Hex(h) + Hex(Mix(h ^ seed_)) + Hex(Mix(h + 1));
}

}  // namespace strata::server
