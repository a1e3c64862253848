#include "api/xml.h"

#include <algorithm>
#include <array>
#include <charconv>
#include <cstring>
#include <pugixml.hpp>
#include <vector>

namespace strata::api {

namespace {

// Bytes that cannot stand for themselves in text or attribute values, as a table: the scan
// below runs over every byte of a listing page's keys and ETags.
constexpr std::array<bool, 256> kNeedsEscape = [] {
  std::array<bool, 256> table{};
  for (int byte = 0; byte < 0x20; ++byte) table[byte] = true;
  table[0x7F] = true;
  for (char byte : {'&', '<', '>', '"', '\''}) table[static_cast<unsigned char>(byte)] = true;
  return table;
}();

bool NeedsEscape(unsigned char byte) { return kNeedsEscape[byte]; }

// The same test for eight bytes at once (SWAR): nonzero exactly when one of them is below 0x20,
// 0x7F, or one of & < > " '. With v - 0x01.. & ~v & 0x80.. nonzero iff v has a zero byte (a
// borrow only ever starts at a zero byte), and the same with 0x20.. iff a byte is below 0x20
// (bytes >= 0x80 have their top bit set, which ~v clears).
constexpr uint64_t kOnes = 0x0101010101010101ULL;
constexpr uint64_t kHighs = 0x8080808080808080ULL;

constexpr uint64_t HasByteBelow(uint64_t v, uint8_t n) { return (v - kOnes * n) & ~v & kHighs; }
constexpr uint64_t HasByte(uint64_t v, uint8_t byte) { return HasByteBelow(v ^ (kOnes * byte), 1); }

constexpr bool WordNeedsEscape(uint64_t v) {
  return (HasByteBelow(v, 0x20) | HasByte(v, 0x7F) | HasByte(v, '&') | HasByte(v, '<') |
          HasByte(v, '>') | HasByte(v, '"') | HasByte(v, '\'')) != 0;
}

uint64_t LoadWord(const char* p) {
  uint64_t v;
  std::memcpy(&v, p, sizeof(v));
  return v;
}

void AppendEscape(std::string& out, unsigned char byte) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  switch (byte) {
    case '&':
      out += "&amp;";
      return;
    case '<':
      out += "&lt;";
      return;
    case '>':
      out += "&gt;";
      return;
    case '"':
      out += "&quot;";
      return;
    case '\'':
      out += "&apos;";
      return;
    default:
      // A raw control byte would make the document ill-formed (or, for \r, be normalized away
      // by the client's parser); S3 sends character references instead.
      out += "&#x";
      if (byte >= 0x10) out += kHex[byte >> 4];
      out += kHex[byte & 0xF];
      out += ';';
  }
}

}  // namespace

void AppendXmlEscaped(std::string& out, std::string_view text) {
  // Runs of plain bytes go in with one append: a listing page escapes a thousand keys and
  // ETags, and appending byte by byte was its largest single cost. Eight bytes at a time are
  // skipped while none of them needs escaping (most keys need none), then byte by byte.
  size_t run = 0;
  size_t i = 0;
  while (i < text.size()) {
    if (text.size() - i >= 8 && !WordNeedsEscape(LoadWord(text.data() + i))) {
      i += 8;
      continue;
    }
    const size_t stop = std::min(text.size(), i + 8);
    for (; i < stop; ++i) {
      const auto byte = static_cast<unsigned char>(text[i]);
      if (!NeedsEscape(byte)) continue;
      out.append(text.substr(run, i - run));
      AppendEscape(out, byte);
      run = i + 1;
    }
  }
  out.append(text.substr(run));
}

XmlWriter::XmlWriter() : out_("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n") {}

XmlWriter& XmlWriter::Open(std::string_view name, std::string_view xmlns) {
  out_ += '<';
  out_ += name;
  if (!xmlns.empty()) {
    out_ += " xmlns=\"";
    AppendXmlEscaped(out_, xmlns);
    out_ += '"';
  }
  out_ += '>';
  return *this;
}

XmlWriter& XmlWriter::Close(std::string_view name) {
  out_ += "</";
  out_ += name;
  out_ += '>';
  return *this;
}

XmlWriter& XmlWriter::Text(std::string_view text) {
  AppendXmlEscaped(out_, text);
  return *this;
}

XmlWriter& XmlWriter::Element(std::string_view name, std::string_view text) {
  out_ += '<';
  out_ += name;
  out_ += '>';
  AppendXmlEscaped(out_, text);
  out_ += "</";
  out_ += name;
  out_ += '>';
  return *this;
}

XmlWriter& XmlWriter::BoolElement(std::string_view name, bool value) {
  return Element(name, std::string_view(value ? "true" : "false"));
}

XmlWriter& XmlWriter::NumberElement(std::string_view name, uint64_t value) {
  char digits[20];  // 2^64 - 1 has 20 digits
  auto end = std::to_chars(digits, digits + sizeof(digits), value).ptr;
  Open(name);
  out_.append(digits, end);  // digits need no escaping
  return Close(name);
}

Result<std::string> ReadXmlBody(storage::ByteSource& body, size_t limit) {
  std::string out;
  std::vector<std::byte> buffer(16 * 1024);
  while (true) {
    auto n = body.Read(buffer);
    if (!n) return n.error();
    if (*n == 0) return out;
    if (out.size() + *n > limit) return make_error_code(S3Errc::kMalformedXML);
    out.append(reinterpret_cast<const char*>(buffer.data()), *n);
  }
}

pugi::xml_node XmlSingleRoot(const pugi::xml_document& doc) {
  pugi::xml_node root;
  for (pugi::xml_node node : doc.children()) {
    if (node.type() != pugi::node_element) continue;
    if (root) return {};
    root = node;
  }
  return root;
}

std::string_view XmlLocalName(std::string_view name) {
  size_t colon = name.find(':');
  return colon == std::string_view::npos ? name : name.substr(colon + 1);
}

std::string_view TrimXmlSpace(std::string_view s) {
  constexpr std::string_view kSpace = " \t\r\n";
  size_t first = s.find_first_not_of(kSpace);
  if (first == std::string_view::npos) return {};
  size_t last = s.find_last_not_of(kSpace);
  return s.substr(first, last - first + 1);
}

std::optional<std::string> XmlLeafText(pugi::xml_node node) {
  std::string text;
  for (pugi::xml_node child : node.children()) {
    if (child.type() == pugi::node_pcdata || child.type() == pugi::node_cdata) {
      text.append(child.value());
    } else if (child.type() == pugi::node_element) {
      return std::nullopt;
    }
  }
  return std::string(TrimXmlSpace(text));
}

bool XmlContainerOk(pugi::xml_node node) {
  for (pugi::xml_node child : node.children()) {
    if ((child.type() == pugi::node_pcdata || child.type() == pugi::node_cdata) &&
        !TrimXmlSpace(child.value()).empty()) {
      return false;
    }
  }
  return true;
}

}  // namespace strata::api
