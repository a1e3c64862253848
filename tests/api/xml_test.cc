#include "api/xml.h"

#include <catch2/catch.hpp>
#include <cstdio>
#include <pugixml.hpp>
#include <random>
#include <string>

namespace strata::api {
namespace {

std::string Escaped(std::string_view text) {
  std::string out;
  AppendXmlEscaped(out, text);
  return out;
}

TEST_CASE("XML escaping turns markup characters into entities") {
  CHECK(Escaped("a&b<c>d\"e'f") == "a&amp;b&lt;c&gt;d&quot;e&apos;f");
  CHECK(Escaped("plain/key.txt") == "plain/key.txt");
}

TEST_CASE("XML escaping turns control bytes into character references as S3 does") {
  CHECK(Escaped(std::string("a\x01"
                            "b",
                            3)) == "a&#x1;b");
  CHECK(Escaped("\t\n\r") == "&#x9;&#xA;&#xD;");
  CHECK(Escaped(std::string("\x1f\x7f", 2)) == "&#x1F;&#x7F;");
  CHECK(Escaped(std::string("\0", 1)) == "&#x0;");
}

TEST_CASE("XML escaping keeps the plain runs between, before and after escapes") {
  CHECK(Escaped("&start") == "&amp;start");
  CHECK(Escaped("end<") == "end&lt;");
  CHECK(Escaped("a&&b") == "a&amp;&amp;b");
  CHECK(Escaped("") == "");
  std::string out = "kept|";  // appends, never replaces
  AppendXmlEscaped(out, "x>y");
  CHECK(out == "kept|x&gt;y");
}

// Byte by byte, the rule the escaper implements (its fast path skips words of plain bytes).
std::string ReferenceEscaped(std::string_view text) {
  std::string out;
  for (char c : text) {
    const auto byte = static_cast<unsigned char>(c);
    switch (byte) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\'':
        out += "&apos;";
        break;
      default:
        if (byte < 0x20 || byte == 0x7F) {
          char ref[8];
          std::snprintf(ref, sizeof(ref), "&#x%X;", byte);
          out += ref;
        } else {
          out += c;
        }
    }
  }
  return out;
}

TEST_CASE("XML escaping finds every byte that needs it at any position, whatever surrounds it") {
  // Each byte value at each offset of a word and across word boundaries, among neighbours
  // that would make a word-at-a-time test borrow or carry (0x00, 0x80, 0xFF) or not ('a').
  for (char filler : {'a', '\x00', '\x80', '\xff', '\x20', '\x7e'}) {
    for (int value = 0; value < 256; ++value) {
      for (size_t at = 0; at < 19; ++at) {
        std::string text(19, filler);
        text[at] = static_cast<char>(value);
        INFO("filler " << int(static_cast<unsigned char>(filler)) << " byte " << value << " at "
                       << at);
        REQUIRE(Escaped(text) == ReferenceEscaped(text));
      }
    }
  }
  std::mt19937 random(8);
  for (int round = 0; round < 20000; ++round) {
    std::string text(random() % 40, '\0');
    for (char& c : text)
      c = static_cast<char>(random() % 4 == 0 ? random() % 256 : 'a' + random() % 26);
    REQUIRE(Escaped(text) == ReferenceEscaped(text));
  }
}

TEST_CASE("XML escaping passes UTF-8 through unchanged") {
  CHECK(Escaped("caf\xc3\xa9/\xe2\x82\xac") == "caf\xc3\xa9/\xe2\x82\xac");
}

TEST_CASE("Every printable key survives a round trip through the writer and a parser") {
  std::string key;
  for (int c = 0x20; c < 0x7f; ++c) key += static_cast<char>(c);
  key += "\xc3\xa9\t\n\r";
  XmlWriter writer;
  writer.Open("Root", kS3XmlNamespace).Element("Key", key).Close("Root");
  std::string doc = writer.Finish();
  pugi::xml_document parsed;
  REQUIRE(parsed.load_string(doc.c_str(), pugi::parse_default & ~pugi::parse_eol));
  CHECK(std::string(parsed.child("Root").attribute("xmlns").value()) ==
        std::string(kS3XmlNamespace));
  CHECK(std::string(parsed.child("Root").child_value("Key")) == key);
}

TEST_CASE("The writer renders numbers and booleans as S3 does") {
  XmlWriter writer;
  writer.Open("R").NumberElement("Size", 18446744073709551615ull).BoolElement("T", true);
  writer.BoolElement("F", false).Element("S", "x").Close("R");
  CHECK(writer.Finish() ==
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<R><Size>18446744073709551615</Size>"
        "<T>true</T><F>false</F><S>x</S></R>");
}

}  // namespace
}  // namespace strata::api
