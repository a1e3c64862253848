// LifecycleConfiguration parsing and rendering. Two passes, as AWS answers: the whole document
// is checked against the schema first (every structural fault is MalformedXML, whatever
// semantic fault also exists), then each rule's meaning (InvalidArgument / InvalidRequest with
// the messages S3 answers). The first pass keeps numbers signed and wide so the second can say
// "must be a positive integer" for -1 instead of failing to parse it.
#include "api/lifecycle_xml.h"

#include <openssl/rand.h>

#include <algorithm>
#include <array>
#include <charconv>
#include <chrono>
#include <limits>
#include <optional>
#include <pugixml.hpp>
#include <set>
#include <utility>
#include <vector>

#include "api/http_date.h"
#include "api/request_headers.h"
#include "api/xml.h"
#include "storage/utf8.h"

namespace strata::api {
namespace {

using storage::LifecycleConfiguration;
using storage::LifecycleRule;
using storage::TimePoint;

LifecycleError Malformed() { return LifecycleError{S3Errc::kMalformedXML, {}}; }
LifecycleError Invalid(std::string message) {
  return LifecycleError{S3Errc::kInvalidArgument, std::move(message)};
}
LifecycleError BadRequest(std::string message) {
  return LifecycleError{S3Errc::kInvalidRequest, std::move(message)};
}

using Status = std::optional<LifecycleError>;  // nullopt: fine

// ---- First pass: the schema. ----

struct RawFilter {
  bool present = false;  // a <Filter> element (V2) rather than the legacy <Prefix>
  std::string prefix;
  storage::TagSet tags;
  bool tag_overflow = false;  // more than kMaxLifecycleFilterTags
  std::optional<int64_t> greater;
  std::optional<int64_t> less;
};

struct RawExpiration {
  std::optional<int64_t> days;
  std::optional<TimePoint> date;
  std::optional<bool> marker;
};

struct RawTransition {
  std::optional<int64_t> days;  // Days, or NoncurrentDays for a noncurrent transition
  std::optional<TimePoint> date;
  std::optional<int64_t> newer;
  std::string storage_class;
};

struct RawNoncurrent {
  int64_t days = 0;
  std::optional<int64_t> newer;
};

struct RawRule {
  std::optional<std::string> id;
  bool enabled = false;
  bool legacy_prefix = false;  // the rule has a top-level <Prefix>
  RawFilter filter;
  std::optional<RawExpiration> expiration;
  std::vector<RawTransition> transitions;
  std::optional<RawNoncurrent> noncurrent;
  std::vector<RawTransition> noncurrent_transitions;
  std::optional<int64_t> abort_days;
};

// The text of a leaf element: its character data, whatever the CDATA split. An element child
// makes it no leaf (MalformedXML).
bool LeafText(pugi::xml_node node, std::string* out) {
  out->clear();
  for (pugi::xml_node child : node.children()) {
    if (child.type() == pugi::node_pcdata || child.type() == pugi::node_cdata) {
      out->append(child.value());
    } else if (child.type() == pugi::node_element) {
      return false;
    }
  }
  return true;
}

// xs:int / xs:long as the schema reads them (surrounding white space collapsed, an optional
// sign). nullopt when not a number or out of range.
std::optional<int64_t> ParseInteger(std::string_view text, int64_t min, int64_t max) {
  while (!text.empty() && (text.front() == ' ' || text.front() == '\t' || text.front() == '\r' ||
                           text.front() == '\n')) {
    text.remove_prefix(1);
  }
  while (!text.empty() && (text.back() == ' ' || text.back() == '\t' || text.back() == '\r' ||
                           text.back() == '\n')) {
    text.remove_suffix(1);
  }
  if (!text.empty() && text.front() == '+') text.remove_prefix(1);
  if (text.empty() || text.size() > 24) return std::nullopt;
  int64_t value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size()) return std::nullopt;
  if (value < min || value > max) return std::nullopt;
  return value;
}

constexpr int64_t kInt32Min = std::numeric_limits<int32_t>::min();
constexpr int64_t kInt32Max = std::numeric_limits<int32_t>::max();
constexpr int64_t kInt64Min = std::numeric_limits<int64_t>::min();
constexpr int64_t kInt64Max = std::numeric_limits<int64_t>::max();

Status Int32Leaf(pugi::xml_node node, std::optional<int64_t>* out) {
  if (out->has_value()) return Malformed();  // repeated
  std::string text;
  if (!LeafText(node, &text)) return Malformed();
  auto value = ParseInteger(text, kInt32Min, kInt32Max);
  if (!value) return Malformed();
  *out = *value;
  return std::nullopt;
}

Status Int64Leaf(pugi::xml_node node, std::optional<int64_t>* out) {
  if (out->has_value()) return Malformed();
  std::string text;
  if (!LeafText(node, &text)) return Malformed();
  auto value = ParseInteger(text, kInt64Min, kInt64Max);
  if (!value) return Malformed();
  *out = *value;
  return std::nullopt;
}

Status DateLeaf(pugi::xml_node node, std::optional<TimePoint>* out) {
  if (out->has_value()) return Malformed();
  std::string text;
  if (!LeafText(node, &text)) return Malformed();
  auto date = ParseIso8601(TrimSpaces(text));
  if (!date) return Malformed();
  *out = *date;
  return std::nullopt;
}

Status StringLeaf(pugi::xml_node node, std::optional<std::string>* out) {
  if (out->has_value()) return Malformed();
  std::string text;
  if (!LeafText(node, &text)) return Malformed();
  *out = std::move(text);
  return std::nullopt;
}

// A storage class name: AWS's are upper-case tokens (GLACIER, DEEP_ARCHIVE, ...). Which ones
// exist is the server's configuration, checked by storage (InvalidStorageClass).
bool ValidClassName(std::string_view name) {
  if (name.empty() || name.size() > 64) return false;
  return std::all_of(name.begin(), name.end(), [](char c) {
    return (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
  });
}

Status ParseTag(pugi::xml_node tag, RawFilter* filter) {
  if (!XmlContainerOk(tag)) return Malformed();
  std::optional<std::string> key;
  std::optional<std::string> value;
  for (pugi::xml_node child : tag.children()) {
    if (child.type() != pugi::node_element) continue;
    std::string_view name = XmlLocalName(child.name());
    Status s = name == "Key"     ? StringLeaf(child, &key)
               : name == "Value" ? StringLeaf(child, &value)
                                 : Malformed();
    if (s) return s;
  }
  if (!key || key->empty()) return Malformed();
  if (filter->tags.size() == kMaxLifecycleFilterTags) {
    // Hold no more than the limit, whatever the document claims.
    filter->tag_overflow = true;
    return std::nullopt;
  }
  filter->tags.emplace_back(std::move(*key), value.value_or(""));
  return std::nullopt;
}

// The conditions of <Filter> (one at most) or of <And> (several, no nested And).
Status ParseFilterBody(pugi::xml_node node, RawFilter* filter, bool in_and) {
  if (!XmlContainerOk(node)) return Malformed();
  size_t conditions = 0;
  bool have_prefix = false;
  bool have_and = false;
  bool have_tag = false;
  for (pugi::xml_node child : node.children()) {
    if (child.type() != pugi::node_element) continue;
    std::string_view name = XmlLocalName(child.name());
    ++conditions;
    if (name == "Prefix") {
      if (have_prefix) return Malformed();
      have_prefix = true;
      std::string text;
      if (!LeafText(child, &text)) return Malformed();
      filter->prefix = std::move(text);
    } else if (name == "Tag") {
      if (!in_and && have_tag) return Malformed();
      have_tag = true;
      if (Status s = ParseTag(child, filter)) return s;
    } else if (name == "ObjectSizeGreaterThan") {
      if (Status s = Int64Leaf(child, &filter->greater)) return s;
    } else if (name == "ObjectSizeLessThan") {
      if (Status s = Int64Leaf(child, &filter->less)) return s;
    } else if (name == "And" && !in_and) {
      if (have_and) return Malformed();
      have_and = true;
      if (Status s = ParseFilterBody(child, filter, /*in_and=*/true)) return s;
    } else {
      return Malformed();
    }
  }
  // Outside And, a filter names one condition at most.
  if (!in_and && conditions > 1) return Malformed();
  return std::nullopt;
}

Status ParseExpiration(pugi::xml_node node, RawExpiration* out) {
  if (!XmlContainerOk(node)) return Malformed();
  for (pugi::xml_node child : node.children()) {
    if (child.type() != pugi::node_element) continue;
    std::string_view name = XmlLocalName(child.name());
    if (name == "Days") {
      if (Status s = Int32Leaf(child, &out->days)) return s;
    } else if (name == "Date") {
      if (Status s = DateLeaf(child, &out->date)) return s;
    } else if (name == "ExpiredObjectDeleteMarker") {
      std::optional<std::string> text;
      if (out->marker) return Malformed();
      if (Status s = StringLeaf(child, &text)) return s;
      std::string_view v = TrimSpaces(*text);
      if (v == "true" || v == "1") {
        out->marker = true;
      } else if (v == "false" || v == "0") {
        out->marker = false;
      } else {
        return Malformed();
      }
    } else {
      return Malformed();
    }
  }
  const int given = (out->days ? 1 : 0) + (out->date ? 1 : 0) + (out->marker ? 1 : 0);
  if (given != 1) return Malformed();
  return std::nullopt;
}

// <Transition> (noncurrent = false: Days | Date) or <NoncurrentVersionTransition>
// (NoncurrentDays, NewerNoncurrentVersions); both need StorageClass.
Status ParseTransition(pugi::xml_node node, bool noncurrent, RawTransition* out) {
  if (!XmlContainerOk(node)) return Malformed();
  std::optional<std::string> storage_class;
  for (pugi::xml_node child : node.children()) {
    if (child.type() != pugi::node_element) continue;
    std::string_view name = XmlLocalName(child.name());
    Status s;
    if (name == "StorageClass") {
      s = StringLeaf(child, &storage_class);
    } else if (!noncurrent && name == "Days") {
      s = Int32Leaf(child, &out->days);
    } else if (!noncurrent && name == "Date") {
      s = DateLeaf(child, &out->date);
    } else if (noncurrent && name == "NoncurrentDays") {
      s = Int32Leaf(child, &out->days);
    } else if (noncurrent && name == "NewerNoncurrentVersions") {
      s = Int32Leaf(child, &out->newer);
    } else {
      s = Malformed();
    }
    if (s) return s;
  }
  if (!storage_class) return Malformed();
  std::string_view cls = TrimSpaces(*storage_class);
  if (!ValidClassName(cls)) return Malformed();
  out->storage_class = std::string(cls);
  if (noncurrent) {
    if (!out->days) return Malformed();
  } else if ((out->days ? 1 : 0) + (out->date ? 1 : 0) != 1) {
    return Malformed();
  }
  return std::nullopt;
}

Status ParseNoncurrentExpiration(pugi::xml_node node, RawNoncurrent* out) {
  if (!XmlContainerOk(node)) return Malformed();
  std::optional<int64_t> days;
  for (pugi::xml_node child : node.children()) {
    if (child.type() != pugi::node_element) continue;
    std::string_view name = XmlLocalName(child.name());
    Status s = name == "NoncurrentDays"            ? Int32Leaf(child, &days)
               : name == "NewerNoncurrentVersions" ? Int32Leaf(child, &out->newer)
                                                   : Malformed();
    if (s) return s;
  }
  if (!days) return Malformed();
  out->days = *days;
  return std::nullopt;
}

Status ParseAbort(pugi::xml_node node, std::optional<int64_t>* out) {
  if (!XmlContainerOk(node)) return Malformed();
  for (pugi::xml_node child : node.children()) {
    if (child.type() != pugi::node_element) continue;
    if (XmlLocalName(child.name()) != "DaysAfterInitiation") return Malformed();
    if (Status s = Int32Leaf(child, out)) return s;
  }
  if (!out->has_value()) return Malformed();
  return std::nullopt;
}

Status ParseRule(pugi::xml_node node, RawRule* rule) {
  if (!XmlContainerOk(node)) return Malformed();
  std::optional<std::string> status;
  bool have_filter = false;
  for (pugi::xml_node child : node.children()) {
    if (child.type() != pugi::node_element) continue;
    std::string_view name = XmlLocalName(child.name());
    Status s;
    if (name == "ID") {
      s = StringLeaf(child, &rule->id);
    } else if (name == "Status") {
      s = StringLeaf(child, &status);
    } else if (name == "Filter") {
      if (have_filter) return Malformed();
      have_filter = true;
      rule->filter.present = true;
      s = ParseFilterBody(child, &rule->filter, /*in_and=*/false);
    } else if (name == "Prefix") {
      if (rule->legacy_prefix) return Malformed();
      rule->legacy_prefix = true;
      std::string text;
      if (!LeafText(child, &text)) return Malformed();
      rule->filter.prefix = std::move(text);
    } else if (name == "Expiration") {
      if (rule->expiration) return Malformed();
      rule->expiration.emplace();
      s = ParseExpiration(child, &*rule->expiration);
    } else if (name == "Transition" || name == "NoncurrentVersionTransition") {
      const bool noncurrent = name != "Transition";
      auto& list = noncurrent ? rule->noncurrent_transitions : rule->transitions;
      if (list.size() == kMaxLifecycleTransitions) return Malformed();
      s = ParseTransition(child, noncurrent, &list.emplace_back());
    } else if (name == "NoncurrentVersionExpiration") {
      if (rule->noncurrent) return Malformed();
      rule->noncurrent.emplace();
      s = ParseNoncurrentExpiration(child, &*rule->noncurrent);
    } else if (name == "AbortIncompleteMultipartUpload") {
      if (rule->abort_days) return Malformed();
      s = ParseAbort(child, &rule->abort_days);
    } else {
      s = Malformed();
    }
    if (s) return s;
  }
  if (!status) return Malformed();
  if (*status == "Enabled") {
    rule->enabled = true;
  } else if (*status != "Disabled") {
    return Malformed();
  }
  // A rule names its objects by exactly one of Filter and the legacy Prefix.
  if (have_filter == rule->legacy_prefix) return Malformed();
  return std::nullopt;
}

// ---- Second pass: meaning. ----

bool IsMidnight(TimePoint t) {
  using namespace std::chrono;
  return duration_cast<nanoseconds>(t.time_since_epoch()) % days(1) == nanoseconds(0);
}

Status CheckFilter(const RawFilter& f, storage::LifecycleFilter* out) {
  if (f.prefix.size() > kMaxLifecyclePrefixBytes) {
    return Invalid("The maximum size of a prefix is 1024.");
  }
  if (f.tag_overflow) return Invalid("Lifecycle filters support at most 10 tags.");
  for (size_t i = 0; i < f.tags.size(); ++i) {
    auto key = storage::Utf8Length(f.tags[i].first);
    auto value = storage::Utf8Length(f.tags[i].second);
    if (!key || !value || *key > 128 || *value > 256) {
      return Invalid("The TagKey you have provided is invalid");
    }
    for (size_t j = 0; j < i; ++j) {
      if (f.tags[j].first == f.tags[i].first) {
        return BadRequest("Duplicate Tag Keys are not allowed.");
      }
    }
  }
  if (f.greater &&
      (*f.greater < 0 || static_cast<uint64_t>(*f.greater) > kMaxLifecycleObjectSize)) {
    return BadRequest("'ObjectSizeGreaterThan' should be between 0 and 1099511627776000.");
  }
  if (f.less && (*f.less < 1 || static_cast<uint64_t>(*f.less) > kMaxLifecycleObjectSize)) {
    return BadRequest("'ObjectSizeLessThan' should be between 1 and 1099511627776000.");
  }
  if (f.greater && f.less && *f.less <= *f.greater) {
    return BadRequest(
        "'ObjectSizeLessThan' has to be a value greater than 'ObjectSizeGreaterThan'.");
  }
  out->prefix = f.prefix;
  out->tags = f.tags;
  if (f.greater) out->size_greater_than = static_cast<uint64_t>(*f.greater);
  if (f.less) out->size_less_than = static_cast<uint64_t>(*f.less);
  return std::nullopt;
}

Status CheckNewer(const std::optional<int64_t>& newer, bool v2, std::optional<uint32_t>* out) {
  if (!newer) return std::nullopt;
  if (!v2) return BadRequest("NewerNoncurrentVersions element can only be used in Lifecycle V2.");
  if (*newer < 1) return Invalid("'NewerNoncurrentVersions' must be a positive integer");
  if (*newer > 100) {
    return Invalid("'NewerNoncurrentVersions' must be less than or equal to 100");
  }
  *out = static_cast<uint32_t>(*newer);
  return std::nullopt;
}

Status CheckRule(const RawRule& raw, bool v2, LifecycleRule* rule) {
  if (v2 && raw.legacy_prefix) {
    return BadRequest(
        "Base level prefix cannot be used in Lifecycle V2, prefixes are only supported in the "
        "Filter.");
  }
  if (!v2 && raw.filter.present) {
    return BadRequest("Filter element can only be used in Lifecycle V2.");
  }
  rule->enabled = raw.enabled;
  if (Status s = CheckFilter(raw.filter, &rule->filter)) return s;
  // An Expiration of ExpiredObjectDeleteMarker false alone asks for nothing (and is not kept
  // below): a rule with only that has no action, which the index cannot store.
  const bool expires = raw.expiration && (raw.expiration->days || raw.expiration->date ||
                                          raw.expiration->marker.value_or(false));
  const bool any_action = expires || !raw.transitions.empty() || raw.noncurrent ||
                          !raw.noncurrent_transitions.empty() || raw.abort_days;
  if (!any_action) return BadRequest("At least one action needs to be specified in a rule");
  const bool tags = !rule->filter.tags.empty();
  const bool sizes = rule->filter.size_greater_than || rule->filter.size_less_than;

  bool dated = false;
  bool counted = false;
  if (const auto& e = raw.expiration) {
    if (e->days) {
      if (*e->days < 1) return Invalid("'Days' for Expiration action must be a positive integer");
      counted = true;
    }
    if (e->date) {
      if (!IsMidnight(*e->date)) return Invalid("'Date' must be at midnight GMT");
      dated = true;
    }
    if (e->marker && *e->marker) {
      if (tags) return BadRequest("ExpiredObjectDeleteMarker cannot be specified with Tags.");
      if (sizes)
        return BadRequest("ExpiredObjectDeleteMarker cannot be specified with Object Size.");
    }
    // ExpiredObjectDeleteMarker false asks for nothing: no expiration action is kept.
    if (e->days || e->date || (e->marker && *e->marker)) {
      storage::LifecycleExpiration expiration;
      if (e->days) expiration.days = static_cast<uint32_t>(*e->days);
      expiration.date = e->date;
      expiration.expired_object_delete_marker = e->marker.value_or(false);
      rule->expiration = expiration;
    }
  }

  std::set<std::string_view> classes;
  for (const RawTransition& t : raw.transitions) {
    storage::LifecycleTransition transition;
    if (t.days) {
      if (*t.days < 0) return Invalid("'Days' in Transition action must be nonnegative");
      transition.days = static_cast<uint32_t>(*t.days);
      counted = true;
    } else {
      if (!IsMidnight(*t.date)) return Invalid("'Date' must be at midnight GMT");
      transition.date = t.date;
      dated = true;
    }
    if (!classes.insert(t.storage_class).second) {
      return BadRequest("'StorageClass' must be different for 'Transition' actions in same 'Rule'");
    }
    transition.storage_class = t.storage_class;
    rule->transitions.push_back(std::move(transition));
  }
  if (dated && counted) {
    return BadRequest(
        "Found mixed 'Date' and 'Days' based Expiration and Transition actions in lifecycle rule");
  }

  if (const auto& n = raw.noncurrent) {
    if (n->days < 1) {
      return Invalid(
          "'NoncurrentDays' for NoncurrentVersionExpiration action must be a positive integer");
    }
    storage::NoncurrentExpiration expiration;
    expiration.noncurrent_days = static_cast<uint32_t>(n->days);
    if (Status s = CheckNewer(n->newer, v2, &expiration.newer_noncurrent_versions)) return s;
    rule->noncurrent_expiration = expiration;
  }

  classes.clear();
  for (const RawTransition& t : raw.noncurrent_transitions) {
    if (*t.days < 0) {
      return Invalid("'NoncurrentDays' in NoncurrentVersionTransition action must be nonnegative");
    }
    storage::NoncurrentTransition transition;
    transition.noncurrent_days = static_cast<uint32_t>(*t.days);
    if (Status s = CheckNewer(t.newer, v2, &transition.newer_noncurrent_versions)) return s;
    if (!classes.insert(t.storage_class).second) {
      return BadRequest(
          "'StorageClass' must be different for 'NoncurrentVersionTransition' actions in same "
          "'Rule'");
    }
    transition.storage_class = t.storage_class;
    rule->noncurrent_transitions.push_back(std::move(transition));
  }

  if (raw.abort_days) {
    if (*raw.abort_days < 1) {
      return Invalid(
          "'DaysAfterInitiation' for AbortIncompleteMultipartUpload action must be a positive "
          "integer");
    }
    if (tags) return BadRequest("AbortIncompleteMultipartUpload cannot be specified with Tags.");
    if (sizes) {
      return BadRequest("AbortIncompleteMultipartUpload cannot be specified with Object Size.");
    }
    rule->abort_incomplete_upload_days = static_cast<uint32_t>(*raw.abort_days);
  }
  return std::nullopt;
}

// Before Lifecycle V2 (rules with a top-level Prefix), S3 refuses two rules taking the same kind
// of action on overlapping prefixes (one begins the other). Sorted, a prefix that begins any
// later one begins its successor, so neighbours are all that need comparing.
Status CheckOverlaps(const std::vector<RawRule>& rules) {
  using Takes = bool (*)(const RawRule&);
  constexpr std::array<std::pair<std::string_view, Takes>, 5> kKinds = {{
      {"Expiration", [](const RawRule& r) { return r.expiration.has_value(); }},
      {"Transition", [](const RawRule& r) { return !r.transitions.empty(); }},
      {"NoncurrentVersionExpiration", [](const RawRule& r) { return r.noncurrent.has_value(); }},
      {"NoncurrentVersionTransition",
       [](const RawRule& r) { return !r.noncurrent_transitions.empty(); }},
      {"AbortIncompleteMultipartUpload", [](const RawRule& r) { return r.abort_days.has_value(); }},
  }};
  for (const auto& [kind, takes] : kKinds) {
    std::vector<std::string_view> prefixes;
    for (const RawRule& rule : rules) {
      if (takes(rule)) prefixes.push_back(rule.filter.prefix);
    }
    std::sort(prefixes.begin(), prefixes.end());
    for (size_t i = 1; i < prefixes.size(); ++i) {
      if (prefixes[i].starts_with(prefixes[i - 1])) {
        return BadRequest("Found overlapping prefixes '" + std::string(prefixes[i - 1]) +
                          "' and '" + std::string(prefixes[i]) + "' for same action type '" +
                          std::string(kind) + "'");
      }
    }
  }
  return std::nullopt;
}

void RenderFilter(XmlWriter& xml, const storage::LifecycleFilter& f) {
  const size_t conditions = (f.prefix.empty() ? 0 : 1) + f.tags.size() +
                            (f.size_greater_than ? 1 : 0) + (f.size_less_than ? 1 : 0);
  xml.Open("Filter");
  if (conditions > 1) xml.Open("And");
  if (!f.prefix.empty()) xml.Element("Prefix", f.prefix);
  for (const auto& [key, value] : f.tags) {
    xml.Open("Tag").Element("Key", key).Element("Value", value).Close("Tag");
  }
  if (f.size_greater_than) xml.NumberElement("ObjectSizeGreaterThan", *f.size_greater_than);
  if (f.size_less_than) xml.NumberElement("ObjectSizeLessThan", *f.size_less_than);
  if (conditions > 1) xml.Close("And");
  xml.Close("Filter");
}

}  // namespace

std::variant<LifecycleConfiguration, LifecycleError> ParseLifecycleConfiguration(
    std::string_view xml, const std::function<std::string()>& new_id) {
  pugi::xml_document doc;
  // parse_default never expands entities beyond the five predefined ones, and skips DOCTYPE.
  if (!doc.load_buffer(xml.data(), xml.size(), pugi::parse_default)) return Malformed();
  pugi::xml_node root = XmlSingleRoot(doc);
  if (!root || XmlLocalName(root.name()) != "LifecycleConfiguration" || !XmlContainerOk(root)) {
    return Malformed();
  }
  std::vector<RawRule> raw;
  bool too_many = false;
  for (pugi::xml_node child : root.children()) {
    if (child.type() != pugi::node_element) continue;
    if (XmlLocalName(child.name()) != "Rule") return Malformed();
    if (raw.size() == storage::kMaxLifecycleRules) {
      // Keep checking the structure (MalformedXML comes first) without holding more rules.
      RawRule ignored;
      if (Status s = ParseRule(child, &ignored)) return *s;
      too_many = true;
      continue;
    }
    if (Status s = ParseRule(child, &raw.emplace_back())) return *s;
  }
  if (raw.empty()) return Malformed();
  if (too_many) {
    return BadRequest(
        "The number of lifecycle rules must not exceed the allowed limit of 1000 rules.");
  }

  // IDs first, as S3 reports them: length, then uniqueness.
  std::set<std::string> ids;
  for (const RawRule& rule : raw) {
    if (!rule.id || rule.id->empty()) continue;
    if (rule.id->size() > kMaxLifecycleIdLength) {
      return Invalid("ID length should not exceed allowed limit of 255");
    }
    if (!ids.insert(*rule.id).second) {
      return Invalid("Rule ID must be unique. Found same ID for more than one rule");
    }
  }

  // The first rule decides the dialect: a Filter means Lifecycle V2.
  const bool v2 = raw.front().filter.present;
  LifecycleConfiguration config;
  config.rules.reserve(raw.size());
  for (const RawRule& rule : raw) {
    LifecycleRule& out = config.rules.emplace_back();
    if (Status s = CheckRule(rule, v2, &out)) return *s;
    if (rule.id && !rule.id->empty()) {
      out.id = *rule.id;
    } else {
      out.id = new_id();
      if (!ids.insert(out.id).second) {
        return Invalid("Rule ID must be unique. Found same ID for more than one rule");
      }
    }
  }
  if (!v2) {
    if (Status s = CheckOverlaps(raw)) return *s;
  }
  return config;
}

std::string NewLifecycleRuleId() {
  // AWS's generated IDs are the base64 of a random UUID's text (36 -> 48 characters).
  std::array<unsigned char, 16> bytes{};
  if (RAND_bytes(bytes.data(), static_cast<int>(bytes.size())) != 1) {
    // No entropy source: fall back to the clock, still unique enough within one document.
    auto now = std::chrono::steady_clock::now().time_since_epoch().count();
    for (size_t i = 0; i < bytes.size(); ++i) {
      bytes[i] = static_cast<unsigned char>(now >> ((i % 8) * 8));
    }
  }
  bytes[6] = static_cast<unsigned char>((bytes[6] & 0x0F) | 0x40);  // version 4
  bytes[8] = static_cast<unsigned char>((bytes[8] & 0x3F) | 0x80);  // variant
  static constexpr char kHex[] = "0123456789abcdef";
  std::string uuid;
  for (size_t i = 0; i < bytes.size(); ++i) {
    if (i == 4 || i == 6 || i == 8 || i == 10) uuid.push_back('-');
    uuid.push_back(kHex[bytes[i] >> 4]);
    uuid.push_back(kHex[bytes[i] & 0xF]);
  }
  static constexpr char kB64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  for (size_t i = 0; i + 2 < uuid.size(); i += 3) {  // 36 bytes: no padding
    uint32_t v = (static_cast<uint8_t>(uuid[i]) << 16) | (static_cast<uint8_t>(uuid[i + 1]) << 8) |
                 static_cast<uint8_t>(uuid[i + 2]);
    out.push_back(kB64[(v >> 18) & 63]);
    out.push_back(kB64[(v >> 12) & 63]);
    out.push_back(kB64[(v >> 6) & 63]);
    out.push_back(kB64[v & 63]);
  }
  return out;
}

std::string RenderLifecycleConfiguration(const LifecycleConfiguration& config) {
  XmlWriter xml;
  xml.Open("LifecycleConfiguration", kS3XmlNamespace);
  for (const LifecycleRule& rule : config.rules) {
    xml.Open("Rule");
    xml.Element("ID", rule.id);
    RenderFilter(xml, rule.filter);
    xml.Element("Status", rule.enabled ? "Enabled" : "Disabled");
    if (const auto& e = rule.expiration) {
      xml.Open("Expiration");
      if (e->days) xml.NumberElement("Days", *e->days);
      if (e->date) xml.Element("Date", FormatIso8601(*e->date));
      if (e->expired_object_delete_marker) xml.BoolElement("ExpiredObjectDeleteMarker", true);
      xml.Close("Expiration");
    }
    for (const storage::LifecycleTransition& t : rule.transitions) {
      xml.Open("Transition");
      if (t.days) xml.NumberElement("Days", *t.days);
      if (t.date) xml.Element("Date", FormatIso8601(*t.date));
      xml.Element("StorageClass", t.storage_class).Close("Transition");
    }
    for (const storage::NoncurrentTransition& t : rule.noncurrent_transitions) {
      xml.Open("NoncurrentVersionTransition").NumberElement("NoncurrentDays", t.noncurrent_days);
      if (t.newer_noncurrent_versions) {
        xml.NumberElement("NewerNoncurrentVersions", *t.newer_noncurrent_versions);
      }
      xml.Element("StorageClass", t.storage_class).Close("NoncurrentVersionTransition");
    }
    if (const auto& n = rule.noncurrent_expiration) {
      xml.Open("NoncurrentVersionExpiration").NumberElement("NoncurrentDays", n->noncurrent_days);
      if (n->newer_noncurrent_versions) {
        xml.NumberElement("NewerNoncurrentVersions", *n->newer_noncurrent_versions);
      }
      xml.Close("NoncurrentVersionExpiration");
    }
    if (rule.abort_incomplete_upload_days) {
      xml.Open("AbortIncompleteMultipartUpload")
          .NumberElement("DaysAfterInitiation", *rule.abort_incomplete_upload_days)
          .Close("AbortIncompleteMultipartUpload");
    }
    xml.Close("Rule");
  }
  xml.Close("LifecycleConfiguration");
  return xml.Finish();
}

}  // namespace strata::api
