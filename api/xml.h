// Small XML output for S3 response documents: a streaming writer that escapes every byte of
// text it is given. Input documents (request bodies) are read with ReadXmlBody and parsed with
// pugixml in the handlers.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "api/s3_errors.h"
#include "storage/stream.h"

namespace pugi {
class xml_document;
class xml_node;
}  // namespace pugi

namespace strata::api {

// The namespace of every S3 response document.
inline constexpr std::string_view kS3XmlNamespace = "http://s3.amazonaws.com/doc/2006-03-01/";

// Appends `text` escaped for XML character data and attribute values: & < > " ' become entities,
// and control bytes (below 0x20, and 0x7F) become "&#xN;" character references, as S3 renders
// them in keys. Other bytes (UTF-8 sequences) pass through unchanged.
void AppendXmlEscaped(std::string& out, std::string_view text);

// Builds one document. Element names are trusted (literals); text is escaped. Not thread-safe.
class XmlWriter {
 public:
  // Starts the document with the XML declaration.
  XmlWriter();

  // <name> or, with a namespace, <name xmlns="ns">.
  XmlWriter& Open(std::string_view name, std::string_view xmlns = {});
  XmlWriter& Close(std::string_view name);
  // Escaped character data inside the open element.
  XmlWriter& Text(std::string_view text);
  // <name>escaped text</name>
  XmlWriter& Element(std::string_view name, std::string_view text);
  // Distinct names, not overloads: a string literal would otherwise convert to bool.
  XmlWriter& BoolElement(std::string_view name, bool value);  // "true" / "false"
  XmlWriter& NumberElement(std::string_view name, uint64_t value);
  // Markup the caller already wrote and escaped (a listing's entries, rendered apart).
  XmlWriter& Raw(std::string_view markup) {
    out_.append(markup);
    return *this;
  }

  // Makes room for `bytes` more of output at once (a listing page knows its size roughly):
  // growing a few hundred KiB by doubling copied the document several times.
  void Reserve(size_t bytes) { out_.reserve(out_.size() + bytes); }

  // The document so far; call once at the end.
  std::string Finish() { return std::move(out_); }

 private:
  std::string out_;
};

// Reads a whole request document, refusing more than `limit` bytes with MalformedXML (as S3
// does for oversized XML bodies); memory stays bounded by the limit whatever the client
// declared. Errors of the body itself (signature, length) pass through unchanged.
Result<std::string> ReadXmlBody(storage::ByteSource& body, size_t limit);

// The one element at the top of a parsed request document; an empty node when there is none or
// more than one (pugixml accepts several, XML does not).
pugi::xml_node XmlSingleRoot(const pugi::xml_document& doc);

// An element name without its namespace prefix ("s3:Part" -> "Part").
std::string_view XmlLocalName(std::string_view name);

// `s` without leading and trailing XML white space (space, tab, CR, LF).
std::string_view TrimXmlSpace(std::string_view s);

// The trimmed text of a leaf element, whatever the CDATA split; nullopt when it has element
// children (not a leaf: MalformedXML in S3's configuration documents).
std::optional<std::string> XmlLeafText(pugi::xml_node node);

// False when a container element holds character data other than white space (MalformedXML).
bool XmlContainerOk(pugi::xml_node node);

}  // namespace strata::api
