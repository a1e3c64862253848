#include "api/governance_xml.h"

#include <pugixml.hpp>

#include "api/http_date.h"
#include "api/request_headers.h"
#include "api/uri.h"
#include "api/xml.h"
#include "storage/utf8.h"

namespace strata::api {
namespace {

boost::system::error_code Malformed() { return make_error_code(S3Errc::kMalformedXML); }

// The single root element, if its local name is `name`. No DOCTYPE processing (no entity
// expansion); callers bound the buffer.
pugi::xml_node LoadRoot(pugi::xml_document& doc, std::string_view xml, std::string_view name) {
  if (!doc.load_buffer(xml.data(), xml.size(), pugi::parse_default)) return {};
  pugi::xml_node root = XmlSingleRoot(doc);
  if (!root || XmlLocalName(root.name()) != name) return {};
  return root;
}

// The one child element named `name`; `*duplicate` when there are several.
pugi::xml_node Child(pugi::xml_node parent, std::string_view name, bool* duplicate) {
  pugi::xml_node found;
  for (pugi::xml_node node : parent.children()) {
    if (node.type() != pugi::node_element || XmlLocalName(node.name()) != name) continue;
    if (found) *duplicate = true;
    found = node;
  }
  return found;
}

// AWS's tag rules: key 1..128 characters, value 0..256, valid UTF-8, unique keys.
boost::system::error_code CheckTags(const storage::TagSet& tags) {
  for (size_t i = 0; i < tags.size(); ++i) {
    auto key = storage::Utf8Length(tags[i].first);
    auto value = storage::Utf8Length(tags[i].second);
    if (!key || !value || *key == 0 || *key > 128 || *value > 256) {
      return make_error_code(S3Errc::kInvalidTag);
    }
    for (size_t j = 0; j < i; ++j) {
      if (tags[j].first == tags[i].first) return make_error_code(S3Errc::kInvalidTag);
    }
  }
  return {};
}

}  // namespace

Result<VersioningRequest> ParseVersioningConfiguration(std::string_view xml) {
  pugi::xml_document doc;
  pugi::xml_node root = LoadRoot(doc, xml, "VersioningConfiguration");
  if (!root) return Malformed();
  bool duplicate = false;
  VersioningRequest request;
  if (pugi::xml_node status = Child(root, "Status", &duplicate)) {
    std::string_view text = status.text().get();
    if (text == "Enabled") {
      request.status = storage::VersioningState::kEnabled;
    } else if (text == "Suspended") {
      request.status = storage::VersioningState::kSuspended;
    } else {
      return Malformed();
    }
  }
  if (pugi::xml_node mfa = Child(root, "MfaDelete", &duplicate)) {
    std::string_view text = mfa.text().get();
    if (text != "Enabled" && text != "Disabled") return Malformed();
    request.mfa_delete = text == "Enabled";
  }
  if (duplicate) return Malformed();
  return request;
}

Result<storage::TagSet> ParseTagging(std::string_view xml, size_t max_tags) {
  pugi::xml_document doc;
  pugi::xml_node root = LoadRoot(doc, xml, "Tagging");
  if (!root) return Malformed();
  bool duplicate = false;
  pugi::xml_node tag_set = Child(root, "TagSet", &duplicate);
  if (!tag_set || duplicate) return Malformed();
  storage::TagSet tags;
  for (pugi::xml_node tag : tag_set.children()) {
    if (tag.type() != pugi::node_element) continue;
    if (XmlLocalName(tag.name()) != "Tag") return Malformed();
    pugi::xml_node key = Child(tag, "Key", &duplicate);
    pugi::xml_node value = Child(tag, "Value", &duplicate);
    if (!key || duplicate) return Malformed();
    if (tags.size() == max_tags) {
      // Stop before holding more than the limit allows.
      return make_error_code(S3Errc::kInvalidTag);
    }
    tags.emplace_back(key.text().get(), value ? value.text().get() : "");
  }
  if (auto ec = CheckTags(tags)) return ec;
  return tags;
}

Result<storage::TagSet> ParseTaggingHeader(std::string_view header) {
  storage::TagSet tags;
  if (header.empty()) return tags;
  while (true) {
    size_t amp = header.find('&');
    std::string_view pair = header.substr(0, amp);
    if (!pair.empty()) {
      if (tags.size() == storage::kMaxObjectTags) return make_error_code(S3Errc::kInvalidTag);
      size_t eq = pair.find('=');
      auto key = UriDecode(pair.substr(0, eq), /*plus_as_space=*/true);
      auto value =
          UriDecode(eq == std::string_view::npos ? std::string_view() : pair.substr(eq + 1),
                    /*plus_as_space=*/true);
      if (!key || !value) return make_error_code(S3Errc::kInvalidArgument);
      tags.emplace_back(std::move(*key), std::move(*value));
    }
    if (amp == std::string_view::npos) break;
    header.remove_prefix(amp + 1);
  }
  if (auto ec = CheckTags(tags)) return ec;
  return tags;
}

std::optional<storage::RetentionMode> ParseRetentionMode(std::string_view text) {
  if (text == "GOVERNANCE") return storage::RetentionMode::kGovernance;
  if (text == "COMPLIANCE") return storage::RetentionMode::kCompliance;
  return std::nullopt;
}

std::string_view RetentionModeName(storage::RetentionMode mode) {
  switch (mode) {
    case storage::RetentionMode::kGovernance:
      return "GOVERNANCE";
    case storage::RetentionMode::kCompliance:
      return "COMPLIANCE";
    case storage::RetentionMode::kNone:
      break;
  }
  return "";
}

Result<storage::ObjectLockConfiguration> ParseObjectLockConfiguration(std::string_view xml) {
  pugi::xml_document doc;
  pugi::xml_node root = LoadRoot(doc, xml, "ObjectLockConfiguration");
  if (!root) return Malformed();
  bool duplicate = false;
  storage::ObjectLockConfiguration config;
  pugi::xml_node enabled = Child(root, "ObjectLockEnabled", &duplicate);
  if (!enabled || std::string_view(enabled.text().get()) != "Enabled") return Malformed();
  config.enabled = true;
  if (pugi::xml_node rule = Child(root, "Rule", &duplicate)) {
    pugi::xml_node retention = Child(rule, "DefaultRetention", &duplicate);
    if (!retention) return Malformed();
    pugi::xml_node mode = Child(retention, "Mode", &duplicate);
    pugi::xml_node days = Child(retention, "Days", &duplicate);
    pugi::xml_node years = Child(retention, "Years", &duplicate);
    if (!mode || static_cast<bool>(days) == static_cast<bool>(years)) return Malformed();
    auto parsed_mode = ParseRetentionMode(mode.text().get());
    if (!parsed_mode) return Malformed();
    storage::DefaultRetention rule_value;
    rule_value.mode = *parsed_mode;
    auto period = ParseDecimal(TrimSpaces((days ? days : years).text().get()));
    const uint64_t limit = days ? 36500 : 100;
    if (!period || *period == 0 || *period > limit) {
      return make_error_code(S3Errc::kInvalidArgument);
    }
    (days ? rule_value.days : rule_value.years) = static_cast<uint32_t>(*period);
    config.rule = rule_value;
  }
  if (duplicate) return Malformed();
  return config;
}

Result<storage::Retention> ParseRetention(std::string_view xml) {
  pugi::xml_document doc;
  pugi::xml_node root = LoadRoot(doc, xml, "Retention");
  if (!root) return Malformed();
  bool duplicate = false;
  pugi::xml_node mode = Child(root, "Mode", &duplicate);
  pugi::xml_node until = Child(root, "RetainUntilDate", &duplicate);
  if (duplicate || static_cast<bool>(mode) != static_cast<bool>(until)) return Malformed();
  storage::Retention retention;
  if (!mode) return retention;  // removes the retention
  auto parsed_mode = ParseRetentionMode(mode.text().get());
  auto date = ParseIso8601(TrimSpaces(until.text().get()));
  if (!parsed_mode || !date) return Malformed();
  retention.mode = *parsed_mode;
  retention.retain_until = *date;
  return retention;
}

Result<bool> ParseLegalHold(std::string_view xml) {
  pugi::xml_document doc;
  pugi::xml_node root = LoadRoot(doc, xml, "LegalHold");
  if (!root) return Result<bool>(boost::system::in_place_error, Malformed());
  bool duplicate = false;
  pugi::xml_node status = Child(root, "Status", &duplicate);
  if (!status || duplicate) return Result<bool>(boost::system::in_place_error, Malformed());
  std::string_view text = status.text().get();
  if (text != "ON" && text != "OFF")
    return Result<bool>(boost::system::in_place_error, Malformed());
  return text == "ON";
}

}  // namespace strata::api
