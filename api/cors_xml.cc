#include "api/cors_xml.h"

#include <algorithm>
#include <charconv>
#include <optional>
#include <pugixml.hpp>

#include "api/xml.h"

namespace strata::api {
namespace {

using Status = std::optional<CorsError>;  // nullopt: fine

CorsError Malformed() { return CorsError{S3Errc::kMalformedXML, {}}; }
CorsError Invalid(std::string message) {
  return CorsError{S3Errc::kInvalidRequest, std::move(message)};
}

size_t CountStars(std::string_view s) {
  return static_cast<size_t>(std::count(s.begin(), s.end(), '*'));
}

bool KnownMethod(std::string_view m) {
  return m == "GET" || m == "PUT" || m == "POST" || m == "DELETE" || m == "HEAD";
}

Status ParseRule(pugi::xml_node node, storage::CorsRule* rule) {
  if (!XmlContainerOk(node)) return Malformed();
  bool has_id = false;
  for (pugi::xml_node child : node.children()) {
    if (child.type() != pugi::node_element) continue;
    std::string_view name = XmlLocalName(child.name());
    std::optional<std::string> text = XmlLeafText(child);
    if (!text) return Malformed();
    if (name == "ID") {
      if (has_id) return Malformed();
      has_id = true;
      if (text->size() > kMaxCorsIdLength) {
        return Invalid("The ID of a CORS rule must not be longer than 255 characters.");
      }
      rule->id = std::move(*text);
    } else if (name == "AllowedOrigin") {
      if (CountStars(*text) > 1) {
        return Invalid("AllowedOrigin \"" + *text + "\" can not have more than one wildcard.");
      }
      rule->allowed_origins.push_back(std::move(*text));
    } else if (name == "AllowedMethod") {
      if (!KnownMethod(*text)) {
        return Invalid("Found unsupported HTTP method in CORS config. Unsupported method is " +
                       *text);
      }
      rule->allowed_methods.push_back(std::move(*text));
    } else if (name == "AllowedHeader") {
      if (CountStars(*text) > 1) {
        return Invalid("AllowedHeader \"" + *text + "\" can not have more than one wildcard.");
      }
      rule->allowed_headers.push_back(std::move(*text));
    } else if (name == "ExposeHeader") {
      if (CountStars(*text) > 0) {
        return Invalid("ExposeHeader \"" + *text +
                       "\" contains wildcard. We currently do not support wildcard for "
                       "ExposeHeader.");
      }
      rule->expose_headers.push_back(std::move(*text));
    } else if (name == "MaxAgeSeconds") {
      if (rule->max_age_seconds) return Malformed();
      std::string_view digits = *text;
      if (!digits.empty() && digits.front() == '+') digits.remove_prefix(1);
      int32_t value = 0;
      auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), value);
      if (digits.empty() || ec != std::errc() || end != digits.data() + digits.size()) {
        return Malformed();
      }
      rule->max_age_seconds = value;
    } else {
      return Malformed();
    }
  }
  if (rule->allowed_origins.empty() || rule->allowed_methods.empty()) return Malformed();
  return std::nullopt;
}

}  // namespace

std::variant<storage::CorsConfiguration, CorsError> ParseCorsConfiguration(std::string_view xml) {
  pugi::xml_document doc;
  // parse_default never expands entities beyond the five predefined ones, and skips DOCTYPE.
  if (!doc.load_buffer(xml.data(), xml.size(), pugi::parse_default)) return Malformed();
  pugi::xml_node root = XmlSingleRoot(doc);
  if (!root || XmlLocalName(root.name()) != "CORSConfiguration" || !XmlContainerOk(root)) {
    return Malformed();
  }
  storage::CorsConfiguration config;
  for (pugi::xml_node child : root.children()) {
    if (child.type() != pugi::node_element) continue;
    if (XmlLocalName(child.name()) != "CORSRule") return Malformed();
    if (config.rules.size() == kMaxCorsRules) {
      return Invalid("The number of CORS rules should not exceed allowed limit of 100 rules.");
    }
    storage::CorsRule rule;
    if (Status s = ParseRule(child, &rule)) return *s;
    config.rules.push_back(std::move(rule));
  }
  if (config.rules.empty()) return Malformed();
  return config;
}

std::string RenderCorsConfiguration(const storage::CorsConfiguration& config) {
  XmlWriter w;
  w.Open("CORSConfiguration", kS3XmlNamespace);
  for (const storage::CorsRule& rule : config.rules) {
    w.Open("CORSRule");
    if (!rule.id.empty()) w.Element("ID", rule.id);
    for (const auto& h : rule.allowed_headers) w.Element("AllowedHeader", h);
    for (const auto& m : rule.allowed_methods) w.Element("AllowedMethod", m);
    for (const auto& o : rule.allowed_origins) w.Element("AllowedOrigin", o);
    for (const auto& h : rule.expose_headers) w.Element("ExposeHeader", h);
    if (rule.max_age_seconds) w.Element("MaxAgeSeconds", std::to_string(*rule.max_age_seconds));
    w.Close("CORSRule");
  }
  w.Close("CORSConfiguration");
  return w.Finish();
}

}  // namespace strata::api
