// The metadata records' primitives: varints, zigzag, length-prefixed strings and string pairs.
// Every record codec stands on them, and every parser of them faces bytes from disk.
#include "storage/coding.h"

#include <catch2/catch.hpp>
#include <limits>
#include <string>

namespace strata::storage {
namespace {

std::string Varint(uint64_t v) {
  std::string out;
  PutVarint64(out, v);
  return out;
}

}  // namespace

TEST_CASE("Varints round-trip at every length boundary and take LEB128's bytes") {
  CHECK(Varint(0) == std::string(1, '\0'));
  CHECK(Varint(127) == "\x7f");
  CHECK(Varint(128) == "\x80\x01");
  CHECK(Varint(300) == "\xac\x02");
  CHECK(Varint(std::numeric_limits<uint64_t>::max()) == "\xff\xff\xff\xff\xff\xff\xff\xff\xff\x01");
  for (unsigned bits = 0; bits <= 64; ++bits) {
    for (uint64_t delta : {0ULL, 1ULL}) {
      const uint64_t v = (bits == 64 ? 0 : (uint64_t{1} << bits)) - delta;
      INFO(v);
      const std::string bytes = Varint(v) + "tail";
      Decoder d(bytes);
      uint64_t got = 42;
      REQUIRE(d.GetVarint64(got));
      CHECK(got == v);
      CHECK(d.remaining() == 4);  // exactly the varint was consumed
    }
  }
}

TEST_CASE("A varint that is cut off or overflows 64 bits fails and stops the decoder") {
  auto fails = [](const std::string& bytes) {
    Decoder d(bytes);
    uint64_t v = 0;
    CHECK_FALSE(d.GetVarint64(v));
    CHECK(d.done());  // failed: nothing more is read from it
    uint8_t byte = 0;
    CHECK_FALSE(d.GetByte(byte));
  };
  // Cut off: the last byte still says "more follows".
  fails("\x80");
  fails("\xff\xff");
  // Ten bytes whose last carries more than bit 63, then plain bytes.
  fails(std::string("\xff\xff\xff\xff\xff\xff\xff\xff\xff\x02") + "more");
  // Eleven bytes: longer than any 64-bit value.
  fails(std::string("\x80\x80\x80\x80\x80\x80\x80\x80\x80\x80\x01") + "more");
  Decoder empty{std::string_view()};
  uint64_t v = 7;
  CHECK_FALSE(empty.GetVarint64(v));
  CHECK(v == 7);
}

TEST_CASE("Length-prefixed strings read back as views into the input, bounds-checked") {
  std::string bytes;
  PutLengthPrefixed(bytes, "");
  PutLengthPrefixed(bytes, "abc");
  PutLengthPrefixed(bytes, std::string(200, 'z'));  // a two-byte length
  Decoder d(bytes);
  std::string_view a, b;
  std::string c;
  REQUIRE(d.GetLengthPrefixed(a));
  REQUIRE(d.GetLengthPrefixed(b));
  REQUIRE(d.GetLengthPrefixed(c));
  CHECK(a.empty());
  CHECK(b == "abc");
  CHECK(b.data() >= bytes.data());  // a view into the input, not a copy
  CHECK(b.data() < bytes.data() + bytes.size());
  CHECK(c == std::string(200, 'z'));
  CHECK(d.done());

  // A length past the end fails without reading beyond it, and the decoder stays failed.
  std::string short_input = Varint(5) + "abc";
  Decoder cut(short_input);
  std::string_view v;
  CHECK_FALSE(cut.GetLengthPrefixed(v));
  CHECK(cut.done());
  // A huge length (beyond any buffer) likewise.
  std::string huge = Varint(std::numeric_limits<uint64_t>::max()) + "x";
  Decoder overlong(huge);
  CHECK_FALSE(overlong.GetLengthPrefixed(v));
}

TEST_CASE("ZigZag maps signed values to small unsigned ones and back") {
  CHECK(ZigZag(0) == 0);
  CHECK(ZigZag(-1) == 1);
  CHECK(ZigZag(1) == 2);
  CHECK(ZigZag(-2) == 3);
  for (int64_t v : {int64_t{0}, int64_t{-1}, int64_t{123456789}, int64_t{-123456789},
                    std::numeric_limits<int64_t>::max(), std::numeric_limits<int64_t>::min()}) {
    CHECK(UnZigZag(ZigZag(v)) == v);
  }
}

TEST_CASE("String pairs round-trip, and a claimed count beyond the bytes left is refused") {
  StringPairs pairs{
      {"content-type", "text/plain"}, {"", ""}, {"x-amz-meta-k", std::string(300, 'v')}};
  std::string bytes;
  PutStringPairs(bytes, pairs);
  Decoder d(bytes);
  StringPairs back;
  REQUIRE(GetStringPairs(d, back));
  CHECK(back == pairs);
  CHECK(d.done());

  // A count of a billion pairs in a few bytes must fail before allocating for them.
  std::string lying = Varint(1'000'000'000) +
                      "\x01"
                      "a"
                      "\x01"
                      "b";
  Decoder liar(lying);
  StringPairs none;
  CHECK_FALSE(GetStringPairs(liar, none));
  CHECK(none.empty());
}

}  // namespace strata::storage
