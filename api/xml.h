// Small XML output for S3 response documents: a streaming writer that escapes every byte of
// text it is given. Input documents (request bodies) are parsed with pugixml in the handlers.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

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

  // The document so far; call once at the end.
  std::string Finish() { return std::move(out_); }

 private:
  std::string out_;
};

}  // namespace strata::api
