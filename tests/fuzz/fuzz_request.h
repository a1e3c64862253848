// Helpers shared by the fuzz targets: an HTTP request header parsed from a text fuzz input, and a
// ByteSource that serves a body in pseudo-random pieces. Header-only; not thread-safe.
//
// Input format (seed files stay readable):
//   METHOD SP TARGET [SP anything] LF
//   Name: value LF          (any number; a trailing CR is dropped)
//   LF
//   body bytes ...
// Header lines that Beast's parser would refuse (bad name characters, control bytes in the
// value) are skipped, so the targets only see requests the server could actually deliver.
#pragma once

#include <algorithm>
#include <boost/beast/http/message.hpp>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <span>
#include <string>
#include <string_view>

#include "storage/stream.h"

namespace strata::fuzz {

struct FuzzRequest {
  boost::beast::http::request_header<> header;
  std::string_view body;
};

inline bool IsTokenChar(unsigned char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
         std::strchr("!#$%&'*+-.^_`|~", c) != nullptr;
}

// Beast accepts HTAB, visible ASCII and obs-text (0x80-0xFF) in field values.
inline bool IsFieldValue(std::string_view v) {
  return std::all_of(v.begin(), v.end(), [](char ch) {
    auto c = static_cast<unsigned char>(ch);
    return c == '\t' || (c >= 0x20 && c != 0x7F);
  });
}

inline std::string_view NextLine(std::string_view& in) {
  size_t nl = in.find('\n');
  std::string_view line = in.substr(0, nl);
  in = nl == std::string_view::npos ? std::string_view() : in.substr(nl + 1);
  if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
  return line;
}

inline FuzzRequest ParseFuzzRequest(std::string_view in) {
  FuzzRequest r;
  std::string_view first = NextLine(in);
  size_t sp = first.find(' ');
  std::string_view method = first.substr(0, sp);
  std::string_view target =
      sp == std::string_view::npos ? std::string_view("/") : first.substr(sp + 1);
  target = target.substr(0, target.find(' '));
  if (method.empty() || !std::all_of(method.begin(), method.end(), [](char c) {
        return IsTokenChar(static_cast<unsigned char>(c));
      })) {
    method = "GET";
  }
  // Beast's parser accepts any visible ASCII and obs-text in the target.
  if (target.empty() || !std::all_of(target.begin(), target.end(), [](char c) {
        return static_cast<unsigned char>(c) > 0x20 && c != 0x7F;
      })) {
    target = "/";
  }
  r.header.method_string(method);
  r.header.target(target);
  r.header.version(11);
  while (!in.empty()) {
    std::string_view line = NextLine(in);
    if (line.empty()) break;
    size_t colon = line.find(':');
    if (colon == 0 || colon == std::string_view::npos) continue;
    std::string_view name = line.substr(0, colon);
    std::string_view value = line.substr(colon + 1);
    while (!value.empty() && (value.front() == ' ' || value.front() == '\t')) {
      value.remove_prefix(1);
    }
    while (!value.empty() && (value.back() == ' ' || value.back() == '\t')) value.remove_suffix(1);
    if (!std::all_of(name.begin(), name.end(),
                     [](char c) { return IsTokenChar(static_cast<unsigned char>(c)); }) ||
        !IsFieldValue(value)) {
      continue;
    }
    r.header.insert(name, value);
  }
  r.body = in;
  return r;
}

// Deterministic per input, so a crash reproduces from the saved input alone.
class SplitMix {
 public:
  explicit SplitMix(std::string_view seed) {
    for (unsigned char c : seed) state_ = (state_ ^ c) * 0x100000001B3ull;
  }
  uint64_t Next() {
    uint64_t z = (state_ += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
  }
  // Mostly small sizes (1..16), sometimes up to `max`: framing splits land everywhere.
  size_t PieceSize(size_t max) {
    uint64_t r = Next();
    return (r & 3) ? 1 + (r >> 8) % 16 : 1 + (r >> 8) % max;
  }

 private:
  uint64_t state_ = 0xCBF29CE484222325ull;
};

// Serves `data` in pieces whose sizes come from `rng`.
class PieceSource final : public storage::ByteSource {
 public:
  PieceSource(std::string_view data, SplitMix& rng) : data_(data), rng_(rng) {}

  storage::Result<size_t> Read(std::span<std::byte> out) override {
    size_t n = std::min({out.size(), rng_.PieceSize(100000), data_.size() - pos_});
    if (n > 0) std::memcpy(out.data(), data_.data() + pos_, n);
    pos_ += n;
    return n;
  }

 private:
  std::string_view data_;
  SplitMix& rng_;
  size_t pos_ = 0;
};

}  // namespace strata::fuzz
