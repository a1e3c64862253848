#include "api/uri.h"

#include <catch2/catch.hpp>
#include <random>

namespace strata::api {
namespace {

TEST_CASE("ParseTarget splits path and query at the first question mark and decodes both") {
  auto t = ParseTarget("/bucket/my%20key%2Bx?prefix=a%2Fb&list-type=2&x=1?2");
  REQUIRE(t);
  CHECK(t->raw_path == "/bucket/my%20key%2Bx");
  CHECK(t->path == "/bucket/my key+x");
  CHECK(t->raw_query == "prefix=a%2Fb&list-type=2&x=1?2");
  REQUIRE(t->query.size() == 3);
  CHECK(t->query[0] == std::pair<std::string, std::string>("prefix", "a/b"));
  CHECK(t->query[2] == std::pair<std::string, std::string>("x", "1?2"));
}

TEST_CASE("ParseTarget keeps a plus in the path literal and reads it as a space in the query") {
  auto t = ParseTarget("/b/a+b?prefix=c+d");
  REQUIRE(t);
  CHECK(t->path == "/b/a+b");
  CHECK(t->Query("prefix") == "c d");
}

TEST_CASE("ParseTarget splits each query pair at the first equals sign only") {
  auto t = ParseTarget("/b?versionId=abc==&uploads&empty=");
  REQUIRE(t);
  CHECK(t->Query("versionId") == "abc==");
  CHECK(t->HasQuery("uploads"));
  CHECK(t->Query("uploads") == "");
  CHECK(t->Query("empty") == "");
  CHECK_FALSE(t->HasQuery("missing"));
  CHECK_FALSE(t->Query("missing"));
}

TEST_CASE("ParsedTarget::Query returns the first of repeated values") {
  auto t = ParseTarget("/b?k=1&k=2&&k=3");
  REQUIRE(t);
  CHECK(t->Query("k") == "1");
  CHECK(t->query.size() == 3);
}

TEST_CASE("ParseTarget rejects targets that are not origin-form or are badly escaped") {
  const char* bad[] = {"",       "bucket/key", "http://host/b", "*",        "/b/%",     "/b/%4",
                       "/b/%zz", "/b/%00key",  "/b?x=%0",       "/b?x=%00", "/b?%g1=1", "/b#frag"};
  for (const char* target : bad) {
    INFO(target);
    CHECK_FALSE(ParseTarget(target));
  }
  CHECK_FALSE(ParseTarget(std::string_view("/b/\0k", 5)));
}

TEST_CASE("ParseTarget keeps empty segments and dot segments as sent") {
  auto t = ParseTarget("/b/a//./../c/");
  REQUIRE(t);
  CHECK(t->path == "/b/a//./../c/");
}

TEST_CASE("UriEncode leaves unreserved characters and encodes every other byte in upper-case hex") {
  CHECK(UriEncode("AZaz09-._~", true) == "AZaz09-._~");
  CHECK(UriEncode("a b+c/d*e%", true) == "a%20b%2Bc%2Fd%2Ae%25");
  CHECK(UriEncode("a b+c/d*e%", false) == "a%20b%2Bc/d%2Ae%25");
  CHECK(UriEncode("\xC3\xA9\xFF", true) == "%C3%A9%FF");
  CHECK(UriEncode("", true).empty());
}

TEST_CASE("UriDecode accepts either hex case and rejects truncated escapes") {
  CHECK(UriDecode("%c3%A9%2f") == "\xC3\xA9/");
  CHECK(UriDecode("a+b") == "a+b");
  CHECK(UriDecode("a+b", true) == "a b");
  CHECK_FALSE(UriDecode("%"));
  CHECK_FALSE(UriDecode("ab%2"));
  CHECK_FALSE(UriDecode("%x1"));
}

TEST_CASE("UriDecode inverts UriEncode for arbitrary bytes") {
  std::mt19937 rng(7);
  for (int i = 0; i < 200; ++i) {
    std::string s(rng() % 40, '\0');
    for (char& c : s) c = static_cast<char>(rng() % 256);
    CHECK(UriDecode(UriEncode(s, true)) == s);
    CHECK(UriDecode(UriEncode(s, false)) == s);
  }
}

}  // namespace
}  // namespace strata::api
