// Fuzzes the governance and lifecycle request-body parsers in api/: VersioningConfiguration,
// Tagging, the x-amz-tagging header, ObjectLockConfiguration, Retention, LegalHold and
// LifecycleConfiguration. The first byte picks the parser; the rest is the document. Each result
// is checked against its parser's documented limits, and a parsed lifecycle configuration must
// render and parse again to the same rules.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <variant>

#include "api/governance_xml.h"
#include "api/lifecycle_xml.h"
#include "storage/lifecycle.h"

namespace {

namespace api = strata::api;
namespace storage = strata::storage;

void Tagging(std::string_view xml) {
  auto tags = api::ParseTagging(xml, storage::kMaxObjectTags);
  if (tags && tags->size() > storage::kMaxObjectTags) __builtin_trap();
}

void TaggingHeader(std::string_view header) {
  auto tags = api::ParseTaggingHeader(header);
  if (tags && tags->size() > header.size()) __builtin_trap();
}

void ObjectLock(std::string_view xml) {
  auto config = api::ParseObjectLockConfiguration(xml);
  if (config && config->rule && config->rule->days == 0 && config->rule->years == 0) {
    __builtin_trap();
  }
}

void Lifecycle(std::string_view xml) {
  auto fixed_id = [] { return std::string("generated"); };
  auto parsed = api::ParseLifecycleConfiguration(xml, fixed_id);
  const auto* config = std::get_if<storage::LifecycleConfiguration>(&parsed);
  if (config == nullptr) return;
  if (config->rules.empty() || config->rules.size() > storage::kMaxLifecycleRules) {
    __builtin_trap();
  }
  // What we store and answer on GET must be accepted again, unchanged in size.
  auto again =
      api::ParseLifecycleConfiguration(api::RenderLifecycleConfiguration(*config), fixed_id);
  const auto* round = std::get_if<storage::LifecycleConfiguration>(&again);
  if (round == nullptr || round->rules.size() != config->rules.size()) __builtin_trap();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  std::string_view doc(reinterpret_cast<const char*>(data) + 1, size - 1);
  switch (data[0] % 7) {
    case 0:
      (void)api::ParseVersioningConfiguration(doc);
      break;
    case 1:
      Tagging(doc);
      break;
    case 2:
      TaggingHeader(doc);
      break;
    case 3:
      ObjectLock(doc);
      break;
    case 4:
      (void)api::ParseRetention(doc);
      break;
    case 5:
      (void)api::ParseLegalHold(doc);
      break;
    default:
      Lifecycle(doc);
      break;
  }
  return 0;
}
