// Object ownership controls: the document both ways and the record.
#include "api/acl_ownership.h"

#include <pugixml.hpp>

#include "api/xml.h"

namespace strata::api {
namespace {

// The only element child of `node` named `name` with nothing else beside it (white space aside).
pugi::xml_node OnlyChild(pugi::xml_node node, std::string_view name) {
  pugi::xml_node found;
  for (pugi::xml_node c : node.children()) {
    if (c.type() == pugi::node_pcdata && TrimXmlSpace(c.value()).empty()) continue;
    if (c.type() == pugi::node_comment) continue;
    if (c.type() != pugi::node_element || found || XmlLocalName(c.name()) != name) return {};
    found = c;
  }
  return found;
}

}  // namespace

std::string_view ObjectOwnershipName(ObjectOwnership o) {
  switch (o) {
    case ObjectOwnership::kBucketOwnerEnforced:
      return "BucketOwnerEnforced";
    case ObjectOwnership::kBucketOwnerPreferred:
      return "BucketOwnerPreferred";
    case ObjectOwnership::kObjectWriter:
      return "ObjectWriter";
  }
  return "BucketOwnerEnforced";
}

std::optional<ObjectOwnership> ParseObjectOwnership(std::string_view text) {
  for (ObjectOwnership o :
       {ObjectOwnership::kBucketOwnerEnforced, ObjectOwnership::kBucketOwnerPreferred,
        ObjectOwnership::kObjectWriter}) {
    if (text == ObjectOwnershipName(o)) return o;
  }
  return std::nullopt;
}

Result<ObjectOwnership> ParseOwnershipControlsXml(std::string_view text) {
  pugi::xml_document doc;
  if (!doc.load_buffer(text.data(), text.size(), pugi::parse_default & ~pugi::parse_doctype)) {
    return make_error_code(S3Errc::kMalformedXML);
  }
  pugi::xml_node root = XmlSingleRoot(doc);
  if (!root || XmlLocalName(root.name()) != "OwnershipControls") {
    return make_error_code(S3Errc::kMalformedXML);
  }
  pugi::xml_node rule = OnlyChild(root, "Rule");
  pugi::xml_node setting = rule ? OnlyChild(rule, "ObjectOwnership") : pugi::xml_node();
  if (!setting) return make_error_code(S3Errc::kMalformedXML);
  std::string value;
  for (pugi::xml_node c : setting.children()) {
    if (c.type() == pugi::node_element) return make_error_code(S3Errc::kMalformedXML);
    if (c.type() == pugi::node_pcdata || c.type() == pugi::node_cdata) value += c.value();
  }
  auto o = ParseObjectOwnership(TrimXmlSpace(value));
  if (!o) return make_error_code(S3Errc::kMalformedXML);
  return *o;
}

std::string RenderOwnershipControlsXml(ObjectOwnership o) {
  XmlWriter xml;
  xml.Open("OwnershipControls", kS3XmlNamespace)
      .Open("Rule")
      .Element("ObjectOwnership", ObjectOwnershipName(o))
      .Close("Rule")
      .Close("OwnershipControls");
  return xml.Finish();
}

std::string EncodeOwnership(ObjectOwnership o) { return std::string(ObjectOwnershipName(o)); }

ObjectOwnership DecodeOwnership(std::string_view record) {
  return ParseObjectOwnership(record).value_or(ObjectOwnership::kBucketOwnerEnforced);
}

}  // namespace strata::api
