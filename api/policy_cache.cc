#include "api/policy_cache.h"

#include <mutex>
#include <string>
#include <unordered_map>

namespace strata::api {
namespace {

struct Cache {
  std::mutex mu;
  std::unordered_map<std::string, std::shared_ptr<const Policy>> entries;
  size_t bytes = 0;
};

Cache& TheCache() {
  static Cache* cache = new Cache();  // never destroyed: used until the process exits
  return *cache;
}

}  // namespace

std::shared_ptr<const Policy> CachedPolicy(std::string_view document, PolicyKind kind,
                                           std::string_view bucket) {
  // A bucket policy's meaning depends on its bucket (Resources must name it): part of the key.
  std::string key;
  key.reserve(document.size() + bucket.size() + 2);
  key.push_back(kind == PolicyKind::kBucket ? 'b' : 'u');
  key.append(bucket).push_back('\0');
  key.append(document);

  Cache& cache = TheCache();
  {
    std::lock_guard lock(cache.mu);
    auto it = cache.entries.find(key);
    if (it != cache.entries.end()) return it->second;
  }
  std::shared_ptr<const Policy> parsed;  // parsed outside the lock: documents are up to 20 KiB
  if (auto p = ParsePolicy(document, kind, bucket, nullptr)) {
    parsed = std::make_shared<const Policy>(std::move(*p));
  }
  std::lock_guard lock(cache.mu);
  if (cache.bytes + key.size() > kMaxCachedPolicyBytes) {
    cache.entries.clear();  // rare (megabytes of distinct policies): start over
    cache.bytes = 0;
  }
  auto [it, inserted] = cache.entries.emplace(std::move(key), parsed);
  if (inserted) cache.bytes += it->first.size();
  return it->second;
}

}  // namespace strata::api
