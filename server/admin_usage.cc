#include "server/admin_usage.h"

namespace strata::server {

storage::Result<std::vector<BucketUsage>> ComputeUsage(
    storage::ObjectStore& store, const std::map<std::string, std::string>& storage_classes) {
  auto buckets = store.ListBuckets();
  if (!buckets) return buckets.error();
  std::vector<BucketUsage> usage;
  for (const storage::BucketInfo& bucket : *buckets) {
    BucketUsage u;
    u.name = bucket.name;
    storage::ListVersionsOptions options;
    while (true) {
      auto page = store.ListObjectVersions(bucket.name, options);
      if (!page) {
        // Deleted while we listed: it stores nothing any more.
        if (page.error() == storage::Errc::kNoSuchBucket) break;
        return page.error();
      }
      for (const storage::ObjectInfo& v : page->versions) {
        if (v.delete_marker) {
          ++u.delete_markers;
          continue;
        }
        auto tier = storage_classes.find(v.storage_class);
        TierUsage& t = u.tiers[tier == storage_classes.end() ? v.storage_class : tier->second];
        ++t.objects;
        t.bytes += v.size;
        if (v.is_latest) ++u.current_objects;
      }
      // A page that made no progress would loop forever: stop rather than spin.
      if (!page->truncated || (page->next_key_marker == options.key_marker &&
                               page->next_version_id_marker == options.version_id_marker)) {
        break;
      }
      options.key_marker = page->next_key_marker;
      options.version_id_marker = page->next_version_id_marker;
    }
    usage.push_back(std::move(u));
  }
  return usage;
}

nlohmann::ordered_json UsageJson(const std::vector<BucketUsage>& usage,
                                 const std::vector<std::string>& tier_names) {
  using ojson = nlohmann::ordered_json;
  std::map<std::string, TierUsage> totals;
  for (const std::string& t : tier_names) totals[t];
  ojson buckets = ojson::array();
  uint64_t all_objects = 0;
  uint64_t all_bytes = 0;
  for (const BucketUsage& b : usage) {
    ojson tiers = ojson::object();
    uint64_t objects = 0;
    uint64_t bytes = 0;
    for (const auto& [name, t] : b.tiers) {
      tiers[name] = {{"objects", t.objects}, {"bytes", t.bytes}};
      objects += t.objects;
      bytes += t.bytes;
      totals[name].objects += t.objects;
      totals[name].bytes += t.bytes;
    }
    all_objects += objects;
    all_bytes += bytes;
    buckets.push_back({{"name", b.name},
                       {"objects", objects},
                       {"bytes", bytes},
                       {"current_objects", b.current_objects},
                       {"delete_markers", b.delete_markers},
                       {"tiers", std::move(tiers)}});
  }
  ojson tiers = ojson::object();
  for (const auto& [name, t] : totals) tiers[name] = {{"objects", t.objects}, {"bytes", t.bytes}};
  return {{"buckets", std::move(buckets)},
          {"tiers", std::move(tiers)},
          {"objects", all_objects},
          {"bytes", all_bytes}};
}

}  // namespace strata::server
