#include "storage/utf8.h"

#include <catch2/catch.hpp>
#include <string>

namespace strata::storage {
namespace {

TEST_CASE("Utf8Length counts characters, not bytes") {
  CHECK(Utf8Length("") == 0u);
  CHECK(Utf8Length("abc") == 3u);
  CHECK(Utf8Length("\xC3\xA9t\xC3\xA9") == 3u);         // "été"
  CHECK(Utf8Length("\xE6\x97\xA5\xE6\x9C\xAC") == 2u);  // two CJK characters
  CHECK(Utf8Length("\xF0\x9F\x98\x80") == 1u);          // one emoji, four bytes
}

TEST_CASE("Utf8Length refuses invalid UTF-8") {
  CHECK_FALSE(Utf8Length("\x80"));      // a continuation byte first
  CHECK_FALSE(Utf8Length("\xC3"));      // truncated sequence
  CHECK_FALSE(Utf8Length("\xE6\x97"));  // truncated three-byte sequence
  CHECK_FALSE(Utf8Length("\xC3\x28"));  // bad continuation byte
  CHECK_FALSE(Utf8Length("\xFF"));      // never a lead byte
  CHECK_FALSE(Utf8Length(std::string("a\xF8\x88\x80\x80\x80", 6)));
}

}  // namespace
}  // namespace strata::storage
